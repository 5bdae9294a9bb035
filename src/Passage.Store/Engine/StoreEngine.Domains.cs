using System.Buffers;
using System.Globalization;
using System.Text;
using Passage.Store.Persistence;
using Passage.Store.Protocol;
using Passage.Store.Tree;

namespace Passage.Store.Engine;

public sealed partial class StoreEngine
{
    /// <summary>
    /// INTRODUCE <c>domid\0gfn\0evtchn\0</c>: registers the domain and fires <c>@introduceDomain</c>.
    /// Introducing it again answers OK without an event and resets its connections' watches and
    /// transactions. Dom0 and reserved ids are EINVAL.
    /// </summary>
    private StoreError Introduce(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output, ref long ticket)
    {
        ReadOnlySpan<byte> rest = payload;
        if (!XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawDomain) || !XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawFrame)
            || !XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawChannel)
            || !RequestArgs.TryParseDomainId(rawDomain, out int domainId) || !RequestArgs.TryParseNumber(rawFrame, out ulong frame)
            || !RequestArgs.TryParseNumber(rawChannel, out ulong channel) || channel > uint.MaxValue
            || domainId == 0 || domainId >= Domains.DomainTable.FirstReserved)
        {
            return StoreError.EINVAL;
        }

        if (_domains.IsIntroduced(domainId))
        {
            foreach (StoreConnection connection in _connections)
            {
                if (connection.DomainId == domainId)
                {
                    ResetConnection(connection);
                }
            }
        }
        else
        {
            _domains.Introduce(new IntroducedDomain(domainId, frame, (uint)channel));
            ticket = Apply(_scratch, _domains.Snapshot());
            FireSpecial(StorePath.IntroduceDomain, domainId);
        }

        ReplyWriter.Reply(output, header, ReplyWriter.Ok);
        return StoreError.None;
    }

    /// <summary>
    /// RELEASE <c>domid\0</c>: forgets the domain, deletes every node it owns (with their subtrees)
    /// unless <see cref="StoreOptions.KeepReleasedNodes"/>, and fires <c>@releaseDomain</c>.
    /// </summary>
    private StoreError Release(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output, ref long ticket)
    {
        StoreError error = ParseKnownDomain(payload, out int domainId);
        if (error != StoreError.None)
        {
            return error;
        }

        _domains.Release(domainId);
        if (!_options.KeepReleasedNodes)
        {
            List<Node> owned = [];
            foreach (Node node in _tree.Nodes)
            {
                if (node.Owner == domainId && node.Path.Length > 1)
                {
                    owned.Add(node);
                }
            }

            // Outermost first, so a subtree goes whole and its owned descendants are already gone.
            owned.Sort((a, b) => a.Path.Length.CompareTo(b.Path.Length));
            foreach (Node node in owned)
            {
                _scratch.TryGet(node.Path, out Node? current);
                if (current is not null)
                {
                    RemoveSubtree(_scratch, current);
                }
            }
        }

        ticket = Apply(_scratch, _domains.Snapshot());
        FireSpecial(StorePath.ReleaseDomain, domainId);
        ReplyWriter.Reply(output, header, ReplyWriter.Ok);
        return StoreError.None;
    }

    private StoreError IsDomainIntroduced(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        if (!XsPayload.TryReadField(ref payload, out ReadOnlySpan<byte> raw) || !RequestArgs.TryParseDomainId(raw, out int domainId))
        {
            return StoreError.EINVAL;
        }

        ReplyWriter.Reply(output, header, _domains.IsIntroduced(domainId) ? "T\0"u8 : "F\0"u8);
        return StoreError.None;
    }

    /// <summary>RESUME <c>domid\0</c>: nothing to clear here (no shutdown state is kept), so it only validates the domain.</summary>
    private StoreError Resume(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        StoreError error = ParseKnownDomain(payload, out _);
        if (error == StoreError.None)
        {
            ReplyWriter.Reply(output, header, ReplyWriter.Ok);
        }

        return error;
    }

    /// <summary>SET_TARGET <c>domid\0tdomid\0</c>: the first domain (a stub domain) acts for the second in permission checks.</summary>
    private StoreError SetTarget(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> rest = payload;
        if (!XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawDomain) || !XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> rawTarget)
            || !RequestArgs.TryParseDomainId(rawDomain, out int domainId) || !RequestArgs.TryParseDomainId(rawTarget, out int targetId))
        {
            return StoreError.EINVAL;
        }

        if (domainId == 0 || targetId == 0 || !_domains.IsIntroduced(domainId) || !_domains.IsIntroduced(targetId))
        {
            return StoreError.ENOENT;
        }

        _domains.SetTarget(domainId, targetId);
        ReplyWriter.Reply(output, header, ReplyWriter.Ok);
        return StoreError.None;
    }

    private static StoreError GetDomainPath(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        if (!XsPayload.TryReadField(ref payload, out ReadOnlySpan<byte> raw) || !RequestArgs.TryParseDomainId(raw, out int domainId))
        {
            return StoreError.EINVAL;
        }

        string path = StorePath.Home(domainId) + "\0";
        Span<byte> reply = ReplyWriter.Begin(output, header.Type, header.RequestId, header.TransactionId, path.Length);
        Encoding.ASCII.GetBytes(path, reply);
        ReplyWriter.Finish(output, path.Length);
        return StoreError.None;
    }

    /// <summary>Parses <c>domid\0</c> of RELEASE/RESUME: dom0 is EINVAL, a domain not introduced ENOENT.</summary>
    private StoreError ParseKnownDomain(ReadOnlySpan<byte> payload, out int domainId)
    {
        if (!XsPayload.TryReadField(ref payload, out ReadOnlySpan<byte> raw) || !RequestArgs.TryParseDomainId(raw, out domainId) || domainId == 0)
        {
            domainId = 0;
            return StoreError.EINVAL;
        }

        return _domains.IsIntroduced(domainId) ? StoreError.None : StoreError.ENOENT;
    }

    private static string Decimal(long value) => value.ToString(CultureInfo.InvariantCulture);
}
