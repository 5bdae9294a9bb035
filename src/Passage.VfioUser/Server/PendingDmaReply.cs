using System.Buffers;
using Passage.Host.Devices;
using Passage.VfioUser.Protocol;

namespace Passage.VfioUser.Server;

/// <summary>
/// A DMA request sent on the main socket, waiting for its reply, which the session's reader finds
/// among the client's commands and hands over. A DMA_READ's data lands in <see cref="Buffer"/>.
/// </summary>
internal sealed class PendingDmaReply : IDisposable
{
    private readonly ManualResetEventSlim _done = new(false);

    public PendingDmaReply(ushort id, VfioUserCommand command, ulong address, int count)
    {
        Id = id;
        Command = command;
        Address = address;
        Count = count;
        Buffer = command == VfioUserCommand.DmaRead && count > 0 ? ArrayPool<byte>.Shared.Rent(count) : [];
    }

    public ushort Id { get; }

    public VfioUserCommand Command { get; }

    public ulong Address { get; }

    public int Count { get; }

    public byte[] Buffer { get; }

    public bool IsCompleted { get; private set; }

    public Errno Result { get; private set; }

    /// <summary>Records the outcome and wakes the requester; called once, under the messenger's lock.</summary>
    public void Complete(Errno result)
    {
        Result = result;
        IsCompleted = true;
        _done.Set();
    }

    public bool Wait(TimeSpan timeout) => _done.Wait(timeout);

    public void Dispose()
    {
        _done.Dispose();
        if (Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}
