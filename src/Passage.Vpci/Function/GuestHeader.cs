using Passage.Pci;
using Passage.Vpci.Config;

namespace Passage.Vpci.Function;

/// <summary>
/// The guest-visible type 0 header registers (vpci.md §3), BARs and the capability pointer
/// excepted: identity passed read-only from the host's config space at creation, a virtual
/// Command whose decode and bus-master bits drive the host, the host's Status with its masks,
/// stored bytes for cache line, latency timer and interrupt line, and zeros where guests get nothing.
/// </summary>
internal sealed class GuestHeader
{
    /// <summary>Command bits the guest cannot change and reads as 0 (I/O, parity, wait, SERR, fast back-to-back, 15:11).</summary>
    public const ushort CommandReservedPreserve = 0xFBC1;

    /// <summary>Command bits the guest may set.</summary>
    public const ushort CommandWritable = (ushort)(PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.SpecialCycles
        | PciCommand.MemoryWriteInvalidate | PciCommand.VgaPaletteSnoop | PciCommand.InterruptDisable);

    // The host Command bits the function manages: the guest's writable ones, and I/O decoding,
    // which stays off because I/O BARs are not offered.
    private const ushort HostManaged = CommandWritable | (ushort)PciCommand.IoSpace;

    private const ushort StatusCapList = (ushort)PciStatus.CapabilitiesList;

    private readonly VirtualFunction _function;
    private readonly StoredRegister _cacheLine;
    private readonly StoredRegister _latencyTimer;
    private readonly StoredRegister _interruptLine = new(0, survivesReset: true);
    private ushort _command;

    /// <summary>Creates the header of <paramref name="function"/> from its host config snapshot.</summary>
    public GuestHeader(VirtualFunction function)
    {
        _function = function;
        ConfigSpace host = function.HostSnapshot;
        _cacheLine = new StoredRegister(host.Read8(ConfigOffsets.CacheLineSize));
        _latencyTimer = new StoredRegister(host.Read8(ConfigOffsets.LatencyTimer));
    }

    /// <summary>The guest's Command as stored (Memory reads 0 when mapping failed).</summary>
    public PciCommand Command => (PciCommand)_command;

    /// <summary>Whether the guest set INTx Disable.</summary>
    public bool IntxDisabled => (_command & (ushort)PciCommand.InterruptDisable) != 0;

    /// <summary>Registers every header register but the BARs and 0x34; call once the capability list is known (Status needs it).</summary>
    public void Register()
    {
        ConfigSpace host = _function.HostSnapshot;
        byte pin = _function.Interrupts.IntxCount > 0 ? host.InterruptPin : (byte)0;

        // Read-only registers: the value the guest sees, fixed at creation (vpci.md §3).
        (int Offset, int Size, uint Value)[] fixedRegisters =
        [
            (ConfigOffsets.VendorId, 4, host.Read32(ConfigOffsets.VendorId)),
            (ConfigOffsets.RevisionId, 4, host.Read32(ConfigOffsets.RevisionId)),
            (ConfigOffsets.HeaderType, 1, (uint)(host.HeaderTypeRegister & 0x7F)),
            (ConfigOffsets.Bist, 1, 0),
            (ConfigOffsets.CardbusCis, 4, 0),
            (ConfigOffsets.SubsystemVendorId, 4, host.Read32(ConfigOffsets.SubsystemVendorId)),
            (ConfigOffsets.RomBar, 4, 0),
            (0x35, 1, 0),
            (0x36, 2, 0),
            (0x38, 4, 0),
            (ConfigOffsets.InterruptPin, 1, pin),
            (ConfigOffsets.MinGnt, 2, host.Read16(ConfigOffsets.MinGnt)),
        ];
        foreach ((int offset, int size, uint value) in fixedRegisters)
        {
            _function.AddRegister(new RegisterDescriptor { Offset = offset, Size = size, Read = ReadStored, Context = new StoredRegister(value) });
        }

        foreach ((int offset, StoredRegister register) in new[] { (ConfigOffsets.CacheLineSize, _cacheLine), (ConfigOffsets.LatencyTimer, _latencyTimer), (ConfigOffsets.InterruptLine, _interruptLine) })
        {
            _function.AddRegister(new RegisterDescriptor { Offset = offset, Size = 1, Read = ReadStored, Write = WriteStored, Context = register });
        }

        // Command: INTx Disable reads 1 while MSI or MSI-X is on without the guest having written
        // it, so a write merges its uncovered byte with the stored Command, not with what reads.
        _function.AddRegister(new RegisterDescriptor
        {
            Offset = ConfigOffsets.Command,
            Size = 2,
            Read = (_, _) => ReadCommand(),
            Stored = (_, _) => _command,
            Write = (_, value, _) => WriteCommand((ushort)value),
            ReservedPreserve = CommandReservedPreserve,
        });

        // Status: CapList is set iff something is exposed; without it bit 4 moves from RO to RsvdP.
        bool exposed = _function.Capabilities.HasExposed;
        _function.AddRegister(new RegisterDescriptor
        {
            Offset = ConfigOffsets.Status,
            Size = 2,
            Read = (_, _) => ReadStatus(),
            Write = (_, value, _) => WriteStatus(value),
            ReadOnly = exposed ? PciStatusMasks.ReadOnly : PciStatusMasks.ReadOnly & ~(uint)StatusCapList,
            WriteOneToClear = PciStatusMasks.WriteOneToClear,
            ReservedZero = PciStatusMasks.ReservedZero,
            ReservedPreserve = exposed ? 0u : StatusCapList,
        });
    }

