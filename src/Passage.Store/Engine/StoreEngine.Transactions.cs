using System.Buffers;
using System.Globalization;
using Passage.Store.Protocol;
using Passage.Store.Quotas;
using Passage.Store.Transactions;

namespace Passage.Store.Engine;

public sealed partial class StoreEngine
{
    private StoreError StartTransaction(StoreConnection connection, in XsHeader header, IBufferWriter<byte> output)
    {
        if (header.TransactionId != 0)
        {
            // No nesting: an open id is busy, anything else unknown.
            return connection.Transactions.ContainsKey(header.TransactionId) ? StoreError.EBUSY : StoreError.ENOENT;
        }

        if (!connection.IsPrivileged && QuotaCheck.TooManyTransactions(connection.Transactions.Count, _options))
        {
            return StoreError.ENOSPC;
        }

        uint id = connection.AllocateTransactionId();
        int nodeLimit = connection.IsPrivileged ? int.MaxValue : _options.TransactionNodeQuota;
        var transaction = new Transaction(id, ++_generation, _tree, nodeLimit);
        connection.Transactions.Add(id, transaction);
        _openSnapshots.Add(transaction.StartGeneration);

        Span<byte> reply = stackalloc byte[12];
        id.TryFormat(reply, out int digits, default, CultureInfo.InvariantCulture);
        reply[digits] = 0;
        ReplyWriter.Reply(output, header, reply[..(digits + 1)]);
        return StoreError.None;
    }

    /// <summary>
    /// TRANSACTION_END: <c>F</c> discards; <c>T</c> commits when every node the transaction touched
    /// still has the generation it saw (else EAGAIN), ENOMEM for a failed transaction. The id is
    /// dead either way; any other payload is EINVAL and leaves it open.
    /// </summary>
    private StoreError EndTransaction(StoreConnection connection, in XsHeader header, ReadOnlySpan<byte> payload, IBufferWriter<byte> output, ref long ticket)
    {
        if (header.TransactionId == 0 || !connection.Transactions.TryGetValue(header.TransactionId, out Transaction? transaction))
        {
            return StoreError.ENOENT;
        }

        bool commit;
        if (payload.SequenceEqual("T\0"u8) || payload.SequenceEqual("T"u8))
        {
            commit = true;
        }
        else if (payload.SequenceEqual("F\0"u8) || payload.SequenceEqual("F"u8))
        {
            commit = false;
        }
        else
        {
            return StoreError.EINVAL;
        }

        connection.Transactions.Remove(transaction.Id);
        _openSnapshots.Remove(transaction.StartGeneration);
        StoreError error = StoreError.None;
        if (commit)
        {
            if (transaction.Failed)
            {
                error = StoreError.ENOMEM;
            }
            else if (!transaction.Changes.Unchanged())
            {
                error = StoreError.EAGAIN;
            }
            else
            {
                ticket = Apply(transaction.Changes);
            }
        }

        PruneVersions();
        if (error == StoreError.None)
        {
            ReplyWriter.Reply(output, header, ReplyWriter.Ok);
        }

        return error;
    }
}
