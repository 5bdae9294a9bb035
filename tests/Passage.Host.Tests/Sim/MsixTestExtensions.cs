using Passage.Host.Sim.Runtime;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Tests.Sim;

/// <summary>MSI-X programming steps as a driver performs them.</summary>
internal static class MsixTestExtensions
{
    public static MsixCapability Msix(this SimFunction f) => f.Function.Decoded.Msix!;

    public static void SetMsixControl(this SimFunction f, ushort bits) =>
        f.WriteConfig(f.Msix().Offset + MsixCapability.ControlOffset, 2, bits);

    public static ulong EntryOffset(this SimFunction f, int vector) => f.Msix().TableBarOffset + ((ulong)vector * MsixCapability.EntrySize);

    public static void ProgramEntry(this SimFunction f, int vector, ulong address, uint data, bool masked)
    {
        ulong entry = f.EntryOffset(vector);
        f.WriteBar(f.Msix().TableBir, entry, 8, address);
        f.WriteBar(f.Msix().TableBir, entry + 8, 4, data);
        f.WriteBar(f.Msix().TableBir, entry + 12, 4, masked ? 1u : 0u);
    }

    public static void MaskEntry(this SimFunction f, int vector, bool masked) =>
        f.WriteBar(f.Msix().TableBir, f.EntryOffset(vector) + 12, 4, masked ? 1u : 0u);

    public static ulong ReadPbaWord(this SimFunction f, int word) =>
        f.ReadBar(f.Msix().PbaBir, f.Msix().PbaBarOffset + ((ulong)word * 8), 8);

    /// <summary>Memory decode and bus mastering on, MSI-X enabled with <paramref name="extra"/> control bits.</summary>
    public static void EnableMsix(this SimFunction f, ushort extra = 0)
    {
        f.SetCommand(PciCommand.MemorySpace | PciCommand.BusMaster);
        f.SetMsixControl((ushort)(MsixCapability.Enable | extra));
    }
}
