using System.Numerics;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Runtime;

/// <summary>
/// Interrupt generation. MSI-X when enabled, else MSI when enabled, else INTx. Host-level masks
/// are honoured: a masked MSI-X vector (entry or Function Mask) sets its PBA bit and is sent when
/// unmasked; a masked MSI vector (per-vector masking) sets its Pending bit likewise. With Bus
/// Master off nothing is sent: MSI-X and maskable MSI latch the vector as pending and send it once
/// Bus Master is on again; MSI without per-vector masking has nowhere to latch it, so it is lost.
/// INTx needs no bus mastering: it sets Status.Interrupt Status and drives the line unless INTx
/// Disable is set or MSI/MSI-X is on.
/// </summary>
public sealed partial class SimFunction
{
    private readonly int _msixVectors;
    private readonly int _msixTableBar = -1;
    private readonly uint _msixTableOffset;
    private readonly int _msixPbaBar = -1;
    private readonly uint _msixPbaOffset;
    private readonly ulong[] _pba = [];
    private bool _intxLine;

    /// <summary>Interrupts the device was asked to raise (doorbell writes and <see cref="RaiseInterrupt"/> calls).</summary>
    public long InterruptsRequested { get; private set; }

    /// <summary>MSI and MSI-X messages sent, and INTx assertions made.</summary>
    public long InterruptsSent { get; private set; }

    /// <summary>Whether MSI-X vector <paramref name="vector"/>'s PBA bit is set.</summary>
    public bool IsMsixPending(int vector) => (uint)vector < (uint)_msixVectors && (_pba[vector >> 6] & (1UL << (vector & 63))) != 0;

    /// <summary>The device raises interrupt <paramref name="vector"/> (what a DOORBELL write does). Allocation-free.</summary>
    public void RaiseInterrupt(int vector)
    {
        InterruptsRequested++;
        if (!IsReady || vector < 0)
        {
            return;
        }

        if (MsixEnabled)
        {
            RaiseMsix(vector);
        }
        else if (MsiEnabled)
        {
            RaiseMsi(vector);
        }
        else
        {
            RaiseIntx();
        }
    }

    private bool BusMaster => (_config.Read(ConfigOffsets.Command, 2) & (uint)PciCommand.BusMaster) != 0;

    private uint MsixControl => _msix < 0 ? 0 : _config.Read(_msix + MsixCapability.ControlOffset, 2);

    private bool MsixEnabled => (MsixControl & MsixCapability.Enable) != 0;

    private uint MsiControl => _msi < 0 ? 0 : _config.Read(_msi + MsiCapability.ControlOffset, 2);

    private bool MsiEnabled => (MsiControl & MsiCapability.Enable) != 0;

    // Granted vectors: 2^MME, never more than the function can do.
    private int MsiGranted => Math.Min(1 << Math.Min((int)((MsiControl & MsiCapability.MultipleMessageEnableMask) >> 4), 5), _msiCapable);

    private int MsiDataOffset => _msi + (_msi64 ? 0x0C : 0x08);

    private void RaiseMsix(int vector)
    {
        if (vector >= _msixVectors)
        {
            return;
        }

        if (!BusMaster || (MsixControl & MsixCapability.FunctionMask) != 0 || MsixEntryMasked(vector))
        {
            _pba[vector >> 6] |= 1UL << (vector & 63);
            return;
        }

        SendMsix(vector);
    }

    private void RaiseMsi(int vector)
    {
        if (vector >= MsiGranted)
        {
            return;
        }

        if (_msiMaskable && (!BusMaster || (_config.Read(MsiDataOffset + 4, 4) & (1u << vector)) != 0))
        {
            uint pending = _config.Read(MsiDataOffset + 8, 4);
            _config.Set(MsiDataOffset + 8, 4, pending | (1u << vector));
            return;
        }

        if (BusMaster)
        {
            SendMsi(vector);
        }
    }

    private void RaiseIntx()
    {
        if (_interruptPin == 0)
        {
            return;
        }

        uint status = _config.Read(ConfigOffsets.Status, 2);
        _config.Set(ConfigOffsets.Status, 2, status | (uint)PciStatus.InterruptStatus);
        UpdateIntxLine();
    }

    private void DeassertIntx()
    {
        uint status = _config.Read(ConfigOffsets.Status, 2);
        _config.Set(ConfigOffsets.Status, 2, status & ~(uint)PciStatus.InterruptStatus);
        UpdateIntxLine();
    }

    private void UpdateIntxLine()
    {
        bool line = IsReady
            && (_config.Read(ConfigOffsets.Status, 2) & (uint)PciStatus.InterruptStatus) != 0
            && (_config.Read(ConfigOffsets.Command, 2) & (uint)PciCommand.InterruptDisable) == 0
            && !MsiEnabled && !MsixEnabled;
        if (line == _intxLine)
        {
            return;
        }

        _intxLine = line;
        if (line)
        {
            InterruptsSent++;
        }

        Sink.Intx(line);
    }

