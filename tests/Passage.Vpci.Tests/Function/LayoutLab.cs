using Passage.Pci;
using Passage.Vpci.Function;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Function;

/// <summary>
/// A <see cref="LayoutHostDevice"/> given to a guest behind the recording decorator: an MMIO bus
/// with 64 MiB of "RAM" claimed at 0, a router delivering to a recording sink, and the virtual
/// function, built as <see cref="GuestLab"/> builds a lab function.
/// </summary>
internal sealed class LayoutLab : IDisposable
{
    private LayoutLab(LayoutHostDevice device, VirtualFunctionOptions? options)
    {
        Device = device;
        Recorder = new RecordingHostDevice(device);
        Mmio = new AddressBus();
        Mmio.Insert(0, GuestLab.RamSize, new NullBusDevice());
        Sink = new RecordingSink();
        Router = new InterruptRouter(Sink);
        try
        {
            Function = new VirtualFunction(Recorder, Mmio, Router, (options ?? VirtualFunctionOptions.Default) with { Log = Log.Add });
        }
        catch
        {
            Router.Dispose();
            Recorder.Dispose();
            throw;
        }
    }

    /// <summary>The layout device (its raw bytes, its own event log, its eventfds).</summary>
    public LayoutHostDevice Device { get; }

    /// <summary>What the virtual function sees: the device behind the recorder (SET_IRQS calls with their eventfds, BAR accesses).</summary>
    public RecordingHostDevice Recorder { get; }

    public AddressBus Mmio { get; }

    public RecordingSink Sink { get; }

    public InterruptRouter Router { get; }

    public VirtualFunction Function { get; }

    public List<string> Log { get; } = [];

    public ushort Command
    {
        get => (ushort)Read(ConfigOffsets.Command, 2);
        set => Write(ConfigOffsets.Command, 2, value);
    }

    /// <summary>Builds the function; the router is stopped again if the constructor throws.</summary>
    public static LayoutLab Open(LayoutHostDevice device, VirtualFunctionOptions? options = null) => new(device, options);

    /// <summary>A type 0 function (1234:5678, class 0xFF0000, subsystem 1234:0001) with INTA#; no BAR or capability until the caller adds them.</summary>
    public static ConfigSpaceBuilder Endpoint(int size = ConfigOffsets.ExtendedSize) =>
        new ConfigSpaceBuilder(size).Identity(0x1234, 0x5678, 0xFF0000, revision: 0x01).Subsystem(0x1234, 0x0001).Interrupt(pin: 1);

    public uint Read(int register, int size) => Function.ReadConfig(register, size);

    public void Write(int register, int size, uint value) => Function.WriteConfig(register, size, value);

    public ulong MmioRead(ulong address, int size) => Mmio.ReadValue(address, size);

    public void MmioWrite(ulong address, int size, ulong value) => Mmio.WriteValue(address, size, value);

    /// <summary>Places BAR <paramref name="index"/> at <paramref name="address"/> (both halves of a 64-bit BAR).</summary>
    public void PlaceBar(int index, ulong address, bool is64 = false)
    {
        Write(ConfigOffsets.Bar0 + (4 * index), 4, (uint)address);
        if (is64)
        {
            Write(ConfigOffsets.Bar0 + (4 * index) + 4, 4, (uint)(address >> 32));
        }
    }

    public void Dispose()
    {
        Function.Dispose();
        Router.Dispose();
        Recorder.Dispose();
    }

}
