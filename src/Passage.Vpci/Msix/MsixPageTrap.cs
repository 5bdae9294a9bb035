using Passage.Host.Devices;
using Passage.Vpci.Bars;
using Passage.Vpci.Function;

namespace Passage.Vpci.Msix;

/// <summary>
/// The 4 KiB pages of a BAR holding any part of the MSI-X table or PBA (vpci.md §7.9, seed 003).
/// An access whose first byte is in the table goes to the table emulation, in the PBA to the PBA
/// emulation; any other access reaches the device's own registers that share those pages: refused
/// (ones / dropped) when its last byte is not forwardable, split into single bytes when unaligned,
/// else forwarded at the guest's width. Runs under the function lock; interrupts an unmask releases
/// are delivered after it is dropped.
/// </summary>
internal sealed class MsixPageTrap(VirtualFunction function, MsixEmulation msix, int bar, ulong start, ulong end) : IBarTarget
{
    /// <inheritdoc />
    public void Read(ulong barOffset, Span<byte> data)
    {
        lock (function.Lock)
        {
            if (msix.InTable(bar, barOffset))
            {
                msix.ReadTable(barOffset, data);
            }
            else if (msix.InPba(bar, barOffset))
            {
                msix.ReadPba(barOffset, data);
            }
            else if (!Forwardable(barOffset, data.Length))
            {
                data.Fill(0xFF);
            }
            else if (Unaligned(barOffset, data.Length))
            {
                for (int i = 0; i < data.Length; i++)
                {
                    if (function.Device.Read(bar, barOffset + (ulong)i, data.Slice(i, 1)) != Errno.None)
                    {
                        data[i] = 0xFF;
                    }
                }
            }
            else if (function.Device.Read(bar, barOffset, data) != Errno.None)
            {
                data.Fill(0xFF);
            }
        }
    }

    /// <inheritdoc />
    public void Write(ulong barOffset, ReadOnlySpan<byte> data)
    {
        lock (function.Lock)
        {
            if (msix.InTable(bar, barOffset))
            {
                msix.WriteTable(barOffset, data);
            }
            else if (msix.InPba(bar, barOffset))
            {
                // The PBA is read-only: guest writes are dropped.
            }
            else if (!Forwardable(barOffset, data.Length))
            {
                // Dropped before anything reaches the device.
            }
            else if (Unaligned(barOffset, data.Length))
            {
                for (int i = 0; i < data.Length; i++)
                {
                    _ = function.Device.Write(bar, barOffset + (ulong)i, data.Slice(i, 1));
                }
            }
            else
            {
                _ = function.Device.Write(bar, barOffset, data);
            }
        }

        function.Deliveries.Flush(function.Router);
    }

    // Xen's 2023 rule: an adjacent access whose last byte is in the table or PBA, or off the
    // trapped pages, is refused whole (and so is a long one spanning either structure: table
    // bytes are never forwarded).
    private bool Forwardable(ulong barOffset, int length)
    {
        ulong last = barOffset + (ulong)length - 1;
        return length > 0 && barOffset >= start && last < end && !msix.InTable(bar, last) && !msix.InPba(bar, last)
            && !msix.Spans(bar, barOffset, last);
    }

    // Not a naturally aligned 1, 2, 4 or 8-byte access: forwarded byte by byte.
    private static bool Unaligned(ulong barOffset, int length) =>
        length is not (1 or 2 or 4 or 8) || barOffset % (ulong)length != 0;
}