    // Sends whatever became deliverable after a mask, enable or Bus Master change.
    private void DeliverPending()
    {
        if (MsixEnabled && BusMaster && (MsixControl & MsixCapability.FunctionMask) == 0)
        {
            for (int word = 0; word < _pba.Length; word++)
            {
                ulong bits = _pba[word];
                while (bits != 0)
                {
                    int bit = BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                    int vector = (word << 6) | bit;
                    if (!MsixEntryMasked(vector))
                    {
                        _pba[word] &= ~(1UL << bit);
                        SendMsix(vector);
                    }
                }
            }
        }

        if (_msiMaskable && MsiEnabled && BusMaster)
        {
            uint pending = _config.Read(MsiDataOffset + 8, 4);
            uint granted = MsiGranted == 32 ? AllOnes : (1u << MsiGranted) - 1;
            uint ready = pending & ~_config.Read(MsiDataOffset + 4, 4) & granted;
            while (ready != 0)
            {
                int vector = BitOperations.TrailingZeroCount(ready);
                ready &= ready - 1;
                pending &= ~(1u << vector);
                _config.Set(MsiDataOffset + 8, 4, pending);
                SendMsi(vector);
            }
        }

        UpdateIntxLine();
    }

    private void SendMsix(int vector)
    {
        BarStorage table = _bars[_msixTableBar]!;
        ulong entry = _msixTableOffset + ((ulong)vector * MsixCapability.EntrySize);
        ulong address = table.Read(entry, 8);
        uint data = (uint)table.Read(entry + 8, 4);
        InterruptsSent++;
        Sink.MsixVector(vector, address, data);
    }

    private void SendMsi(int vector)
    {
        ulong address = _config.Read(_msi + MsiCapability.AddressOffset, 4);
        if (_msi64)
        {
            address |= (ulong)_config.Read(_msi + 0x08, 4) << 32;
        }

        // The function replaces the low log2(granted) data bits with the vector number (pci.md §7).
        uint mask = (uint)MsiGranted - 1;
        uint data = (_config.Read(MsiDataOffset, 2) & ~mask) | (uint)vector;
        InterruptsSent++;
        Sink.MsiVector(vector, address, data);
    }

    // An entry outside its BAR cannot be programmed, so it stays masked.
    private bool MsixEntryMasked(int vector)
    {
        ulong control = _msixTableOffset + ((ulong)vector * MsixCapability.EntrySize) + 12;
        return _bars[_msixTableBar] is not { } table || control + 4 > table.Length || (table.Read(control, 4) & 1) != 0;
    }

    private bool InMsixTable(int bar, ulong offset, int size) =>
        _msix >= 0 && bar == _msixTableBar && offset + (ulong)size > _msixTableOffset
        && offset < _msixTableOffset + ((ulong)_msixVectors * MsixCapability.EntrySize);

    private bool InMsixPba(int bar, ulong offset, int size) =>
        _msix >= 0 && bar == _msixPbaBar && offset + (ulong)size > _msixPbaOffset
        && offset < _msixPbaOffset + ((ulong)_pba.Length * 8);

    private ulong ReadPba(ulong offset, int size)
    {
        ulong word = _pba[(int)(offset >> 3)];
        return size == 8 ? word : (word >> (int)((offset & 4) * 8)) & AllOnes;
    }

    private void WriteMsixTable(ulong offset, int size, ulong value)
    {
        WriteMsixTableDword(offset, (uint)value);
        if (size == 8)
        {
            WriteMsixTableDword(offset + 4, (uint)(value >> 32));
        }
    }

    private void WriteMsixTableDword(ulong offset, uint value)
    {
        BarStorage table = _bars[_msixTableBar]!;
        switch ((offset - _msixTableOffset) & 0xF)
        {
            case 0:
                table.Write(offset, 4, value & 0xFFFF_FFFC);
                break;
            case 0xC:
                // Only the Mask bit is implemented; unmasking may release a pending vector.
                table.Write(offset, 4, value & 1);
                DeliverPending();
                break;
            default:
                table.Write(offset, 4, value);
                break;
        }
    }

    // Reset state: every entry masked, nothing pending (pci.md §8).
    private void ResetMsixTable()
    {
        if (_msix < 0 || _bars[_msixTableBar] is not { } table)
        {
            return;
        }

        for (int vector = 0; vector < _msixVectors; vector++)
        {
            ulong control = _msixTableOffset + ((ulong)vector * MsixCapability.EntrySize) + 12;
            if (control + 4 <= table.Length)
            {
                table.Write(control, 4, 1);
            }
        }

        Array.Clear(_pba);
    }
}
