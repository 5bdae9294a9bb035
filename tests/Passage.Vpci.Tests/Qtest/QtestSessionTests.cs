using Passage.Host.Linux;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;
using Passage.Vpci.Qtest;
using Passage.Vpci.Tests.Machine;

namespace Passage.Vpci.Tests.Qtest;

public sealed class QtestSessionTests : IDisposable
{
    private readonly VirtualMachine _vm = new();
    private readonly StringWriter _output = new();
    private readonly QtestSession _session;

    public QtestSessionTests() => _session = new QtestSession(_vm, _output);

    public void Dispose()
    {
        _session.Dispose();
        _vm.Dispose();
        _output.Dispose();
    }

    private string[] Lines => _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData("writeb 0x1000 0x5a", "readb 0x1000", "OK 0x5a")] // byte
    [InlineData("writew 0x1000 0xbeef", "readw 0x1000", "OK 0xbeef")] // word
    [InlineData("writel 0x1000 0xdeadbeef", "readl 0x1000", "OK 0xdeadbeef")] // dword
    [InlineData("writeq 0x1000 0x0123456789abcdef", "readq 0x1000", "OK 0x123456789abcdef")] // quadword, no leading zero
    [InlineData("writel 0x1000 0x11223344", "readb 0x1001", "OK 0x33")] // little-endian in memory
    [InlineData("writel 4096 1", "readl 0x1000", "OK 0x1")] // decimal numbers
    [InlineData("write 0x2000 4 0x01020304", "read 0x2000 4", "OK 0x01020304")] // bytes in memory order
    [InlineData("write 0x2000 4 0x01020304", "readl 0x2000", "OK 0x4030201")] // the same bytes as a value
    [InlineData("writel 0x1000 0", "readl 0x1000", "OK 0x0")] // zero
    public void Execute_MemoryVerbs_WriteThenReadAnswered(string write, string read, string expected)
    {
        string? written = _session.Execute(write);
        string? answer = _session.Execute(read);

        Assert.Equal("OK", written);
        Assert.Equal(expected, answer);
        Assert.Equal(["OK", expected], Lines);
    }

    [Theory]
    [InlineData("readl 0xd0000000", "OK 0xffffffff")] // unclaimed memory
    [InlineData("readq 0x3fffffc", "OK 0xffffffffffffffff")] // straddles the end of RAM
    [InlineData("read 0xfee00000 2", "OK 0x0000")] // the LAPIC range reads 0
    [InlineData("inb 0x60", "OK 0xff")] // no device at the port
    [InlineData("inl 0xcf8", "OK 0x0")] // CONFIG_ADDRESS after reset
    public void Execute_Reads_Answered(string line, string expected)
    {
        Assert.Equal(expected, _session.Execute(line));
    }

    [Fact]
    public void Execute_ConfigThroughPorts_ReachesTheFunction()
    {
        _vm.Attach(new StubPciDevice(0x8086, 0x1533), 1);

        string?[] answers =
        [
            _session.Execute("outl 0xcf8 0x80000800"),
            _session.Execute("inl 0xcf8"),
            _session.Execute("inl 0xcfc"),
            _session.Execute("inw 0xcfe"),
            _session.Execute("readl 0xe0008000"),
        ];

        Assert.Equal(["OK", "OK 0x80000800", "OK 0x15338086", "OK 0x1533", "OK 0x15338086"], answers);
    }

    [Fact]
    public void Execute_OutToConfigData_WritesTheRegister()
    {
        var device = new StubPciDevice();
        _vm.Attach(device, 2);

        _session.Execute("outl 0xcf8 0x80001004");
        string? answer = _session.Execute("outw 0xcfc 0x6");

        Assert.Equal("OK", answer);
        Assert.Equal((0x04, 2, 0x6u), Assert.Single(device.Writes));
    }

    [Fact]
    public void Execute_ClockStep_AnswersTheNewTimeInNanoseconds()
    {
        string? first = _session.Execute("clock_step 1000");
        string? second = _session.Execute("clock_step 0x10");

        Assert.Equal(("OK 0x3e8", "OK 0x3f8"), (first, second));
        Assert.Equal(1016UL, _vm.NowNanoseconds);
    }

    [Theory]
    [InlineData("bogus 1 2", "ERR unknown command 'bogus'")] // unknown verb
    [InlineData("readl", "ERR 'readl' takes 1 argument, got 0")] // missing address
    [InlineData("readl zz", "ERR address 'zz' is not a number (hex with 0x, or decimal)")] // not a number
    [InlineData("writeb 0 0x100", "ERR value 0x100 does not fit in 1 bytes")] // too wide
    [InlineData("clock_step 0xffffffffffffffff", "ERR ")] // the clock would overflow
    public void Execute_BadLine_AnsweredErrAndTheSessionGoesOn(string line, string expectedPrefix)
    {
        _session.Execute("clock_step 1");
        string? bad = _session.Execute(line);
        string? good = _session.Execute("writel 0x0 0x1");

        Assert.StartsWith(expectedPrefix, bad, StringComparison.Ordinal);
        Assert.Equal("OK", good);
        Assert.Equal(1, _session.Errors);
        Assert.Equal(3, _session.Commands);
    }

    [Theory]
    [InlineData("")] // blank
    [InlineData("   \t ")] // whitespace only
    [InlineData("# readl 0x0")] // comment
    [InlineData("   # indented comment")] // indented comment
    public void Execute_BlankOrComment_NoAnswer(string line)
    {
        Assert.Null(_session.Execute(line));
        Assert.Equal(string.Empty, _output.ToString());
        Assert.Equal(0, _session.Commands);
    }

    [Fact]
    public void Run_Script_OneAnswerPerCommandInOrder()
    {
        using var script = new StringReader("# set up\nwritel 0x10 0xabc\n\nreadl 0x10\nnonsense\nreadw 0x10\n");

        _session.Run(script);

        Assert.Equal(["OK", "OK 0xabc", "ERR unknown command 'nonsense'", "OK 0xabc"], Lines);
    }

    [Fact]
    public void Execute_WriteThatCausesAnMsi_MsiLineComesBeforeTheAnswer()
    {
        using EventFd doorbell = EventFd.Create();
        RouterSlot slot = _vm.Router.Attach(doorbell, new StubInterruptTarget(new MsiMessage(0xFEE0_1000, 0x41)), 0);
        try
        {
            // The device raises its interrupt asynchronously: it only signals the eventfd.
            _vm.Attach(new StubPciDevice { OnWrite = (_, _, _) => doorbell.Signal() }, 1);

            _session.Execute("writel 0xe0008040 0x1");
            _session.Execute("readl 0x0");

            Assert.Equal(["MSI 0xfee01000 0x41", "OK", "OK 0x0"], Lines);
            Assert.Equal(1, _vm.Lapic.Count(1, 0x41));
        }
        finally
        {
            _vm.Router.Detach(slot);
        }
    }

    [Fact]
    public void Execute_MsiAimedAtRam_WrittenWithoutAnMsiLine()
    {
        using EventFd doorbell = EventFd.Create();
        RouterSlot slot = _vm.Router.Attach(doorbell, new StubInterruptTarget(new MsiMessage(0x4000, 0x77)), 0);
        try
        {
            _vm.Attach(new StubPciDevice { OnWrite = (_, _, _) => doorbell.Signal() }, 1);

            _session.Execute("outl 0xcf8 0x80000840");
            _session.Execute("outl 0xcfc 0x1");
            _session.Execute("readl 0x4000");

            Assert.Equal(["OK", "OK", "OK 0x77"], Lines);
        }
        finally
        {
            _vm.Router.Detach(slot);
        }
    }

    [Fact]
    public void Dispose_Afterwards_NoMoreMsiLines()
    {
        _session.Dispose();

        _vm.Deliver(new MsiMessage(Lapic.Base, 0x30));

        Assert.Equal(string.Empty, _output.ToString());
        Assert.Equal(1, _vm.Lapic.Total);
    }
}
