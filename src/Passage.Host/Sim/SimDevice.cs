using System.Numerics;
using Passage.Host.Devices;
using Passage.Host.Inventory;
using Passage.Host.Policy;
using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Pci.Decoding;

namespace Passage.Host.Sim;

/// <summary>
/// A simulated function behind Passage's device policy — vfio-pci's rules implemented in user
/// space (host-device.md §1.3) — exposed as an <see cref="IHostDevice"/>: config virtualization,
/// BAR access refused while decode is off or in D3 (EIO) and blocked during error recovery (reads
/// ones, writes dropped), the MSI-X table outside the user's reach, SET_IRQS with real eventfds,
/// function reset with state restore, and hot reset of the bus scope. All access to the function
/// is serialized by one lock, as the kernel serializes a device's config and BAR access.
/// </summary>
public sealed class SimDevice : IHostDevice, IRegionFileSource, IInterruptSink, IInterruptHardware, IConfigPolicyEvents
{
    private const ulong MsiAddress = 0xFEE0_0000;

    private readonly SimHost _host;
    private readonly SimFunction _function;
    private readonly Lock _lock = new();
    private readonly DecodedFunction _decoded;
    private readonly SimConfigHardware _hardware;
    private readonly VirtualConfigSpace _config;
    private readonly IrqController _irqs;
    private readonly RegionInfo[] _regions;
    private readonly bool[] _ioBar = new bool[6];
    private readonly List<RevocableMapping> _mappings = [];
    private bool _recovering;
    private bool _disposed;

    /// <summary>Opens <paramref name="address"/> of a running simulated host.</summary>
    /// <exception cref="HostDeviceException">ENODEV: no such function; EINVAL: a bridge (vfio-pci binds type-0 headers only).</exception>
    public SimDevice(SimHost host, PciAddress address, bool dynamicMsix = true)
    {
        _host = host;
        _function = host.Find(address) ?? throw new HostDeviceException(Errno.ENODEV, $"{address}: no such function on the simulated host");
        if (_function.Function.IsBridge || _function.Function.Config.Layout != HeaderLayout.Endpoint)
        {
            throw new HostDeviceException(Errno.EINVAL, $"{address}: bridges cannot be opened as devices");
        }

        MsixDynamic = dynamicMsix;
        HostFunction f = _function.Function;
        _decoded = f.Decoded;
        _hardware = new SimConfigHardware(_function);
        byte[] openTime = new byte[_function.ConfigSize];
        _hardware.Read(0, openTime);
        _config = new VirtualConfigSpace(_hardware, new ConfigSpace(openTime), [.. Enumerable.Range(0, 6).Select(f.BarSize)], f.BarSize(BarResource.RomIndex), this);
        _irqs = new IrqController(this, _lock);
        _regions = BuildRegions(f, _function.Model);
        foreach (PciBar bar in _decoded.Bars)
        {
            _ioBar[bar.Index] = bar.Kind == BarKind.Io;
        }

        _function.Sink = this;
    }

    /// <summary>The simulated function below the policy (for fault injection and inspection).</summary>
    public SimFunction Function => _function;

    /// <summary>The SET_IRQS engine (for inspection).</summary>
    public IrqController Interrupts => _irqs;

    /// <inheritdoc />
    public DeviceInfo Info => new(DeviceFlags.Pci | (_function.Function.ResetMethods.Count > 0 ? DeviceFlags.Reset : 0), VfioRegion.PciCount, VfioIrq.PciCount);

    /// <inheritdoc />
    public bool HasIntx => _function.Function.Config.InterruptPin != 0;

    /// <inheritdoc />
    public bool IsPcie => _decoded.Pcie is not null;

    /// <inheritdoc />
    public int MsiVectors => _decoded.Msi?.MultipleMessageCapable ?? 0;

    /// <inheritdoc />
    public int MsixVectors => _decoded.Msix?.TableSize ?? 0;

    /// <inheritdoc />
    public bool MsixDynamic { get; }

