using Passage.Host.Devices;
using Passage.Host.Linux;
using Passage.Pci;
using Passage.Tests.Shared;

namespace Passage.Host.Tests.Linux;

public sealed class PciDriverBindingTests : IDisposable
{
    private const string Nic = "0000:03:00.0";
    private const string Peer = "0000:03:00.1";
    private const int Group = 12;

    private readonly string _temp;
    private readonly string _sys;
    private readonly List<(string Path, string Text)> _writes = [];

    public PciDriverBindingTests()
    {
        _temp = Path.Combine(Path.GetTempPath(), "passage-bind-" + Guid.NewGuid().ToString("N"));
        _sys = Path.Combine(_temp, "sys");
        Directory.CreateDirectory(Path.Combine(_sys, "bus", "pci", "devices"));
        File.WriteAllText(Path.Combine(_sys, "bus", "pci", "drivers_probe"), "");
    }

    private string Probe => Path.Combine(_sys, "bus", "pci", "drivers_probe");

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void BindToVfio_BoundFunction_WritesOverrideUnbindProbeInOrder()
    {
        string dir = AddFunction(Nic, headerType: 0x80, driver: "ixgbe", group: Group);

        PciDriverBindingResult result = Binding().BindToVfio(PciAddress.Parse(Nic));

        Assert.Equal(
            [
                (Path.Combine(dir, "driver_override"), "vfio-pci"),
                (Path.Combine(dir, "driver", "unbind"), Nic),
                (Probe, Nic),
            ],
            _writes);
        Assert.Equal("vfio-pci", File.ReadAllText(Path.Combine(dir, "driver_override")));
        Assert.Equal(Nic, File.ReadAllText(Path.Combine(_sys, "bus", "pci", "drivers", "ixgbe", "unbind")));
        Assert.Equal(Nic, File.ReadAllText(Probe));
        Assert.Equal("ixgbe", result.PreviousDriver);
        Assert.True(result.Changed);

        // A fake tree has no kernel to probe: the driver link is what sysfs shows afterwards.
        Assert.Equal("ixgbe", result.NewDriver);
    }

    [Fact]
    public void BindToVfio_UnboundFunction_SkipsTheUnbind()
    {
        string dir = AddFunction(Nic, headerType: 0, driver: null, group: Group);

        PciDriverBindingResult result = Binding().BindToVfio(PciAddress.Parse(Nic));

        Assert.Equal([(Path.Combine(dir, "driver_override"), "vfio-pci"), (Probe, Nic)], _writes);
        Assert.Null(result.PreviousDriver);
        Assert.Null(result.NewDriver);
    }

    [Fact]
    public void BindToVfio_AlreadyOnVfioPci_WritesNothing()
    {
        AddFunction(Nic, headerType: 0, driver: "vfio-pci", group: Group);

        PciDriverBindingResult result = Binding().BindToVfio(PciAddress.Parse(Nic));

        Assert.Empty(_writes);
        Assert.False(result.Changed);
        Assert.Equal("vfio-pci", result.PreviousDriver);
        Assert.Equal("vfio-pci", result.NewDriver);
    }

    // Group peers that leave the group viable.
    [Theory]
    [InlineData("vfio-pci")] // already handed to VFIO
    [InlineData("pci-stub")] // held by the stub
    [InlineData("pcieport")] // a bridge's port driver manages no DMA
    [InlineData(null)] // unbound
    public void BindToVfio_PeerOnAHarmlessDriver_Binds(string? peerDriver)
    {
        AddFunction(Nic, headerType: 0, driver: "ixgbe", group: Group);
        AddFunction(Peer, headerType: 0, driver: peerDriver, group: Group);

        PciDriverBindingResult result = Binding().BindToVfio(PciAddress.Parse(Nic));

        Assert.True(result.Changed);
        Assert.Equal(3, _writes.Count);
    }

    [Fact]
    public void ReleaseToHost_BoundToVfio_ClearsOverrideUnbindsAndProbes()
    {
        string dir = AddFunction(Nic, headerType: 0, driver: "vfio-pci", group: Group);
        File.WriteAllText(Path.Combine(dir, "driver_override"), "vfio-pci");

        PciDriverBindingResult result = Binding().ReleaseToHost(PciAddress.Parse(Nic));

        Assert.Equal(
            [
                (Path.Combine(dir, "driver_override"), "\n"),
                (Path.Combine(dir, "driver", "unbind"), Nic),
                (Probe, Nic),
            ],
            _writes);
        Assert.Equal("vfio-pci", result.PreviousDriver);
        Assert.Equal(Nic, File.ReadAllText(Path.Combine(_sys, "bus", "pci", "drivers", "vfio-pci", "unbind")));
    }

