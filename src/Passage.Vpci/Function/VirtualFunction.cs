using Passage.Host.Devices;
using Passage.Pci;
using Passage.Vpci.Bars;
using Passage.Vpci.Capabilities;
using Passage.Vpci.Config;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;
using Passage.Vpci.Msi;
using Passage.Vpci.Msix;

namespace Passage.Vpci.Function;

/// <summary>
/// One guest function over one host device (vpci.md §1): the register dispatcher with the guest
/// header, BARs and filtered capabilities on it, MSI and MSI-X emulation, and the BAR windows it
/// puts on the machine's MMIO bus while the guest has memory decoding on. Config accesses are
/// validated by the dispatcher (bad ones read all ones or are dropped); everything below is
/// reached only through <see cref="IHostDevice"/>.
/// </summary>
public sealed class VirtualFunction : IPciDevice, IDisposable
{
    private bool _disposed;

    /// <summary>Builds the guest's view of <paramref name="device"/>; host memory decoding is turned off.</summary>
    /// <param name="device">The host device (kernel VFIO, vfio-user or simulated); its owner disposes it.</param>
    /// <param name="mmio">The machine's MMIO bus, where BARs appear while decoding is on.</param>
    /// <param name="router">Carries the device's interrupts to the guest.</param>
    /// <param name="options">Policy; null = <see cref="VirtualFunctionOptions.Default"/>.</param>
    /// <exception cref="HostDeviceException">The device's config space cannot be read, or it is not a type 0 function.</exception>
    public VirtualFunction(IHostDevice device, AddressBus mmio, InterruptRouter router, VirtualFunctionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(mmio);
        ArgumentNullException.ThrowIfNull(router);
        Device = device;
        Mmio = mmio;
        Router = router;
        Options = options ?? VirtualFunctionOptions.Default;
        Host = new HostConfig(device);
        HostSnapshot = ReadHostConfig(device);
        if (HostSnapshot.Layout != HeaderLayout.Endpoint)
        {
            throw new HostDeviceException(Errno.EINVAL, "only type 0 (endpoint) functions can be given to a guest");
        }

        bool gapsToHost = Options.Mode == DispatcherMode.Trusted || Options.PassthroughGaps;
        Config = new RegisterDispatcher(gapsToHost ? DispatcherMode.Trusted : DispatcherMode.Guest, device);
        lock (Lock)
        {
            Interrupts = new HostInterrupts(this);
            Bars = new GuestBars(this);
            Header = new GuestHeader(this);
            Capabilities = new CapabilityList(this);
            Bars.Register();
            Capabilities.Build();
            Header.Register();
            Header.WriteHostCommand(memory: false);
            Interrupts.Start();
        }
    }

    /// <summary>Raised when the host side forwards a PCIe error into the guest's virtual AER.</summary>
    public event Action<VirtualFunction>? ErrorReported;

    /// <summary>The host device underneath.</summary>
    public IHostDevice Device { get; }

    /// <summary>The policy this function was built with.</summary>
    public VirtualFunctionOptions Options { get; }

    /// <summary>The guest's MSI capability, if exposed.</summary>
    public MsiEmulation? Msi { get; internal set; }

    /// <summary>The guest's MSI-X capability, if exposed.</summary>
    public MsixEmulation? Msix { get; internal set; }

    /// <summary>Capabilities the guest sees.</summary>
    public IReadOnlyList<ExposedCapability> ExposedCapabilities => Capabilities.Exposed;

    /// <summary>Host capabilities the guest does not see, and why (an invalid MSI-X layout among them).</summary>
    public IReadOnlyList<HiddenCapability> HiddenCapabilities => Capabilities.Hidden;

    /// <summary>Whether the BAR windows are on the MMIO bus.</summary>
    public bool MemoryDecoding => Bars.Decoding;

    /// <summary>The level of the function's virtual INTx line.</summary>
    public bool IntxAsserted => Interrupts.IntxAsserted;

    /// <summary>Times the virtual INTx line went up.</summary>
    public long IntxAssertions => Interrupts.IntxAssertions;

    /// <summary>The host IRQ index this function has enabled (0 INTx, 1 MSI, 2 MSI-X), or −1.</summary>
    public int HostIrqIndex
    {
        get
        {
            lock (Lock)
            {
                return Interrupts.ActiveIndex;
            }
        }
    }

    /// <summary>The host's config space as read at creation (region 7).</summary>
    internal ConfigSpace HostSnapshot { get; }

    /// <summary>The host's config region, live.</summary>
    internal HostConfig Host { get; }

    /// <summary>The register dispatcher.</summary>
    internal RegisterDispatcher Config { get; }

    /// <summary>The function lock (vpci.md §9): the dispatcher's, shared by all emulated state.</summary>
    internal Lock Lock => Config.Lock;

