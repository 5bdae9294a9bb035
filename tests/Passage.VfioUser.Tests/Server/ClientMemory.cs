using System.Buffers.Binary;
using System.Collections.Concurrent;
using Passage.Host.Devices;
using Passage.VfioUser.Protocol;
using Passage.VfioUser.Session;

namespace Passage.VfioUser.Tests.Server;

/// <summary>
/// Client memory behind message-based DMA windows: the raw client answers the server's DMA_READ and
/// DMA_WRITE from it, and records every request. Addresses outside it are answered with EFAULT.
/// </summary>
internal sealed class ClientMemory(ulong baseAddress, int size)
{
    public ulong Base { get; } = baseAddress;

    public byte[] Bytes { get; } = new byte[size];

    public ConcurrentQueue<(VfioUserCommand Command, ulong Address, ulong Count)> Requests { get; } = new();

    /// <summary>Answer DMA_WRITE with 8 bytes instead of the 16 the protocol requires.</summary>
    public bool ShortWriteReply { get; set; }

    /// <summary>Never answer (an unresponsive client).</summary>
    public bool Silent { get; set; }

    public void Answer(VfioUserConnection connection, in VfioUserFrame frame)
    {
        VfioUserHeader request = frame.Header;
        bool read = request.Command == VfioUserCommand.DmaRead;
        bool ok = read
            ? VfioUserDmaAccess.TryReadHead(frame.Payload, out VfioUserDmaAccess access, out _)
            : VfioUserDmaAccess.TryReadWithData(frame.Payload, out access, out _);
        if (!ok || request.Command is not (VfioUserCommand.DmaRead or VfioUserCommand.DmaWrite))
        {
            connection.SendError(request, Errno.EINVAL);
            return;
        }

        Requests.Enqueue((request.Command, access.Address, access.Count));
        if (Silent)
        {
            return;
        }

        if (access.Address < Base || access.Address - Base + access.Count > (ulong)Bytes.Length)
        {
            connection.SendError(request, (Errno)14);
            return;
        }

        int at = (int)(access.Address - Base);
        if (read)
        {
            byte[] reply = new byte[VfioUserDmaAccess.HeadSize + (int)access.Count];
            access.WriteHead(reply);
            Bytes.AsSpan(at, (int)access.Count).CopyTo(reply.AsSpan(VfioUserDmaAccess.HeadSize));
            connection.Send(VfioUserHeader.ForReply(request, reply.Length), reply);
            return;
        }

        access.Data.CopyTo(Bytes.AsSpan(at));
        byte[] echo = new byte[ShortWriteReply ? 8 : VfioUserDmaAccess.HeadSize];
        BinaryPrimitives.WriteUInt64LittleEndian(echo, access.Address);
        if (!ShortWriteReply)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(echo.AsSpan(8), access.Count);
        }

        connection.Send(VfioUserHeader.ForReply(request, echo.Length), echo);
    }
}
