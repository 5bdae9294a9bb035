using System.Globalization;
using System.Text;
using Passage.Host.Devices;
using Passage.Pci;

namespace Passage.Host.Linux;

/// <summary>
/// Moves a PCI function between its host driver and vfio-pci through sysfs <c>driver_override</c>
/// (host-device.md §9, libvirt's sequence), refusing functions VFIO could not safely own.
/// </summary>
public sealed class PciDriverBinding
{
    /// <summary>The VFIO PCI driver's name.</summary>
    public const string VfioPci = "vfio-pci";

    private const int HeaderTypeOffset = 0x0E;
    private const int HeaderTypeMask = 0x7F;

    // Drivers that leave an IOMMU group viable: VFIO's own, the stub, and the PCIe port driver
    // (which manages no DMA, so the kernel lets bridges in a group stay bound to it).
    private static readonly string[] GroupSafeDrivers = [VfioPci, "pci-stub", "pcieport"];

    private readonly string _devicesPath;
    private readonly string _iommuGroupsPath;
    private readonly string _probePath;
    private readonly Action<string, string>? _observer;

    /// <summary>Binds through the sysfs tree mounted at <paramref name="sysfsRoot"/>.</summary>
    public PciDriverBinding(string sysfsRoot = SysfsHostReader.DefaultRoot)
        : this(sysfsRoot, observer: null)
    {
    }

