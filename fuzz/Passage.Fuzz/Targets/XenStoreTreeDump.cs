using System.Buffers;
using System.Text;
using Passage.Store;
using Passage.Store.Protocol;

namespace Passage.Fuzz.Targets;

/// <summary>
/// The whole tree as dom0 reads it over the protocol, one line per node (path, generation, value,
/// permissions, children), plus the special watch names' permissions and which low domain ids are
/// introduced: what two stores must agree on to hold the same state.
/// </summary>
internal static class XenStoreTreeDump
{
    private const int DomainsAsked = 16;

    /// <summary>Dumps the store behind <paramref name="dom0"/>.</summary>
    public static List<string> Of(IStoreSession dom0)
    {
        var output = new ArrayBufferWriter<byte>(1024);
        List<string> lines = [];
        Visit(dom0, output, "/", lines);
        foreach (string special in (ReadOnlySpan<string>)["@introduceDomain", "@releaseDomain"])
        {
            lines.Add($"{special} perms={Ask(dom0, output, XsMessageType.GetPerms, special)}");
        }

        for (int domain = 1; domain < DomainsAsked; domain++)
        {
            lines.Add($"domain {domain} introduced={Ask(dom0, output, XsMessageType.IsDomainIntroduced, domain.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }

        return lines;
    }

    private static void Visit(IStoreSession dom0, ArrayBufferWriter<byte> output, string path, List<string> lines)
    {
        string generation = Ask(dom0, output, XsMessageType.DirectoryPart, path, "999999");
        string value = Ask(dom0, output, XsMessageType.Read, path);
        string permissions = Ask(dom0, output, XsMessageType.GetPerms, path);
        string children = Ask(dom0, output, XsMessageType.Directory, path);
        lines.Add($"{path} gen={generation} value={value} perms={permissions} children={children}");
        if (children.StartsWith('!'))
        {
            return;
        }

        foreach (string child in children.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            Visit(dom0, output, path == "/" ? "/" + child : path + "/" + child, lines);
        }
    }

    /// <summary>A request's reply payload as text, NULs shown as <c>|</c>; an error as <c>!</c> and its name.</summary>
    private static string Ask(IStoreSession dom0, ArrayBufferWriter<byte> output, XsMessageType type, params string[] fields)
    {
        byte[] payload = Encoding.ASCII.GetBytes(string.Concat(fields.Select(f => f + "\0")));
        output.ResetWrittenCount();
        dom0.Handle(new XsHeader(type, 1, 0, (uint)payload.Length), payload, output);
        ReadOnlySpan<byte> reply = output.WrittenSpan;
        string text = Encoding.Latin1.GetString(reply[XsHeader.Size..]).Replace('\0', '|');
        return XsHeader.TryRead(reply, out XsHeader header) && header.Type == XsMessageType.Error ? "!" + text : text;
    }
}
