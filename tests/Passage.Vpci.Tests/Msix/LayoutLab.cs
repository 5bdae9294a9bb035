using Passage.Vpci.Function;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;
using Passage.Vpci.Tests.Function;

namespace Passage.Vpci.Tests.Msix;

/// <summary>
/// A guest function over a <see cref="LayoutHostDevice"/> behind the recording decorator, with its
/// own MMIO bus, router and recording sink. BARs are never placed: tests reach the MSI-X pages
/// through the trap the emulation built (the bus would hand it the same BAR offsets).
/// </summary>
internal sealed class LayoutLab : IDisposable
{
    public LayoutLab(LayoutHostDevice host)
    {
        Host = host;
        Device = new RecordingHostDevice(host);
        Router = new InterruptRouter(Sink);
        Function = new VirtualFunction(Device, new AddressBus(), Router, VirtualFunctionOptions.Default with { Log = Log.Add });
    }

    public LayoutHostDevice Host { get; }

    public RecordingHostDevice Device { get; }

    public RecordingSink Sink { get; } = new();

    public InterruptRouter Router { get; }

    public VirtualFunction Function { get; }

    public List<string> Log { get; } = [];

    public void Dispose()
    {
        Function.Dispose();
        Router.Dispose();
        Device.Dispose();
    }
}
