using System.Text;

namespace Passage.VfioUser.Transport;

/// <summary>Encodes a filesystem path as a <c>struct sockaddr_un</c> (family, NUL-terminated path).</summary>
internal static class UnixSocketAddress
{
    /// <summary>The longest path in bytes: <c>sun_path</c> holds 108 bytes including the terminating NUL.</summary>
    public const int MaxPathBytes = SocketCalls.SockaddrUnSize - sizeof(ushort) - 1;

    /// <summary>Throws unless <paramref name="path"/> fits a <c>sockaddr_un</c> as a filesystem path.</summary>
    public static void Validate(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a socket path cannot contain NUL (abstract sockets are not supported)", nameof(path));
        }

        int bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxPathBytes)
        {
            throw new ArgumentException($"socket path is {bytes} bytes; sockaddr_un holds at most {MaxPathBytes}", nameof(path));
        }
    }

    /// <summary>Writes the address of <paramref name="path"/> into <paramref name="address"/> (110 bytes); returns its length.</summary>
    public static uint Write(string path, Span<byte> address)
    {
        Validate(path);
        address[..SocketCalls.SockaddrUnSize].Clear();
        ushort family = SocketCalls.AfUnix;
        BitConverter.TryWriteBytes(address, family);
        int written = Encoding.UTF8.GetBytes(path, address[sizeof(ushort)..]);
        return (uint)(sizeof(ushort) + written + 1);
    }
}
