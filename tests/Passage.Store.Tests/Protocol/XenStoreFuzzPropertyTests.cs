using System.Text;
using CsCheck;
using Passage.Fuzz.Targets;
using Passage.Store.Protocol;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Protocol;

/// <summary>
/// The XenStore fuzz target driven by CsCheck inside the test suite, where no fuzzer runs: streams
/// of requests built from a grammar of the protocol (every type, valid and broken paths,
/// permission lists, tokens, transaction ids, raw values), mutated and spliced seeds, and plain
/// random bytes. The target itself is the oracle (store.md §1–§8 through its slow checks); a
/// failure prints the CsCheck seed that reproduces it.
/// </summary>
public sealed class XenStoreFuzzPropertyTests
{
    private static readonly byte[][] Seeds = [.. XenStoreSeeds.All().Select(s => s.Bytes)];

    private static readonly string[] PathPool =
    [
        "/", "/local", "/local/domain", "/local/domain/0", "/local/domain/5", "/local/domain/5/data", "/local/domain/6",
        "/local/domain/0/backend/vif/5/0/state", "/local/domain/0/backend", "/tool/xenstored", "@introduceDomain",
        "@releaseDomain", "@releaseDomain/5", "@other", "", "//a", "/a/", "a b", "/a\u00e9", "/a\0b",
        "/local/domain/5/" + new string('z', 2040), "/" + new string('q', 2047), "/" + new string('q', 2048),
    ];

    /// <summary>Paths in a small namespace, so that writes, reads, removals and watches meet each other.</summary>
    private static readonly Gen<string> GenSmallPath =
        Gen.Select(Gen.OneOf<string>("/", "/local/domain/5/", ""), Gen.OneOf<string>("a", "b").Array[1, 3])
            .Select((prefix, names) => prefix + string.Join('/', names));

    private static readonly Gen<string> GenPath = Gen.Frequency(
        (6, GenSmallPath),
        (3, Gen.OneOf<string>(PathPool)),
        (1, Gen.String[Gen.Char["/abz09-_@ \0"], 0, 12]));

    private static readonly Gen<string> GenDomain = Gen.Frequency(
        (8, Gen.OneOf<string>("0", "5", "6", "7")),
        (1, Gen.OneOf<string>("65535", "65536", "32752", "-1", "", "x", "007")));

    private static readonly Gen<string> GenPermission = Gen.Frequency(
        (8, Gen.Select(Gen.OneOf<char>('n', 'r', 'w', 'b'), GenDomain).Select((letter, domain) => letter + domain)),
        (1, Gen.OneOf<string>("x5", "r", "", "n0 ")));

    private static readonly Gen<string> GenToken = Gen.OneOf<string>("t", "u", "tok", string.Empty, new string('k', 3000));

    private static readonly Gen<XsMessageType> GenAnyType = Gen.Frequency(
        (20, Gen.UInt[0, 22]),
        (2, Gen.UInt[23, 27]),
        (1, Gen.OneOf<uint>(65535, 99, uint.MaxValue))).Select(type => (XsMessageType)type);

    /// <summary>A request of one type with a payload shaped for it (sometimes missing or extra arguments).</summary>
    private static readonly Gen<(XsMessageType Type, byte[] Payload)> GenShapedRequest = Gen.Frequency(
        (6, Gen.Select(GenPath, Gen.Frequency((4, Gen.Byte.Array[0, 16]), (1, Gen.Int[100, 4000].Select(n => new byte[n]))))
            .Select((path, value) => (XsMessageType.Write, (byte[])[.. Field(path), .. value]))),
        (6, Gen.Select(Gen.OneOf<XsMessageType>(XsMessageType.Read, XsMessageType.Directory, XsMessageType.GetPerms, XsMessageType.Mkdir, XsMessageType.Rm), GenPath)
            .Select((type, path) => (type, Field(path)))),
        (1, Gen.Select(GenPath, Gen.OneOf<string>("0", "1", "2", "5", "100", "x")).Select((path, offset) => (XsMessageType.DirectoryPart, Fields(path, offset)))),
        (2, Gen.Select(GenPath, GenPermission.Array[0, 7]).Select((path, perms) => (XsMessageType.SetPerms, Fields([path, .. perms])))),
        (3, Gen.Select(Gen.OneOf<XsMessageType>(XsMessageType.Watch, XsMessageType.Unwatch), GenPath, GenToken, Gen.OneOf<string[]>([], [], ["0"], ["1"], ["x"]))
            .Select((type, path, token, depth) => (type, Fields([path, token, .. depth])))),
        (2, Gen.Const((XsMessageType.TransactionStart, Field(string.Empty)))),
        (2, Gen.OneOf<string>("T", "T", "F", "X").Select(end => (XsMessageType.TransactionEnd, Field(end)))),
        (1, Gen.Select(GenDomain, Gen.OneOf<string>("1", "4096", "x"), Gen.OneOf<string>("1", "3", "4294967296")).Select((domain, frame, channel) => (XsMessageType.Introduce, Fields(domain, frame, channel)))),
        (1, Gen.Select(Gen.OneOf<XsMessageType>(XsMessageType.Release, XsMessageType.Resume, XsMessageType.IsDomainIntroduced, XsMessageType.GetDomainPath), GenDomain)
            .Select((type, domain) => (type, Field(domain)))),
        (1, Gen.Select(GenDomain, GenDomain).Select((domain, target) => (XsMessageType.SetTarget, Fields(domain, target)))),
        (1, Gen.Select(Gen.OneOf<string>("help", "check", "quota", "quota-soft", "print", "nope"), Gen.OneOf<string[]>([], ["5"], ["0"], ["x"]))
            .Select((command, argument) => (XsMessageType.Control, Fields([command, .. argument])))),
        (1, Gen.Const((XsMessageType.ResetWatches, Field(string.Empty)))));

