using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Bench;

/// <summary>
/// A guest's config accesses through the <c>VirtualMachine</c>'s ECAM window on the simulated
/// NVMe drive: the VM lock, the ECAM decode, the function table and the virtual function's
/// register dispatcher (and, for reads of host-backed registers, the device policy below it).
/// Floor: a 4-byte read of guest RAM through the same <c>ReadMemory</c> call.
/// </summary>
[MemoryDiagnoser]
public class GuestConfigBenchmarks
{
    private readonly byte[] _four = new byte[4];
    private readonly byte[] _two = new byte[2];
    private readonly byte[] _cacheLine = [0x10];
    private readonly byte[] _msixControl = new byte[2];
    private GuestMachine _guest = null!;
    private ulong _ram;
    private ulong _command;
    private ulong _deviceCapabilities;
    private ulong _cacheLineSize;
    private ulong _msixControlAddress;

    [GlobalSetup]
    public void Setup()
    {
        _guest = new GuestMachine("0000:06:00.0");
        _ram = GuestMachine.RamAddress;
        _command = _guest.Ecam(ConfigOffsets.Command);
        _deviceCapabilities = _guest.Ecam(_guest.Capability(CapabilityId.PciExpress) + 4);
        _cacheLineSize = _guest.Ecam(ConfigOffsets.CacheLineSize);
        _msixControlAddress = _guest.Ecam(_guest.Capability(CapabilityId.MsiX) + MsixCapability.ControlOffset);

        // MSI-X stays disabled and unmasked: writing back the value it holds changes nothing (vpci.md §7.5).
        _guest.Machine.ReadMemory(_msixControlAddress, _msixControl);
        BinaryPrimitives.WriteUInt16LittleEndian(_msixControl, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_msixControl) & (MsixCapability.Enable | MsixCapability.FunctionMask)));
    }

    [GlobalCleanup]
    public void Cleanup() => _guest.Dispose();

    /// <summary>Floor: 4 bytes of guest RAM through <c>ReadMemory</c>.</summary>
    [Benchmark(Baseline = true)]
    public bool RamReadFloor() => _guest.Machine.ReadMemory(_ram, _four);

    /// <summary>Command (2 bytes): the guest's emulated view.</summary>
    [Benchmark]
    public bool ReadCommand() => _guest.Machine.ReadMemory(_command, _two);

    /// <summary>PCI Express Device Capabilities (4 bytes): a host register shown through the capability filter.</summary>
    [Benchmark]
    public bool ReadPcieDeviceCapabilities() => _guest.Machine.ReadMemory(_deviceCapabilities, _four);

    /// <summary>Cache Line Size (1 byte): a stored emulated register; an ECAM write takes the VM lock exclusive.</summary>
    [Benchmark]
    public bool WriteCacheLineSize() => _guest.Machine.WriteMemory(_cacheLineSize, _cacheLine);

    /// <summary>MSI-X Message Control (2 bytes) written with the Enable and Function Mask it holds: nothing to do.</summary>
    [Benchmark]
    public bool WriteMsixControlUnchanged() => _guest.Machine.WriteMemory(_msixControlAddress, _msixControl);
}