    [Fact]
    public void BindToVfio_NoSuchFunction_ThrowsEnodev()
    {
        var e = Assert.Throws<HostDeviceException>(() => Binding().BindToVfio(PciAddress.Parse(Nic)));

        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Contains(Nic, e.Message, StringComparison.Ordinal);
        Assert.Empty(_writes);
    }

    // Header types vfio-pci refuses.
    [Theory]
    [InlineData(0x01, "PCI-to-PCI bridge")] // a bridge
    [InlineData(0x81, "PCI-to-PCI bridge")] // a multi-function bridge
    [InlineData(0x02, "CardBus bridge")] // a CardBus bridge
    [InlineData(0x7F, "header type 127")] // garbage
    public void BindToVfio_NotType0_ThrowsEinval(byte headerType, string named)
    {
        AddFunction(Nic, headerType, driver: "pcieport", group: Group);

        var e = Assert.Throws<HostDeviceException>(() => Binding().BindToVfio(PciAddress.Parse(Nic)));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Empty(_writes);
    }

    [Fact]
    public void BindToVfio_NoIommuGroup_ThrowsEperm()
    {
        AddFunction(Nic, headerType: 0, driver: "ixgbe", group: null);

        var e = Assert.Throws<HostDeviceException>(() => Binding().BindToVfio(PciAddress.Parse(Nic)));

        Assert.Equal(Errno.EPERM, e.Errno);
        Assert.Contains("no IOMMU group", e.Message, StringComparison.Ordinal);
        Assert.Empty(_writes);
    }

    [Fact]
    public void BindToVfio_PeerOnAHostDriver_ThrowsEbusyNamingIt()
    {
        AddFunction(Nic, headerType: 0, driver: "ixgbe", group: Group);
        AddFunction(Peer, headerType: 0, driver: "snd_hda_intel", group: Group);

        var e = Assert.Throws<HostDeviceException>(() => Binding().BindToVfio(PciAddress.Parse(Nic)));

        Assert.Equal(Errno.EBUSY, e.Errno);
        Assert.Contains($"{Peer} (snd_hda_intel)", e.Message, StringComparison.Ordinal);
        Assert.Contains("IOMMU group 12", e.Message, StringComparison.Ordinal);
        Assert.Empty(_writes);
    }

    [Fact]
    public void BindToVfio_VirtualFunctionsEnabled_ThrowsEbusy()
    {
        string dir = AddFunction(Nic, headerType: 0, driver: "ixgbe", group: Group);
        File.WriteAllText(Path.Combine(dir, "sriov_numvfs"), "4\n");

        var e = Assert.Throws<HostDeviceException>(() => Binding().BindToVfio(PciAddress.Parse(Nic)));

        Assert.Equal(Errno.EBUSY, e.Errno);
        Assert.Contains("4 SR-IOV virtual functions", e.Message, StringComparison.Ordinal);
        Assert.Empty(_writes);
    }

    [Fact]
    public void BindToVfio_ShortConfig_ThrowsEio()
    {
        string dir = AddFunction(Nic, headerType: 0, driver: "ixgbe", group: Group);
        File.WriteAllBytes(Path.Combine(dir, "config"), new byte[8]);

        var e = Assert.Throws<HostDeviceException>(() => Binding().BindToVfio(PciAddress.Parse(Nic)));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Empty(_writes);
    }

    [Fact]
    public void BindToVfio_UnwritableAttribute_ThrowsEioAfterTheEarlierWrites()
    {
        string dir = AddFunction(Nic, headerType: 0, driver: "ixgbe", group: Group);
        File.Delete(Path.Combine(_sys, "bus", "pci", "drivers", "ixgbe", "unbind"));

        var e = Assert.Throws<HostDeviceException>(() => Binding().BindToVfio(PciAddress.Parse(Nic)));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains("unbind", e.Message, StringComparison.Ordinal);
        Assert.Equal([(Path.Combine(dir, "driver_override"), "vfio-pci")], _writes);
    }

    private PciDriverBinding Binding() => new(_sys, (path, text) => _writes.Add((path, text)));

    private string AddFunction(string name, byte headerType, string? driver, int? group) => FakeSysfs.AddFunction(_sys, name, headerType, driver, group);
}
