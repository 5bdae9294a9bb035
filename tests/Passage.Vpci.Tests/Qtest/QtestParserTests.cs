using Passage.Vpci.Qtest;

namespace Passage.Vpci.Tests.Qtest;

public sealed class QtestParserTests
{
    private static QtestCommand Parse(string line)
    {
        Assert.True(QtestParser.TryParse(line, out QtestCommand? command, out string error), error);
        return command!;
    }

    private static string Error(string line)
    {
        Assert.False(QtestParser.TryParse(line, out QtestCommand? command, out string error));
        Assert.Null(command);
        return error;
    }

    [Theory]
    [InlineData("readb 0xe0008000", 1, 0xE000_8000UL)] // byte, hex
    [InlineData("readw 4096", 2, 4096UL)] // word, decimal
    [InlineData("readl 0xE0000000", 4, 0xE000_0000UL)] // upper-case hex digits
    [InlineData("readq   0x10  ", 8, 0x10UL)] // extra blanks
    public void Read_WidthsAndNumbers(string line, int size, ulong address)
    {
        Assert.Equal(new QtestCommand(QtestCommandKind.Read, address, size), Parse(line));
    }

    [Theory]
    [InlineData("writeb 0x10 0xff", 1, 0xFFUL)] // largest byte
    [InlineData("writew 0x10 65535", 2, 0xFFFFUL)] // largest word, decimal
    [InlineData("writel 0x10 0xdeadbeef", 4, 0xDEADBEEFUL)] // dword
    [InlineData("writeq 0x10 0xffffffffffffffff", 8, ulong.MaxValue)] // qword
    public void Write_ValueFitsItsWidth(string line, int size, ulong value)
    {
        Assert.Equal(new QtestCommand(QtestCommandKind.Write, 0x10, size, value), Parse(line));
    }

    [Fact]
    public void ReadAndWriteBytes_HexPayload()
    {
        Assert.Equal(new QtestCommand(QtestCommandKind.ReadBytes, 0x1000, 3), Parse("read 0x1000 3"));
        QtestCommand write = Parse("write 0x1000 3 0x0a0B0c");
        Assert.Equal((QtestCommandKind.WriteBytes, 0x1000UL, 3), (write.Kind, write.Address, write.Size));
        Assert.Equal([0x0A, 0x0B, 0x0C], write.Bytes);
    }

    [Theory]
    [InlineData("inb 0xcf8", QtestCommandKind.In, 0xCF8UL, 1, 0UL)] // port read byte
    [InlineData("inl 3324", QtestCommandKind.In, 0xCFCUL, 4, 0UL)] // decimal port
    [InlineData("outl 0xcf8 0x80000800", QtestCommandKind.Out, 0xCF8UL, 4, 0x8000_0800UL)] // CONFIG_ADDRESS
    [InlineData("outw 0xcfc 6", QtestCommandKind.Out, 0xCFCUL, 2, 6UL)] // data word
    [InlineData("clock_step 100000000", QtestCommandKind.ClockStep, 100_000_000UL, 0, 0UL)] // 100 ms
    public void PortsAndClock(string line, QtestCommandKind kind, ulong address, int size, ulong value)
    {
        Assert.Equal(new QtestCommand(kind, address, size, value), Parse(line));
    }

    [Theory]
    [InlineData("", "empty line")] // nothing
    [InlineData("peek 0x10", "unknown command 'peek'")] // unknown verb
    [InlineData("readl", "'readl' takes 1 argument, got 0")] // missing address
    [InlineData("readl 0x10 0x20", "'readl' takes 1 argument, got 2")] // extra argument
    [InlineData("readl 0xzz", "address '0xzz' is not a number (hex with 0x, or decimal)")] // bad hex
    [InlineData("readl -1", "address '-1' is not a number (hex with 0x, or decimal)")] // negative
    [InlineData("readl 0x", "address '0x' is not a number (hex with 0x, or decimal)")] // bare prefix
    [InlineData("writeb 0x10 0x100", "value 0x100 does not fit in 1 bytes")] // too wide for a byte
    [InlineData("outw 0xcfc 0x10000", "value 0x10000 does not fit in 2 bytes")] // too wide for a word
    [InlineData("inb 0x10000", "port 0x10000 is beyond 0xffff")] // port range
    [InlineData("read 0x10 0", "size 0 must be 1–4096")] // empty read
    [InlineData("read 0x10 4097", "size 4097 must be 1–4096")] // too large
    [InlineData("write 0x10 2 0x0a", "'0x0a' is not 0x followed by 2 bytes of hex")] // too few bytes
    [InlineData("write 0x10 1 0x0g", "'0x0g' is not 0x followed by 1 bytes of hex")] // bad hex digit
    [InlineData("write 0x10 1 0a", "'0a' is not 0x followed by 1 bytes of hex")] // no prefix
    [InlineData("clock_step soon", "nanoseconds 'soon' is not a number (hex with 0x, or decimal)")] // not a number
    public void BadLine_ReasonForErr(string line, string reason)
    {
        Assert.Equal(reason, Error(line));
    }
}