    private static readonly Gen<(XsMessageType Type, byte[] Payload)> GenRequest = Gen.Frequency(
        (8, GenShapedRequest),
        (1, Gen.Select(GenAnyType, Gen.OneOf(Gen.Byte.Array[0, 32], GenPath.Array[0, 4].Select(paths => Fields(paths))))));

    /// <summary>Mostly outside transactions; TRANSACTION_END mostly on the ids the connection hands out first.</summary>
    private static readonly Gen<byte[]> GenFrame =
        Gen.Select(GenRequest, Gen.UInt[0, 4], Gen.Frequency((12, Gen.Const(0u)), (4, Gen.UInt[1, 3]), (1, Gen.UInt)), Gen.Frequency((8, Gen.UInt[1, 3]), (1, Gen.Const(0u))))
            .Select((request, requestId, transactionId, endId) => Frames.Build(
                request.Type,
                requestId,
                request.Type == XsMessageType.TransactionEnd ? endId : transactionId,
                request.Payload.AsSpan(0, Math.Min(request.Payload.Length, XsHeader.MaxPayload))));

    private static readonly Gen<byte[]> GenStream =
        Gen.Select(Gen.Byte, GenFrame.Array[1, 40], Gen.Byte.Array[0, 20])
            .Select((speaker, frames, tail) => (byte[])[speaker, .. frames.SelectMany(f => f), .. tail]);

    private static readonly Gen<byte[]> GenMutatedSeed =
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Gen.Int[0, Seeds.Length - 1], Gen.Select(Gen.Int[0, 4], Gen.Int, Gen.Byte).Array[1, 6])
            .Select((first, second, mutations) => Mutate([.. Seeds[first], .. Seeds[second].AsSpan(1)], mutations));

    [Fact]
    public void Run_GrammarStreams_NoFinding()
    {
        GenStream.Sample(stream => XenStoreTarget.Run(stream) >= 0, iter: 5000);
    }

    [Fact]
    public void Run_MutatedSeeds_NoFinding()
    {
        GenMutatedSeed.Sample(input => XenStoreTarget.Run(input) >= 0, iter: 4000);
    }

    [Fact]
    public void Run_RandomBytes_NoFinding()
    {
        Gen.Byte.Array[0, 300].Sample(input => XenStoreTarget.Run(input) >= 0, iter: 1000);
    }

    private static byte[] Field(string field) => Encoding.Latin1.GetBytes(field + "\0");

    private static byte[] Fields(params string[] fields) => [.. fields.SelectMany(Field)];

    /// <summary>Byte flips, interesting values, insertions, deletions and duplications, as a mutating fuzzer does.</summary>
    private static byte[] Mutate(byte[] input, (int Kind, int Where, byte Value)[] mutations)
    {
        List<byte> bytes = [.. input];
        foreach ((int kind, int where, byte value) in mutations)
        {
            int at = bytes.Count == 0 ? 0 : (int)((uint)where % (uint)bytes.Count);
            switch (kind)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << (value & 7));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (value % 5) switch { 0 => 0, 1 => 0xFF, 2 => (byte)'/', 3 => 0x10, _ => value };
                    break;
                case 2:
                    bytes.InsertRange(at, Enumerable.Repeat(value, 1 + (value & 3)));
                    break;
                case 3 when bytes.Count > 1:
                    bytes.RemoveRange(at, Math.Min(1 + (value & 15), bytes.Count - at));
                    break;
                case 4 when bytes.Count > 16:
                    bytes.InsertRange(at, bytes.GetRange(0, 16));
                    break;
                default:
                    break;
            }
        }

        return [.. bytes];
    }
}
