using Passage.Host.Devices;
using Passage.Host.Sim.Runtime;
using Passage.Pci.Capabilities;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Msix;

/// <summary>
/// A guest driver's view of one lab function's MSI-X: BARs placed and decoding on, the capability
/// found, and the table and PBA located from the guest's own Table and PBA registers. Entries are
/// written through the MMIO bus as a driver would; the default message of entry v is
/// 0xFEE0_0000 with data 0x40 + v, so every delivery names its vector.
/// </summary>
internal sealed class MsixGuest : IDisposable
{
    public const ulong DefaultAddress = 0xFEE0_0000;

    private MsixGuest(GuestLab lab)
    {
        Lab = lab;
        Bars = lab.Enable();
        Capability = lab.FindCapability(CapabilityId.MsiX);
        Assert.True(Capability > 0);
        uint table = lab.Read(Capability + MsixCapability.TableOffset, 4);
        uint pba = lab.Read(Capability + MsixCapability.PbaOffset, 4);
        TableBase = Bars[(int)(table & MsixCapability.BirMask)] + (table & ~MsixCapability.BirMask);
        PbaBase = Bars[(int)(pba & MsixCapability.BirMask)] + (pba & ~MsixCapability.BirMask);
        Vectors = (int)(lab.Read(Capability + MsixCapability.ControlOffset, 2) & MsixCapability.TableSizeMask) + 1;
    }

    public GuestLab Lab { get; }

    public ulong[] Bars { get; }

    public int Capability { get; }

    public ulong TableBase { get; }

    public ulong PbaBase { get; }

    public int Vectors { get; }

    public RecordingHostDevice Device => Lab.Device;

    public Passage.Vpci.Msix.MsixEmulation Msix => Lab.Function.Msix!;

    public int Control => Capability + MsixCapability.ControlOffset;

    /// <summary>MSI-X SET_IRQS calls so far.</summary>
    public List<RecordingHostDevice.IrqCall> MsixCalls => Device.CallsOn(VfioIrq.Msix);

    public static MsixGuest Open(string address, bool dynamicMsix = true, int? msixAvailable = null) =>
        new(GuestLab.Open(address, dynamicMsix, msixAvailable: msixAvailable));

    public static uint DefaultData(int vector) => 0x40 + (uint)vector;

    public ulong Entry(int vector) => TableBase + (16 * (ulong)vector);

    public void WriteControl(uint value) => Lab.Write(Control, 2, value);

    public uint ReadControl() => Lab.Read(Control, 2);

    /// <summary>Enable with Function Mask as given (the table-size bits are written as read, as drivers do).</summary>
    public void Enable(bool functionMask = false) =>
        WriteControl(MsixCapability.Enable | (functionMask ? MsixCapability.FunctionMask : 0u) | (uint)(Vectors - 1));

    public void Disable() => WriteControl((uint)(Vectors - 1));

    /// <summary>Writes entry <paramref name="vector"/>'s address and data (vector control untouched).</summary>
    public void Program(int vector, ulong? address = null, uint? data = null)
    {
        ulong a = address ?? DefaultAddress;
        Lab.MmioWrite(Entry(vector), 4, (uint)a);
        Lab.MmioWrite(Entry(vector) + 4, 4, (uint)(a >> 32));
        Lab.MmioWrite(Entry(vector) + 8, 4, data ?? DefaultData(vector));
    }

    public void Mask(int vector) => Lab.MmioWrite(Entry(vector) + 12, 4, 1);

    public void Unmask(int vector) => Lab.MmioWrite(Entry(vector) + 12, 4, 0);

    /// <summary>Program with the default message, then unmask.</summary>
    public void ProgramAndUnmask(int vector)
    {
        Program(vector);
        Unmask(vector);
    }

    public uint VectorControl(int vector) => (uint)Lab.MmioRead(Entry(vector) + 12, 4);

    public ulong ReadPba() => Lab.MmioRead(PbaBase, 8);

    /// <summary>The device raises <paramref name="vector"/> (its DOORBELL through the guest BAR) and the router settles.</summary>
    public void Ring(int vector) => Lab.Ring(Bars, vector);

    /// <summary>The device raises <paramref name="vector"/> by a write straight to the host device (no guest access, no settling).</summary>
    public void Fire(int vector)
    {
        SimControlBlock control = Lab.Control;
        Span<byte> value = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(value, vector);
        Assert.Equal(Errno.None, Device.Write(control.Bar, control.Offset + SimControlBlock.Doorbell, value));
    }

    /// <summary>Vectors of the messages delivered so far (data − 0x40), in order.</summary>
    public List<int> DeliveredVectors() => [.. Lab.Sink.Messages.Select(m => (int)(m.Data & 0xFF) - 0x40)];

    public void Dispose() => Lab.Dispose();
}
