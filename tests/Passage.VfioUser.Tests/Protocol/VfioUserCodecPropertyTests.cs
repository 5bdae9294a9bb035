using CsCheck;
using Passage.Fuzz.Targets;
using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Tests.Protocol;

/// <summary>
/// Properties over generated input (csharp-conventions.md §5, §8): the decoder and every payload
/// reader take any bytes without throwing, never claim more bytes than they were given, and keep
/// every slice they return inside the payload; mutated valid streams pass the fuzz target's slow
/// re-validation.
/// </summary>
public sealed class VfioUserCodecPropertyTests
{
    private const long Iterations = 3000;

    private static readonly VfioUserFrameDecoder Any = new(VfioUserFrameKinds.Any);
    private static readonly VfioUserFrameDecoder Commands = new(VfioUserFrameKinds.Commands);

    /// <summary>Bytes that start like a header more often than chance would: small sizes, known-ish commands, the defined flag bits.</summary>
    private static readonly Gen<byte[]> HeaderLike =
        Gen.Select(Gen.UShort, Gen.UShort[0, 20], Gen.UInt[0, 96], Gen.UInt[0, 0x3F], Gen.Byte.Array[0, 96])
            .Select(t => (byte[])[.. Wire.RawHeader(t.Item1, t.Item2, t.Item3, t.Item4), .. t.Item5]);

    private static readonly Gen<byte[]> Bytes = Gen.OneOf(Gen.Byte.Array[0, 128], HeaderLike);

    [Fact]
    public void Decode_AnyBytes_NeverThrowsNorConsumesMoreThanGiven()
    {
        Bytes.Sample(
            bytes =>
            {
                foreach (VfioUserFrameDecoder decoder in new[] { Any, Commands })
                {
                    int consumed = 0;
                    while (true)
                    {
                        VfioUserDecodeStatus status = decoder.Decode(bytes.AsSpan(consumed), out VfioUserFrame frame, out VfioUserFrameError error);
                        bool consumes = status == VfioUserDecodeStatus.Frame || (status == VfioUserDecodeStatus.Error && error.Action == VfioUserFrameAction.ReplyWithError);
                        if (!consumes)
                        {
                            Assert.Equal(0, frame.Length);
                            break;
                        }

                        Assert.InRange(frame.Length, VfioUserProtocol.HeaderSize, bytes.Length - consumed);
                        Assert.Equal(frame.Length - VfioUserProtocol.HeaderSize, frame.Payload.Length);
                        consumed += frame.Length;
                    }

                    Assert.InRange(consumed, 0, bytes.Length);
                }
            },
            iter: Iterations,
            threads: 1);
    }

    [Fact]
    public void PayloadReaders_AnyBytes_NeverThrowAndSlicesStayInside()
    {
        Bytes.Sample(
            payload =>
            {
                VfioUserDmaMap.TryRead(payload, out _, out _);
                VfioUserDmaUnmap.TryRead(payload, out _, out _);
                VfioUserDeviceInfo.TryRead(payload, out _, out _);
                VfioUserIrqInfo.TryRead(payload, out _, out _);
                VfioUserRegionInfoRequest.TryRead(payload, out _, out _);
                VfioUserRegionIoFdsRequest.TryRead(payload, out _, out _);
                VfioUserEmptyPayload.TryRead(payload, out _);
                VfioUserRegionWriteMulti.TryReadReply(payload, out _, out _);

                if (VfioUserRegionInfo.TryRead(payload, out VfioUserRegionInfo info, out _))
                {
                    Assert.InRange(info.SparseAreaCount * VfioUserRegionInfo.SparseAreaSize, 0, payload.Length - VfioUserRegionInfo.HeadSize);
                    for (int i = 0; i < info.SparseAreaCount; i++)
                    {
                        SparseArea area = info.GetSparseArea(i);
                        Assert.True((UInt128)area.Offset + area.Size <= info.Size);
                    }
                }

                if (VfioUserRegionIoFds.TryRead(payload, out VfioUserRegionIoFds fds, out _))
                {
                    Assert.InRange(VfioUserRegionIoFds.HeadSize + (fds.EntryCount * fds.Stride), 0, payload.Length);
                }

                if (VfioUserSetIrqs.TryRead(payload, out VfioUserSetIrqs irqs, out _))
                {
                    Assert.Equal(payload.Length - VfioUserSetIrqs.HeadSize, irqs.Data.Length);
                    irqs.Validate(8, 0);
                }

                if (VfioUserRegionAccess.TryReadWithData(payload, out VfioUserRegionAccess region, out _))
                {
                    Assert.Equal((int)region.Count, region.Data.Length);
                }

                if (VfioUserDmaAccess.TryReadWithData(payload, out VfioUserDmaAccess dma, out _))
                {
                    Assert.Equal((int)dma.Count, dma.Data.Length);
                }

                VfioUserRegionAccess.TryReadHead(payload, out _, out _);
                VfioUserDmaAccess.TryReadHead(payload, out _, out _);
                if (VfioUserRegionWriteMulti.TryRead(payload, out VfioUserRegionWriteMulti multi, out _))
                {
                    Assert.Equal(payload.Length, VfioUserRegionWriteMulti.SizeFor(multi.Count));
                }

                if (VfioUserDeviceFeature.TryRead(payload, out VfioUserDeviceFeature feature, out _))
                {
                    Assert.Equal(payload.Length, feature.PayloadSize);
                }

                VfioUserMigrationData.TryRead(payload, out _, out _);
                if (VfioUserVersion.TryRead(payload, out VfioUserVersion version, out _))
                {
                    Assert.True(version.Json.Length <= payload.Length - VfioUserVersion.HeadSize);
                    version.TryReadCapabilities(out _, out _);
                }
            },
            iter: Iterations,
            threads: 1);
    }

    [Fact]
    public void VersionCapabilities_AnyJsonLikeText_NeverThrows()
    {
        Gen<string> jsonLike = Gen.OneOf(
            Gen.String[Gen.Char["{}[]\":,0123456789.-e truefalsn"], 0, 64],
            Gen.Select(Gen.Int, Gen.Bool, Gen.Double).Select(t => $$$"""{"capabilities":{"max_msg_fds":{{{t.Item1}}},"write_multiple":{{{(t.Item2 ? "true" : "false")}}},"pgsizes":{{{t.Item3.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}}}"""));

        jsonLike.Sample(
            text =>
            {
                if (VersionCapabilities.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out VersionCapabilities capabilities, out _))
                {
                    Assert.InRange(capabilities.MaxMsgFds, 0, VfioUserLimits.MaxMsgFdsBound);
                }
            },
            iter: Iterations,
            threads: 1);
    }

    [Fact]
    public void FuzzTarget_MutatedSeedStreams_PassTheSlowRevalidation()
    {
        (string Name, byte[] Bytes)[] seeds = [.. VfioUserSeeds.All()];
        Gen<byte[]> mutated =
            Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[0, seeds.Length - 1], Gen.Int[0, 4096], Gen.Byte, Gen.Int[0, 4096])
                .Select(t =>
                {
                    byte[] stream = [.. seeds[t.Item1].Bytes, .. seeds[t.Item2].Bytes];
                    stream[t.Item3 % stream.Length] = t.Item4; // one byte changed
                    return stream[..(t.Item5 % (stream.Length + 1))]; // cut anywhere
                });

        mutated.Sample(stream => VfioUserFrameTarget.Run(stream), iter: Iterations, threads: 1);
    }
}