    /// <summary>The machine's MMIO bus.</summary>
    internal AddressBus Mmio { get; }

    /// <summary>The interrupt router.</summary>
    internal InterruptRouter Router { get; }

    /// <summary>Messages to deliver once the function lock is released.</summary>
    internal DeliveryQueue Deliveries { get; } = new();

    /// <summary>Host IRQ index exclusivity and INTx routing (vpci.md §7.11).</summary>
    internal HostInterrupts Interrupts { get; }

    /// <summary>The BARs and their mapping.</summary>
    internal GuestBars Bars { get; }

    /// <summary>The type 0 header registers.</summary>
    internal GuestHeader Header { get; }

    /// <summary>The filtered capability lists.</summary>
    internal CapabilityList Capabilities { get; }

    /// <summary>Whether the guest enabled MSI or MSI-X (its INTx Disable then reads 1).</summary>
    internal bool MessageInterruptsEnabled => (Msi?.Enabled ?? false) || (Msix?.Enabled ?? false);

    /// <summary>Reads <paramref name="size"/> bytes of the guest's config space at <paramref name="register"/>.</summary>
    public uint ReadConfig(int register, int size) => Config.Read(register, size);

    /// <summary>Writes <paramref name="size"/> bytes of the guest's config space at <paramref name="register"/>.</summary>
    public void WriteConfig(int register, int size, uint value)
    {
        Config.Write(register, size, value);
        Deliveries.Flush(Router);
    }

    /// <inheritdoc />
    public void AcknowledgeIntx() => Interrupts.Acknowledge();

    /// <summary>
    /// Forwards a PCIe error into the guest's virtual AER (status bits, First Error Pointer, header
    /// log) and raises <see cref="ErrorReported"/>; false when the function has no virtual AER.
    /// </summary>
    public bool ReportError(uint uncorrectable, uint correctable, ReadOnlySpan<uint> headerLog = default)
    {
        lock (Lock)
        {
            if (Capabilities.Aer is not { } aer)
            {
                return false;
            }

            aer.Record(uncorrectable, correctable, headerLog);
        }

        ErrorReported?.Invoke(this);
        return true;
    }

    /// <summary>Adds a register the function cannot do without (header, BARs); a refusal is a bug.</summary>
    internal void AddRegister(RegisterDescriptor register)
    {
        DispatcherResult result = Config.Add(register);
        if (result != DispatcherResult.Ok)
        {
            throw new InvalidOperationException($"register 0x{register.Offset:x}/{register.Size} refused: {result}");
        }
    }

    /// <summary>
    /// Virtual FLR (vpci.md §4.3): host interrupts off, BAR windows removed, the device reset (if it
    /// cannot be, logged and ignored), every emulated register back to its initial value except
    /// Interrupt Line. Runs inside a config write, so the machine's lock is held exclusively.
    /// </summary>
    internal void FunctionLevelReset()
    {
        lock (Lock)
        {
            Interrupts.DisableAll();
            Msix?.ReleaseHost();
            Msi?.ReleaseHost();
            Bars.Unmap();
            try
            {
                Device.Reset();
            }
            catch (Exception e) when (e is HostDeviceException or ObjectDisposedException)
            {
                Log($"virtual FLR: the host device could not be reset ({e.Message}); going on");
            }

            Header.ResetToInitial();
            Bars.ResetToInitial();
            Msi?.ResetToInitial();
            Msix?.ResetToInitial();
            Capabilities.ResetToInitial();
            Header.WriteHostCommand(memory: false);
            Interrupts.Start();
        }
    }

    /// <summary>Reports one notable event to the owner's log.</summary>
    internal void Log(string message) => Options.Log?.Invoke(message);

    /// <summary>Removes the BAR windows, turns host decoding off and releases every host interrupt; the host device stays open (its owner disposes it).</summary>
    public void Dispose()
    {
        lock (Lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Interrupts.DisableAll();
            Msix?.ReleaseHost();
            Msi?.ReleaseHost();
            Bars.Unmap();
            Header.WriteHostCommand(memory: false);
        }
    }

    private static ConfigSpace ReadHostConfig(IHostDevice device)
    {
        ulong size = Math.Min(device.GetRegionInfo(VfioRegion.Config).Size, RegisterDispatcher.ConfigSize);
        byte[] bytes = new byte[Math.Max(size, (ulong)ConfigOffsets.ConventionalSize)];
        Errno errno = device.Read(VfioRegion.Config, 0, bytes.AsSpan(0, (int)size));
        if (errno != Errno.None)
        {
            throw new HostDeviceException(errno, "cannot read the device's config space");
        }

        return new ConfigSpace(bytes);
    }
}
