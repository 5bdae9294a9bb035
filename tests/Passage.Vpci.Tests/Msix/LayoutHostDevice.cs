using System.Buffers.Binary;
using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Vpci.Tests.Msix;

/// <summary>
/// A host device made from a config-space layout, for MSI/MSI-X layouts the lab has no model for
/// (a BIR that is not a BAR, a table beyond its BAR, an I/O BAR named, a table at 8 mod 16, a
/// host without MSI-X vectors, a host whose MSI count differs from its capability). BARs are plain
/// memory, never mappable (so everything outside the trapped pages is forwarded); IRQ counts are
/// what the test says; SET_IRQS is accepted and keeps a duplicate of each eventfd so a test can
/// fire a vector as the device would.
/// </summary>
internal sealed class LayoutHostDevice : IHostDevice
{
    private readonly Lock _lock = new();
    private readonly byte[] _config;
    private readonly byte[]?[] _bars = new byte[]?[6];
    private readonly Dictionary<(int Index, int Vector), EventFd> _triggers = [];

    /// <summary>Creates the device; <paramref name="bars"/> gives each BAR's index, kind and size (their type bits are written into the config space).</summary>
    public LayoutHostDevice(ConfigSpaceBuilder config, params (int Index, BarKind Kind, ulong Size)[] bars)
    {
        foreach ((int index, BarKind kind, ulong size) in bars)
        {
            config.Bar(index, kind, 0);
            _bars[index] = new byte[size];
        }

        _config = config.ToArray();
    }

    /// <summary>Vectors GET_IRQ_INFO reports for MSI.</summary>
    public uint MsiVectors { get; init; }

    /// <summary>Vectors GET_IRQ_INFO reports for MSI-X.</summary>
    public uint MsixVectors { get; init; }

    /// <summary>Whether MSI-X reports NORESIZE.</summary>
    public bool MsixNoResize { get; init; }

    /// <inheritdoc />
    public DeviceInfo Info => new(DeviceFlags.Pci, VfioRegion.PciCount, VfioIrq.PciCount);

    /// <summary>An endpoint config space with one MSI-X capability at 0x40 and nothing else.</summary>
    public static ConfigSpaceBuilder MsixLayout(ushort vendor, ushort device, int vectors, int tableBir, uint tableOffset, int pbaBir, uint pbaOffset) =>
        new ConfigSpaceBuilder(ConfigOffsets.ConventionalSize)
            .Identity(vendor, device, 0x020000)
            .Capability(0x40, CapabilityId.MsiX, CapabilityLayouts.Msix(vectors, tableBir, tableOffset, pbaBir, pbaOffset));

    /// <inheritdoc />
    public RegionInfo GetRegionInfo(int index)
    {
        if (index == VfioRegion.Config)
        {
            return new RegionInfo(index, RegionFlags.Read | RegionFlags.Write, (ulong)_config.Length, (ulong)index << 40, [], false);
        }

        ulong size = (uint)index < 6 && _bars[index] is { } memory ? (ulong)memory.Length : 0;
        return new RegionInfo(index, size == 0 ? RegionFlags.None : RegionFlags.Read | RegionFlags.Write, size, (ulong)index << 40, [], false);
    }

    /// <inheritdoc />
    public Errno Read(int region, ulong offset, Span<byte> data)
    {
        lock (_lock)
        {
            if (Bytes(region, offset, data.Length) is not { } bytes)
            {
                return Errno.EINVAL;
            }

            bytes.AsSpan((int)offset, data.Length).CopyTo(data);
            return Errno.None;
        }
    }

    /// <inheritdoc />
    public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            if (Bytes(region, offset, data.Length) is not { } bytes)
            {
                return Errno.EINVAL;
            }

            data.CopyTo(bytes.AsSpan((int)offset));
            return Errno.None;
        }
    }

    /// <inheritdoc />
    public IMappedArea Map(int region, int area) => throw new HostDeviceException(Errno.EINVAL, "nothing is mappable");

    /// <inheritdoc />
    public IrqInfo GetIrqInfo(int index) => index switch
    {
        VfioIrq.Msi => new IrqInfo(index, IrqInfoFlags.Eventfd | IrqInfoFlags.NoResize, MsiVectors),
        VfioIrq.Msix => new IrqInfo(index, IrqInfoFlags.Eventfd | (MsixNoResize ? IrqInfoFlags.NoResize : 0), MsixVectors),
        _ => new IrqInfo(index, IrqInfoFlags.Eventfd, 0),
    };

    /// <inheritdoc />
    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            if (count == 0 && (flags & IrqSetFlags.DataNone) != 0)
            {
                foreach (var key in _triggers.Keys.Where(k => k.Index == index).ToList())
                {
                    _triggers.Remove(key, out EventFd? old);
                    old?.Dispose();
                }

                return 0;
            }

            if ((flags & IrqSetFlags.DataEventfd) == 0)
            {
                return 0;
            }

            for (int i = 0; i < count; i++)
            {
                int vector = (int)start + i;
                int fd = BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]);
                if (_triggers.Remove((index, vector), out EventFd? old))
                {
                    old.Dispose();
                }

                if (fd >= 0)
                {
                    _triggers[(index, vector)] = EventFd.FromDuplicate(fd);
                }
            }

            return 0;
        }
    }

    /// <summary>Signals the eventfd wired to <paramref name="vector"/> of <paramref name="index"/>; false when none is.</summary>
    public bool Fire(int index, int vector)
    {
        lock (_lock)
        {
            if (!_triggers.TryGetValue((index, vector), out EventFd? trigger))
            {
                return false;
            }

            trigger.Signal();
            return true;
        }
    }

    /// <inheritdoc />
    public void Reset() => throw new HostDeviceException(Errno.EINVAL, "no reset method");

    /// <inheritdoc />
    public HotResetInfo GetHotResetInfo() => throw new HostDeviceException(Errno.ENODEV, "no bus reset");

    /// <inheritdoc />
    public void HotReset(HotResetProof proof) => throw new HostDeviceException(Errno.ENODEV, "no bus reset");

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (EventFd trigger in _triggers.Values)
            {
                trigger.Dispose();
            }

            _triggers.Clear();
        }
    }

    private byte[]? Bytes(int region, ulong offset, int length)
    {
        byte[]? bytes = region == VfioRegion.Config ? _config : (uint)region < 6 ? _bars[region] : null;
        return bytes is not null && offset <= (ulong)bytes.Length && (ulong)length <= (ulong)bytes.Length - offset ? bytes : null;
    }
}