    /// <summary>
    /// Writes the host's Command: the guest's bus-master, special-cycle, MWI, VGA-snoop and INTx
    /// Disable bits, <paramref name="memory"/> for decoding, I/O off, the host's other bits kept.
    /// </summary>
    public void WriteHostCommand(bool memory)
    {
        uint host = _function.Host.Read(ConfigOffsets.Command, 2);
        uint guest = (uint)(_command & CommandWritable & ~(ushort)PciCommand.MemorySpace);
        uint value = (host & ~(uint)HostManaged) | guest | (memory ? (uint)PciCommand.MemorySpace : 0);
        _function.Host.Write(ConfigOffsets.Command, 2, value);
    }

    /// <summary>Every emulated header register back to its initial value except Interrupt Line; Command 0 (virtual FLR).</summary>
    public void ResetToInitial()
    {
        _command = 0;
        _cacheLine.Reset();
        _latencyTimer.Reset();
        _interruptLine.Reset();
    }

    private static uint ReadStored(int offset, object? context) => ((StoredRegister)context!).Value;

    private static void WriteStored(int offset, uint value, object? context) => ((StoredRegister)context!).Value = value;

    // INTx Disable reads 1 while MSI or MSI-X is enabled (vpci.md §3).
    private uint ReadCommand() =>
        (uint)(_command | (_function.MessageInterruptsEnabled ? (ushort)PciCommand.InterruptDisable : 0));

    private void WriteCommand(ushort value)
    {
        ushort old = _command;
        ushort now = (ushort)(value & CommandWritable);
        const ushort memory = (ushort)PciCommand.MemorySpace;
        _command = now;
        if ((now & memory) != 0 && (old & memory) == 0)
        {
            // Enabling writes the host Command itself, before the windows go on the bus (§5.3).
            if (!_function.Bars.SetDecoding(true))
            {
                _command &= unchecked((ushort)~memory);

                // Refused decoding leaves the host's decode off, but the guest's other bits
                // (bus master, INTx Disable, …) still reach it.
                if (((_command ^ old) & CommandWritable) != 0)
                {
                    WriteHostCommand(memory: false);
                }
            }
        }
        else if ((now & memory) == 0 && (old & memory) != 0)
        {
            _function.Bars.SetDecoding(false);
        }
        else if (((now ^ old) & CommandWritable) != 0)
        {
            WriteHostCommand((now & memory) != 0);
        }

        bool intxDisable = (now & (ushort)PciCommand.InterruptDisable) != 0;
        if (intxDisable != ((old & (ushort)PciCommand.InterruptDisable) != 0))
        {
            _function.Interrupts.GuestIntxDisableChanged(intxDisable);
        }
    }

    private uint ReadStatus()
    {
        uint status = _function.Host.Read(ConfigOffsets.Status, 2) & ~(uint)StatusCapList;
        return _function.Capabilities.HasExposed ? status | StatusCapList : status;
    }

    // RW1C bits written as 1 go to the host (a kernel VFIO device drops them; the simulated policy too).
    private void WriteStatus(uint value)
    {
        uint clear = value & PciStatusMasks.WriteOneToClear;
        if (clear != 0)
        {
            _function.Host.Write(ConfigOffsets.Status, 2, clear);
        }
    }
}