    /// <inheritdoc />
    public bool IntxAsserted
    {
        get
        {
            lock (_lock)
            {
                return (_function.ReadConfig(ConfigOffsets.Status, 2) & (uint)PciStatus.InterruptStatus) != 0;
            }
        }
    }

    /// <inheritdoc />
    public bool MsiEnabled => _irqs.ActiveIndex == VfioIrq.Msi;

    /// <inheritdoc />
    public int MsiVectorsAllocated { get; private set; }

    /// <summary>Whether error recovery blocks BAR access (reads all ones, writes dropped).</summary>
    public bool Recovering
    {
        get => Volatile.Read(ref _recovering);
        set
        {
            if (value)
            {
                RevokeMappings();
            }

            Volatile.Write(ref _recovering, value);
        }
    }

    /// <inheritdoc />
    public RegionInfo GetRegionInfo(int index) =>
        (uint)index < (uint)_regions.Length ? _regions[index] : throw new HostDeviceException(Errno.EINVAL, $"region {index} does not exist");

    /// <inheritdoc />
    public Errno Read(int region, ulong offset, Span<byte> data)
    {
        lock (_lock)
        {
            if (region == VfioRegion.Config)
            {
                return offset > int.MaxValue ? Errno.EINVAL : _config.Read((int)offset, data);
            }

            Errno e = CheckBarAccess(region, offset, data.Length);
            if (e != Errno.None)
            {
                return e;
            }

            if (Recovering || InMsixTable(region, offset, data.Length))
            {
                data.Fill(0xFF);
                return Errno.None;
            }

            for (int pos = 0; pos < data.Length;)
            {
                int n = Piece(region, offset + (ulong)pos, data.Length - pos);
                ulong value = _function.ReadBar(region, offset + (ulong)pos, n);
                for (int i = 0; i < n; i++)
                {
                    data[pos + i] = (byte)(value >> (8 * i));
                }

                pos += n;
            }
        }

        return Errno.None;
    }

    /// <inheritdoc />
    public Errno Write(int region, ulong offset, ReadOnlySpan<byte> data)
    {
        if (region == VfioRegion.Config)
        {
            return offset > int.MaxValue ? Errno.EINVAL : WriteConfigLocked((int)offset, data);
        }

        lock (_lock)
        {
            Errno e = CheckBarAccess(region, offset, data.Length);
            if (e != Errno.None || Recovering || InMsixTable(region, offset, data.Length))
            {
                return e;
            }

            for (int pos = 0; pos < data.Length;)
            {
                int n = Piece(region, offset + (ulong)pos, data.Length - pos);
                ulong value = 0;
                for (int i = 0; i < n; i++)
                {
                    value |= (ulong)data[pos + i] << (8 * i);
                }

                _function.WriteBar(region, offset + (ulong)pos, n, value);
                pos += n;
            }
        }

        return Errno.None;
    }

