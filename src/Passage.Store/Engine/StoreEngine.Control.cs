using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Passage.Store.Protocol;
using Passage.Store.Tree;

namespace Passage.Store.Engine;

public sealed partial class StoreEngine
{
    private const string ControlHelp =
        "Supported commands:\n  help\n  quota [domid]\n  quota-soft\n  print <text>\n  check\n";

    /// <summary>
    /// CONTROL (privileged): <c>help</c>, <c>quota</c> (the limits, or with a domid that domain's
    /// usage), <c>quota-soft</c>, <c>print</c> (logs its argument), <c>check</c> (verifies the
    /// tree: OK, else EIO with the findings logged); anything else EINVAL.
    /// </summary>
    private StoreError Control(in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> rest = payload;
        if (!XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> command))
        {
            return StoreError.EINVAL;
        }

        XsPayload.TryReadField(ref rest, out ReadOnlySpan<byte> argument);
        if (command.SequenceEqual("help"u8))
        {
            return ControlText(header, output, ControlHelp);
        }

        if (command.SequenceEqual("quota"u8))
        {
            if (argument.IsEmpty)
            {
                return ControlText(header, output, QuotaText());
            }

            return RequestArgs.TryParseDomainId(argument, out int domainId) ? ControlText(header, output, UsageText(domainId)) : StoreError.EINVAL;
        }

        if (command.SequenceEqual("quota-soft"u8))
        {
            // Only the memory quota has a soft level, and the wire server owns it.
            return ControlText(header, output, "No soft quotas are enforced by the store engine.\n");
        }

        if (command.SequenceEqual("print"u8))
        {
            if (_options.Logger is { } logger && logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("CONTROL print: {Text}", Encoding.ASCII.GetString(argument));
            }

            ReplyWriter.Reply(output, header, ReplyWriter.Ok);
            return StoreError.None;
        }

        if (command.SequenceEqual("check"u8))
        {
            List<string> problems = TreeCheck.Run(_tree);
            foreach (string problem in problems)
            {
                _options.Logger?.LogError("Store check: {Problem}", problem);
            }

            if (problems.Count > 0)
            {
                return StoreError.EIO;
            }

            ReplyWriter.Reply(output, header, ReplyWriter.Ok);
            return StoreError.None;
        }

        return StoreError.EINVAL;
    }

    private string QuotaText() =>
        $"nodes {_options.NodeQuota}\nwatches {_options.WatchQuota}\ntransactions {_options.TransactionQuota}\n" +
        $"transaction-nodes {_options.TransactionNodeQuota}\npermissions {_options.PermissionEntryQuota}\n" +
        $"path-length {_options.PathLengthQuota}\nnode-size {_options.NodeSizeQuota}\n";

    private string UsageText(int domainId)
    {
        int watches = 0;
        int transactions = 0;
        foreach (StoreConnection connection in _connections)
        {
            if (connection.DomainId == domainId)
            {
                watches += connection.Watches.Count;
                transactions += connection.Transactions.Count;
            }
        }

        return $"nodes {Decimal(_tree.Owners[domainId])}\nwatches {Decimal(watches)}\ntransactions {Decimal(transactions)}\n";
    }

    private static StoreError ControlText(in XsHeader header, IBufferWriter<byte> output, string text)
    {
        int length = text.Length + 1;
        Span<byte> reply = ReplyWriter.Begin(output, header.Type, header.RequestId, header.TransactionId, length);
        Encoding.ASCII.GetBytes(text, reply);
        reply[^1] = 0;
        ReplyWriter.Finish(output, length);
        return StoreError.None;
    }
}
