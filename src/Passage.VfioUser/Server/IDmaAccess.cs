using Passage.Host.Devices;

namespace Passage.VfioUser.Server;

/// <summary>
/// A device model's access to the client's memory (vfio-user.md §4, DMA): through the mapping of a
/// window the client gave an fd for, or with DMA_READ / DMA_WRITE messages the client answers.
/// Callable from any thread; an access never partly succeeds as far as the caller is told.
/// </summary>
public interface IDmaAccess
{
    /// <summary>
    /// Reads <paramref name="destination"/>.Length bytes of client memory at <paramref name="address"/>.
    /// Returns <see cref="Errno.None"/>; <see cref="VfioUserDmaErrno.Fault"/> when some byte lies in no
    /// window the device may read (nothing is sent then); the client's errno when it refused;
    /// <see cref="Errno.EIO"/> when it is gone, did not answer in time or answered malformed;
    /// <see cref="Errno.ENODEV"/> without a client.
    /// </summary>
    Errno ReadDma(ulong address, Span<byte> destination);

    /// <summary>Writes <paramref name="source"/> to client memory at <paramref name="address"/>; errors as <see cref="ReadDma"/>, for windows the device may write.</summary>
    Errno WriteDma(ulong address, ReadOnlySpan<byte> source);
}
