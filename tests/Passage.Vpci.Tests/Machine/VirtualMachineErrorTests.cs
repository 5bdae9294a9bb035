using Passage.Host.Sim;
using Passage.Vpci.Function;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Tests.Machine;

/// <summary>A PCIe error forwarded into a function's virtual AER is also the machine's event (vpci.md §4.2).</summary>
public sealed class VirtualMachineErrorTests : IDisposable
{
    private readonly VirtualMachine _vm = new();
    private readonly SimDevice _nic = new(LabHost.Start(), LabHost.Nic);

    public void Dispose()
    {
        _vm.Dispose();
        _nic.Dispose();
    }

    [Fact]
    public void ReportError_FunctionWithVirtualAer_MachineEventNamesTheSlotAndCounts()
    {
        int slot = _vm.AttachHost(_nic, 3, new VirtualFunctionOptions { VirtualAer = true });
        var function = (VirtualFunction)_vm.FunctionAt(slot)!;
        var seen = new List<(int Slot, VirtualFunction Function)>();
        _vm.ErrorReported += (s, f) => seen.Add((s, f));

        Assert.True(function.ReportError(uncorrectable: 1u << 14, correctable: 0));
        Assert.True(function.ReportError(uncorrectable: 0, correctable: 1u << 6));

        Assert.Equal([(3, function), (3, function)], seen);
        Assert.Equal(2, _vm.ErrorsReported(3));
        Assert.Equal(0, _vm.ErrorsReported(1));
    }

    [Fact]
    public void ReportError_WithoutVirtualAer_NoMachineEvent()
    {
        int slot = _vm.AttachHost(_nic);
        var function = (VirtualFunction)_vm.FunctionAt(slot)!;
        int raised = 0;
        _vm.ErrorReported += (_, _) => raised++;

        Assert.False(function.ReportError(uncorrectable: 1u << 14, correctable: 0));

        Assert.Equal(0, raised);
        Assert.Equal(0, _vm.ErrorsReported(slot));
    }

    [Fact]
    public void ReportError_AfterDetach_NoMachineEvent()
    {
        int slot = _vm.AttachHost(_nic, options: new VirtualFunctionOptions { VirtualAer = true });
        var function = (VirtualFunction)_vm.FunctionAt(slot)!;
        int raised = 0;
        _vm.ErrorReported += (_, _) => raised++;

        Assert.True(_vm.Detach(slot));
        function.ReportError(uncorrectable: 1u << 14, correctable: 0);

        Assert.Equal(0, raised);
    }
}
