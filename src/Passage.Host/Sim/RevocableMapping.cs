using Passage.Host.Devices;

namespace Passage.Host.Sim;

/// <summary>
/// A mapping handed to a device's user that the device can take back: when decoding goes off, the
/// function resets, enters D3 or error recovery, the mapping is unmapped and its span throws, as
/// vfio-pci zaps user mappings before such changes.
/// </summary>
internal sealed class RevocableMapping(IMappedArea inner, Action<RevocableMapping> onDispose) : IMappedArea
{
    private int _closed;

    public ulong Offset => inner.Offset;

    public ulong Size => inner.Size;

    public bool Revoked => Volatile.Read(ref _closed) != 0;

    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(Revoked, this);
            return inner.Span;
        }
    }

    /// <summary>Unmaps without telling the owner (it is revoking everything).</summary>
    public void Revoke()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            inner.Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            inner.Dispose();
            onDispose(this);
        }
    }
}