    /// <inheritdoc />
    public IMappedArea Map(int region, int area)
    {
        lock (_lock)
        {
            if ((uint)region > VfioRegion.Bar5 || (_regions[region].Flags & RegionFlags.Mmap) == 0 || (uint)area >= (uint)_regions[region].SparseAreas.Count)
            {
                throw new HostDeviceException(Errno.EINVAL, $"region {region} has no mappable area {area}");
            }

            Errno access = CheckBarAccess(region, 0, 1);
            if (access != Errno.None || Recovering)
            {
                throw new HostDeviceException(Errno.EIO, $"region {region} cannot be mapped while decoding is off, in D3 or during recovery");
            }

            SparseArea sparse = _regions[region].SparseAreas[area];
            var mapping = new RevocableMapping(_function.MapBar(region, sparse.Offset, sparse.Size), m =>
            {
                lock (_lock)
                {
                    _mappings.Remove(m);
                }
            });
            _mappings.Add(mapping);
            return mapping;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The BAR's memfd: unlike <see cref="Map"/>, what another process maps from it is not revoked
    /// when decoding goes off, on reset, in D3 or during recovery (a remote guest's virtual function
    /// unmaps when its decoding goes off).
    /// </remarks>
    public RegionFile OpenRegionFile(int region)
    {
        lock (_lock)
        {
            if ((uint)region > VfioRegion.Bar5 || (_regions[region].Flags & RegionFlags.Mmap) == 0)
            {
                throw new HostDeviceException(Errno.EINVAL, $"region {region} is not mappable");
            }

            return new RegionFile(_function.OpenBarDescriptor(region), 0);
        }
    }

    /// <inheritdoc />
    public IrqInfo GetIrqInfo(int index) => _irqs.GetIrqInfo(index);

    /// <inheritdoc />
    public int SetIrqs(int index, uint start, uint count, IrqSetFlags flags, ReadOnlySpan<byte> data) => _irqs.SetIrqs(index, start, count, flags, data);

    /// <inheritdoc />
    public void Reset()
    {
        if (_function.Function.ResetMethods.Count == 0)
        {
            throw new HostDeviceException(Errno.EINVAL, $"{_function.Address}: no function reset is available");
        }

        lock (_lock)
        {
            ResetLocked();
        }
    }

    /// <inheritdoc />
    public HotResetInfo GetHotResetInfo()
    {
        PciAddress bridge = _function.Function.Parent
            ?? throw new HostDeviceException(Errno.ENODEV, $"{_function.Address}: on a root bus, no bus or slot reset reaches it");
        if (_function.Function.IommuGroup is null)
        {
            throw new HostDeviceException(Errno.EPERM, $"{_function.Address}: no IOMMU group");
        }

        var devices = _host.Below(bridge)
            .Select(f => new DependentDevice((uint)(f.Function.IommuGroup ?? -1), (ushort)f.Address.Segment, (byte)f.Address.Bus, (byte)f.Address.DevFn))
            .ToList();
        return new HotResetInfo(HotResetFlags.None, devices);
    }

    /// <summary>
    /// Hot reset of the bus scope. The proof lists the IOMMU groups the caller owns (a simulated
    /// host has no group file descriptors): every group in scope must be in it, as vfio-pci demands.
    /// </summary>
    /// <exception cref="HostDeviceException">EINVAL: the proof is empty or misses a group in scope; ENODEV: no bus scope.</exception>
    public void HotReset(HotResetProof proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        HotResetInfo info = GetHotResetInfo();
        List<uint> missing = [.. info.Devices.Select(d => d.GroupIdOrDevId).Distinct().Where(g => !proof.GroupFds.Contains((int)g))];
        if (proof.GroupFds.Count == 0 || missing.Count > 0)
        {
            throw new HostDeviceException(Errno.EINVAL, $"{_function.Address}: hot reset needs ownership of IOMMU group(s) {string.Join(", ", missing)}");
        }

        lock (_lock)
        {
            RevokeMappings();
            _host.SecondaryBusReset(_function.Function.Parent!.Value);
            RestoreInterrupts();
        }
    }

    /// <summary>Tears interrupts down and detaches from the function.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        RevokeMappings();
        _irqs.Dispose();
        _function.Sink = NullInterruptSink.Instance;
    }

    /// <inheritdoc />
    void IInterruptSink.MsixVector(int vector, ulong address, uint data) => _irqs.Deliver(VfioIrq.Msix, vector);

    /// <inheritdoc />
    void IInterruptSink.MsiVector(int vector, ulong address, uint data) => _irqs.Deliver(VfioIrq.Msi, vector);

    /// <inheritdoc />
    void IInterruptSink.Intx(bool asserted)
    {
        if (asserted)
        {
            _irqs.IntxAssert();
        }
    }

    /// <inheritdoc />
    void IInterruptSink.Error(AerSeverity severity) => _irqs.Notify(VfioIrq.Err);

    /// <inheritdoc />
    public int Enable(int index, int vectors)
    {
        lock (_lock)
        {
            if (index == VfioIrq.Msi)
            {
                int granted = Math.Min(vectors, MsiVectors);
                int log2 = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(granted, 1)));
                int msi = _decoded.Msi!.Offset;
                WriteHardware(msi + MsiCapability.AddressOffset, 4, (uint)MsiAddress);
                WriteHardware(msi + MsiCapability.ControlOffset, 2, (ReadHardware(msi + MsiCapability.ControlOffset, 2) & ~(uint)MsiCapability.MultipleMessageEnableMask) | (uint)(log2 << 4) | MsiCapability.Enable);
                MsiVectorsAllocated = granted;
                return granted;
            }

            int control = _decoded.Msix!.Offset + MsixCapability.ControlOffset;
            WriteHardware(control, 2, (ReadHardware(control, 2) | MsixCapability.Enable) & ~(uint)MsixCapability.FunctionMask);
            return Math.Min(vectors, MsixVectors);
        }
    }

    /// <inheritdoc />
    public void Disable(int index)
    {
        lock (_lock)
        {
            if (index == VfioIrq.Msi && _decoded.Msi is { } msi)
            {
                WriteHardware(msi.Offset + MsiCapability.ControlOffset, 2, ReadHardware(msi.Offset + MsiCapability.ControlOffset, 2) & ~(uint)(MsiCapability.Enable | MsiCapability.MultipleMessageEnableMask));
                MsiVectorsAllocated = 0;
            }
            else if (index == VfioIrq.Msix && _decoded.Msix is { } msix)
            {
                int control = msix.Offset + MsixCapability.ControlOffset;
                WriteHardware(control, 2, ReadHardware(control, 2) & ~(uint)(MsixCapability.Enable | MsixCapability.FunctionMask));
                for (int v = 0; v < msix.TableSize; v++)
                {
                    WriteMsixEntryMask(msix, v, masked: true);
                }
            }
        }
    }

    /// <inheritdoc />
    public void SetVectorMasked(int index, int vector, bool masked)
    {
        lock (_lock)
        {
            if (index == VfioIrq.Msix && _decoded.Msix is { } msix)
            {
                WriteMsixEntryMask(msix, vector, masked);
            }
            else if (index == VfioIrq.Msi && _decoded.Msi is { HasPerVectorMask: true } msi)
            {
                int maskOffset = msi.Offset + (msi.Is64Bit ? 0x10 : 0x0C);
                uint bits = ReadHardware(maskOffset, 4);
                WriteHardware(maskOffset, 4, masked ? bits | (1u << vector) : bits & ~(1u << vector));
            }
        }
    }

    /// <inheritdoc />
    public void SetIntxMasked(bool masked)
    {
        lock (_lock)
        {
            uint command = ReadHardware(ConfigOffsets.Command, 2);
            WriteHardware(ConfigOffsets.Command, 2, masked ? command | (uint)PciCommand.InterruptDisable : command & ~(uint)PciCommand.InterruptDisable);
        }
    }

    /// <inheritdoc />
    public void CommandWritten(PciCommand previous, PciCommand current)
    {
        if (!current.HasFlag(PciCommand.MemorySpace))
        {
            RevokeMappings();
        }

        // The user's INTx Disable is virtual: emulate it by masking the line at the host.
        bool disable = current.HasFlag(PciCommand.InterruptDisable);
        if (disable != previous.HasFlag(PciCommand.InterruptDisable) && _irqs.ActiveIndex == VfioIrq.Intx)
        {
            _irqs.SetIrqs(VfioIrq.Intx, 0, 1, (disable ? IrqSetFlags.ActionMask : IrqSetFlags.ActionUnmask) | IrqSetFlags.DataNone, []);
        }
    }

    /// <inheritdoc />
    public void FunctionLevelResetRequested() => ResetLocked();

    /// <inheritdoc />
    public void PowerStateRequested(int state)
    {
        if (state != _function.PowerState)
        {
            RevokeMappings();
            try
            {
                _function.SetPowerState(state);
            }
            catch (HostDeviceException)
            {
                // A state the function lacks is ignored, as the PM core refuses it.
            }
        }
    }

    private static RegionInfo[] BuildRegions(HostFunction f, SimDeviceModel model)
    {
        var regions = new RegionInfo[VfioRegion.PciCount];
        for (int i = 0; i < 6; i++)
        {
            ulong size = f.BarSize(i);
            List<SparseArea> areas = size == 0 ? [] : MappableAreas(f, model, i, size);
            RegionFlags flags = size == 0 ? RegionFlags.None : RegionFlags.Read | RegionFlags.Write;
            flags |= areas.Count > 0 ? RegionFlags.Mmap | RegionFlags.Caps : RegionFlags.None;
            regions[i] = new RegionInfo(i, flags, size, (ulong)i << 40, areas, false);
        }

        ulong rom = f.BarSize(BarResource.RomIndex);
        regions[VfioRegion.Rom] = new RegionInfo(VfioRegion.Rom, rom == 0 ? RegionFlags.None : RegionFlags.Read, rom, (ulong)VfioRegion.Rom << 40, [], false);
        regions[VfioRegion.Config] = new RegionInfo(VfioRegion.Config, RegionFlags.Read | RegionFlags.Write, (ulong)(f.Config.Length > 256 ? 4096 : 256), (ulong)VfioRegion.Config << 40, [], false);
        regions[VfioRegion.Vga] = new RegionInfo(VfioRegion.Vga, RegionFlags.None, 0, (ulong)VfioRegion.Vga << 40, [], false);
        return regions;
    }

    // The pages of a memory BAR that may be mapped: all but those holding the MSI-X table or PBA
    // (trapped, as vfio-pci excludes the table) and the model's control block (its registers act).
    private static List<SparseArea> MappableAreas(HostFunction f, SimDeviceModel model, int bar, ulong size)
    {
        ulong page = (ulong)Environment.SystemPageSize;
        bool memory = f.Decoded.Bars.Any(b => b.Index == bar && b.IsMemory);
        if (!memory || size < page)
        {
            return [];
        }

        var trapped = new List<(ulong Start, ulong End)>();
        if (f.Decoded.Msix is { } msix)
        {
            if (msix.TableBir == bar)
            {
                trapped.Add((msix.TableBarOffset, msix.TableBarOffset + (ulong)msix.TableBytes));
            }

            if (msix.PbaBir == bar)
            {
                trapped.Add((msix.PbaBarOffset, msix.PbaBarOffset + (ulong)msix.PbaBytes));
            }
        }

        if (model.ControlBlock is { } block && block.Bar == bar)
        {
            trapped.Add((block.Offset, block.Offset + SimControlBlock.Length));
        }

        var areas = new List<SparseArea>();
        ulong start = 0;
        for (ulong at = 0; at < size; at += page)
        {
            bool hit = trapped.Any(t => t.Start < at + page && at < t.End);
            if (hit)
            {
                if (at > start)
                {
                    areas.Add(new SparseArea(start, at - start));
                }

                start = at + page;
            }
        }

        if (start < size)
        {
            areas.Add(new SparseArea(start, size - start));
        }

        return areas;
    }

    private void RevokeMappings()
    {
        lock (_lock)
        {
            foreach (RevocableMapping mapping in _mappings)
            {
                mapping.Revoke();
            }

            _mappings.Clear();
        }
    }

    private Errno WriteConfigLocked(int offset, ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            return _config.Write(offset, data);
        }
    }

    // BAR access as vfio-pci allows it: inside the BAR, decoding on, function in D0 (else EIO).
    private Errno CheckBarAccess(int region, ulong offset, int length)
    {
        if ((uint)region > VfioRegion.Bar5 || length <= 0)
        {
            return Errno.EINVAL;
        }

        ulong size = _regions[region].Size;
        if (size == 0 || offset >= size || (ulong)length > size - offset)
        {
            return Errno.EINVAL;
        }

        bool io = _ioBar[region];
        uint command = _function.ReadConfig(ConfigOffsets.Command, 2);
        bool decoding = (command & (uint)(io ? PciCommand.IoSpace : PciCommand.MemorySpace)) != 0;
        return decoding && _function.PowerState == 0 ? Errno.None : Errno.EIO;
    }

    private bool InMsixTable(int region, ulong offset, int length) =>
        _decoded.Msix is { } msix && msix.TableBir == region &&
        offset < msix.TableBarOffset + (ulong)msix.TableBytes && msix.TableBarOffset < offset + (ulong)length;

    private int Piece(int region, ulong at, int left)
    {
        int max = _ioBar[region] ? 4 : 8;
        for (int n = max; n > 1; n /= 2)
        {
            if (left >= n && (at & (ulong)(n - 1)) == 0)
            {
                return n;
            }
        }

        return 1;
    }

    // pci_try_reset_function: save, reset, restore BARs, Command and PCIe controls; then the host's MSI/MSI-X state.
    private void ResetLocked()
    {
        RevokeMappings();
        Span<byte> header = stackalloc byte[ConfigOffsets.HeaderSize];
        _hardware.Read(0, header);
        uint devctl = _decoded.Pcie is { } pcie ? ReadHardware(pcie.Offset + PciExpressCapability.DeviceControlOffset, 2) : 0;
        _function.Reset();
        _hardware.Write(ConfigOffsets.Bar0, header[ConfigOffsets.Bar0..(ConfigOffsets.RomBar + 4)]);
        _hardware.Write(ConfigOffsets.CacheLineSize, header.Slice(ConfigOffsets.CacheLineSize, 2));
        _hardware.Write(ConfigOffsets.InterruptLine, header.Slice(ConfigOffsets.InterruptLine, 1));
        if (_decoded.Pcie is { } p)
        {
            WriteHardware(p.Offset + PciExpressCapability.DeviceControlOffset, 2, devctl & ~(uint)PciExpressCapability.InitiateFlr);
        }

        _hardware.Write(ConfigOffsets.Command, header.Slice(ConfigOffsets.Command, 2));
        RestoreInterrupts();
    }

    // The kernel restores the host's MSI/MSI-X state after a reset; the wired vectors come back unmasked.
    private void RestoreInterrupts()
    {
        int active = _irqs.ActiveIndex;
        if (active is VfioIrq.Msi or VfioIrq.Msix)
        {
            Enable(active, active == VfioIrq.Msi ? Math.Max(MsiVectorsAllocated, 1) : MsixVectors);
            int count = active == VfioIrq.Msi ? MsiVectors : MsixVectors;
            for (int v = 0; v < count; v++)
            {
                SetVectorMasked(active, v, !_irqs.IsWired(active, v));
            }
        }
        else if (active == VfioIrq.Intx)
        {
            SetIntxMasked(_irqs.IntxMasked);
        }
    }

    private void WriteMsixEntryMask(MsixCapability msix, int vector, bool masked)
    {
        if ((uint)vector >= (uint)msix.TableSize)
        {
            return;
        }

        // As the kernel: write the vector's host message before unmasking it.
        ulong entry = msix.TableBarOffset + ((ulong)vector * MsixCapability.EntrySize);
        if (!masked)
        {
            _function.WriteBar(msix.TableBir, entry, 4, MsiAddress);
            _function.WriteBar(msix.TableBir, entry + 4, 4, 0);
            _function.WriteBar(msix.TableBir, entry + 8, 4, (uint)vector);
        }

        _function.WriteBar(msix.TableBir, entry + 12, 4, masked ? 1u : 0u);
    }

    private uint ReadHardware(int offset, int size) => _function.ReadConfig(offset, size);

    private void WriteHardware(int offset, int size, uint value) => _function.WriteConfig(offset, size, value);
}
