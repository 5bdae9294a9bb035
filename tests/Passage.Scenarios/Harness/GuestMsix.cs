using Passage.Pci.Capabilities;
using Passage.Vpci.Machine;

namespace Passage.Scenarios.Harness;

/// <summary>
/// The guest driver's side of a function's MSI-X: the capability's Message Control, the table
/// and the PBA reached through the guest's BAR windows (the BARs must be placed). Entry <c>v</c>
/// is programmed by <see cref="BringUp"/> to LAPIC vector <see cref="VectorOf"/>(v).
/// </summary>
internal sealed class GuestMsix
{
    /// <summary>The LAPIC vector of entry 0; entry v gets <c>FirstVector + v</c>.</summary>
    public const int FirstVector = 0x40;

    private readonly IGuest _rig;

    private GuestMsix(IGuest rig, int capability)
    {
        _rig = rig;
        Capability = capability;
        Entries = (rig.Config.Read16(capability + MsixCapability.ControlOffset) & MsixCapability.TableSizeMask) + 1;
        uint table = rig.Config.Read32(capability + MsixCapability.TableOffset);
        uint pba = rig.Config.Read32(capability + MsixCapability.PbaOffset);
        TableBar = (int)(table & MsixCapability.BirMask);
        TableOffset = table & ~MsixCapability.BirMask;
        PbaBar = (int)(pba & MsixCapability.BirMask);
        PbaOffset = pba & ~MsixCapability.BirMask;
    }

    /// <summary>Offset of the capability in config space.</summary>
    public int Capability { get; }

    /// <summary>Table entries (N).</summary>
    public int Entries { get; }

    /// <summary>BAR holding the table.</summary>
    public int TableBar { get; }

    /// <summary>Table offset in its BAR, as the guest reads it.</summary>
    public ulong TableOffset { get; }

    /// <summary>BAR holding the PBA.</summary>
    public int PbaBar { get; }

    /// <summary>PBA offset in its BAR, as the guest reads it.</summary>
    public ulong PbaOffset { get; }

    /// <summary>Guest address of the table.</summary>
    public ulong Table => _rig.Bars[TableBar] + TableOffset;

    /// <summary>Guest address of the PBA.</summary>
    public ulong Pba => _rig.Bars[PbaBar] + PbaOffset;

    /// <summary>Message Control as the guest reads it.</summary>
    public ushort Control => _rig.Config.Read16(Capability + MsixCapability.ControlOffset);

    /// <summary>The capability the guest finds in its list.</summary>
    /// <exception cref="InvalidOperationException">The guest sees no MSI-X capability.</exception>
    public static GuestMsix Find(IGuest rig)
    {
        int at = rig.Config.FindCapability(CapabilityId.MsiX);
        return at > 0 ? new GuestMsix(rig, at) : throw new InvalidOperationException("the guest sees no MSI-X capability");
    }

    /// <summary>The LAPIC vector <see cref="BringUp"/> gives entry <paramref name="entry"/>.</summary>
    public static int VectorOf(int entry) => FirstVector + entry;

    /// <summary>The LAPIC message address for APIC ID <paramref name="destination"/>.</summary>
    public static ulong LapicAddress(int destination = 0) => Lapic.Base | ((ulong)destination << 12);

    /// <summary>Writes Message Control's Enable and Function Mask bits.</summary>
    public void WriteControl(bool enable, bool functionMask) =>
        _rig.Config.Write16(Capability + MsixCapability.ControlOffset, (ushort)((enable ? MsixCapability.Enable : 0) | (functionMask ? MsixCapability.FunctionMask : 0)));

    /// <summary>Guest address of entry <paramref name="entry"/>'s field at <paramref name="field"/> (0, 4, 8, 12).</summary>
    public ulong EntryAddress(int entry, int field = 0) => Table + ((ulong)entry * MsixCapability.EntrySize) + (ulong)field;

    /// <summary>Programs entry <paramref name="entry"/>'s address and data with dword writes, as Linux does.</summary>
    public void Program(int entry, ulong address, uint data)
    {
        _rig.Write(EntryAddress(entry, 0), 4, (uint)address);
        _rig.Write(EntryAddress(entry, 4), 4, (uint)(address >> 32));
        _rig.Write(EntryAddress(entry, 8), 4, data);
    }

    /// <summary>Sets entry <paramref name="entry"/>'s mask bit.</summary>
    public void Mask(int entry) => _rig.Write(EntryAddress(entry, 12), 4, 1);

    /// <summary>Clears entry <paramref name="entry"/>'s mask bit.</summary>
    public void Unmask(int entry) => _rig.Write(EntryAddress(entry, 12), 4, 0);

    /// <summary>Entry <paramref name="entry"/>'s vector control as the guest reads it.</summary>
    public uint VectorControl(int entry) => (uint)_rig.Read(EntryAddress(entry, 12), 4);

    /// <summary>Whether the guest-visible PBA shows entry <paramref name="entry"/> pending (an aligned dword read).</summary>
    public bool IsPending(int entry) => ((_rig.Read(Pba + (4 * ((ulong)entry / 32)), 4) >> (entry % 32)) & 1) != 0;

    /// <summary>PBA qword <paramref name="word"/> as the guest reads it.</summary>
    public ulong PbaWord(int word) => _rig.Read(Pba + (8 * (ulong)word), 8);

    /// <summary>
    /// Linux's bring-up: enable with Function Mask set, program every entry to its own LAPIC
    /// vector (<see cref="VectorOf"/>), unmask entries below <paramref name="unmasked"/> (all by
    /// default), then clear Function Mask.
    /// </summary>
    public void BringUp(int? unmasked = null)
    {
        WriteControl(enable: true, functionMask: true);
        for (int v = 0; v < Entries; v++)
        {
            Program(v, LapicAddress(), (uint)VectorOf(v));
        }

        for (int v = 0; v < (unmasked ?? Entries); v++)
        {
            Unmask(v);
        }

        WriteControl(enable: true, functionMask: false);
    }

    /// <summary>Linux's teardown: mask every entry, then disable MSI-X.</summary>
    public void Teardown()
    {
        for (int v = 0; v < Entries; v++)
        {
            Mask(v);
        }

        WriteControl(enable: false, functionMask: false);
    }
}