    /// <summary>As the public constructor; <paramref name="observer"/> sees every write (path, text) in order.</summary>
    internal PciDriverBinding(string sysfsRoot, Action<string, string>? observer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sysfsRoot);
        Root = Path.TrimEndingDirectorySeparator(sysfsRoot);
        _devicesPath = Path.Combine(Root, "bus", "pci", "devices");
        _iommuGroupsPath = Path.Combine(Root, "kernel", "iommu_groups");
        _probePath = Path.Combine(Root, "bus", "pci", "drivers_probe");
        _observer = observer;
    }

    /// <summary>The sysfs root.</summary>
    public string Root { get; }

    /// <summary>
    /// Binds <paramref name="address"/> to vfio-pci: records the current driver, writes
    /// <c>vfio-pci</c> to <c>driver_override</c>, unbinds it, and asks the PCI core to probe it.
    /// </summary>
    /// <exception cref="HostDeviceException">
    /// ENODEV: no such function; EINVAL: not a type-0 header; EPERM: no IOMMU group; EBUSY: another
    /// group member is bound to a host driver, or SR-IOV VFs are enabled; EIO: a sysfs write failed.
    /// </exception>
    public PciDriverBindingResult BindToVfio(PciAddress address)
    {
        string name = address.ToString();
        string dir = FunctionPath(address);
        RequireType0(dir, name);
        RequireNoVirtualFunctions(dir, name);
        int group = ReadGroup(dir, name);
        RequireGroupQuiet(group, name);

        string? previous = DriverOf(dir);
        if (previous == VfioPci)
        {
            return new PciDriverBindingResult(address, previous, previous, Changed: false);
        }

        WriteAttribute(Path.Combine(dir, "driver_override"), VfioPci, name);
        if (previous is not null)
        {
            WriteAttribute(Path.Combine(dir, "driver", "unbind"), name, name);
        }

        WriteAttribute(_probePath, name, name);
        return new PciDriverBindingResult(address, previous, DriverOf(dir), Changed: true);
    }

    /// <summary>
    /// Gives <paramref name="address"/> back to the host: clears <c>driver_override</c>, unbinds it
    /// from its current driver, and probes, so the native driver claims it again.
    /// </summary>
    /// <exception cref="HostDeviceException">ENODEV: no such function; EIO: a sysfs write failed.</exception>
    public PciDriverBindingResult ReleaseToHost(PciAddress address)
    {
        string name = address.ToString();
        string dir = FunctionPath(address);
        string? previous = DriverOf(dir);

        WriteAttribute(Path.Combine(dir, "driver_override"), "\n", name);
        if (previous is not null)
        {
            WriteAttribute(Path.Combine(dir, "driver", "unbind"), name, name);
        }

        WriteAttribute(_probePath, name, name);
        return new PciDriverBindingResult(address, previous, DriverOf(dir), Changed: true);
    }

    private static string? DriverOf(string dir) => LinkName(Path.Combine(dir, "driver"));

    private static string? LinkName(string path)
    {
        try
        {
            string? target = new FileInfo(path).LinkTarget;
            return target is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(target));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void RequireType0(string dir, string name)
    {
        byte[] header = new byte[HeaderTypeOffset + 1];
        int read;
        try
        {
            using FileStream config = File.OpenRead(Path.Combine(dir, "config"));
            read = config.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostDeviceException(Errno.EIO, $"cannot bind {name}: cannot read its config space: {e.Message.ReplaceLineEndings(" ")}");
        }

        if (read < header.Length)
        {
            throw new HostDeviceException(Errno.EIO, $"cannot bind {name}: its config space is only {read} bytes");
        }

        int type = header[HeaderTypeOffset] & HeaderTypeMask;
        if (type != 0)
        {
            string kind = type switch
            {
                1 => "a PCI-to-PCI bridge (header type 1)",
                2 => "a CardBus bridge (header type 2)",
                _ => $"header type {type}",
            };
            throw new HostDeviceException(Errno.EINVAL, $"cannot bind {name} to {VfioPci}: it is {kind}; vfio-pci only takes type-0 functions");
        }
    }

    private static void RequireNoVirtualFunctions(string dir, string name)
    {
        string path = Path.Combine(dir, "sriov_numvfs");
        string? text = null;
        try
        {
            if (File.Exists(path))
            {
                text = File.ReadAllText(path).Trim();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable count is left for vfio-pci's own check at probe.
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int vfs) && vfs > 0)
        {
            throw new HostDeviceException(Errno.EBUSY, $"cannot bind {name} to {VfioPci}: it has {vfs} SR-IOV virtual functions enabled; disable them first");
        }
    }

    private static int ReadGroup(string dir, string name)
    {
        string? group = LinkName(Path.Combine(dir, "iommu_group"));
        if (group is null)
        {
            throw new HostDeviceException(Errno.EPERM, $"cannot bind {name} to {VfioPci}: it has no IOMMU group (no IOMMU, or the IOMMU is disabled)");
        }

        return int.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out int number)
            ? number
            : throw new HostDeviceException(Errno.EPERM, $"cannot bind {name} to {VfioPci}: its IOMMU group link names '{group}'");
    }

    private string FunctionPath(PciAddress address)
    {
        string dir = Path.Combine(_devicesPath, address.ToString());
        return Directory.Exists(dir)
            ? dir
            : throw new HostDeviceException(Errno.ENODEV, $"no PCI function {address} ({dir} does not exist)");
    }

    private void RequireGroupQuiet(int group, string name)
    {
        string members = Path.Combine(_iommuGroupsPath, group.ToString(CultureInfo.InvariantCulture), "devices");
        List<string> busy = [];
        try
        {
            foreach (string member in Directory.EnumerateFileSystemEntries(members).Order(StringComparer.Ordinal))
            {
                string memberName = Path.GetFileName(member);
                if (memberName == name)
                {
                    continue;
                }

                string? driver = LinkName(Path.Combine(_devicesPath, memberName, "driver"));
                if (driver is not null && !GroupSafeDrivers.Contains(driver, StringComparer.Ordinal))
                {
                    busy.Add($"{memberName} ({driver})");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostDeviceException(Errno.EIO, $"cannot bind {name}: cannot list IOMMU group {group}: {e.Message.ReplaceLineEndings(" ")}");
        }

        if (busy.Count > 0)
        {
            throw new HostDeviceException(Errno.EBUSY, $"cannot bind {name} to {VfioPci}: IOMMU group {group} also holds {string.Join(", ", busy)}, bound to host drivers; bind them to {VfioPci} or pci-stub first");
        }
    }

    private void WriteAttribute(string path, string text, string name)
    {
        try
        {
            // Sysfs attributes take one write of the whole value; the file already exists.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            stream.Write(Encoding.ASCII.GetBytes(text));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HostDeviceException(Errno.EIO, $"binding {name}: cannot write '{text.Trim()}' to {path}: {e.Message.ReplaceLineEndings(" ")}");
        }

        _observer?.Invoke(path, text);
    }
}
