using System.Net.Sockets;
using System.Text;

namespace Passage.Cli.Tests;

public sealed class VmCommandsTests : IDisposable
{
    private const string NicAttached = "passage: 0000:05:00.0 (8086:1533) at guest 0000:00:01.0";

    private readonly string _temp = Directory.CreateTempSubdirectory("passage-cli-vm-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static string Host => $"sim:{CliRunner.Lab}";

    private string Script(params string[] lines)
    {
        string path = Path.Combine(_temp, $"script-{Guid.NewGuid():N}.qtest");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private (int Code, string[] Out, string[] Err) RunScript(params string[] lines)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("vm", "run", "--host", Host, "--device", "0000:05:00.0", "--script", Script(lines));
        return (code, Lines(stdout), Lines(stderr));
    }

    [Fact]
    public void Run_ScriptOnRam_ExactAnswers()
    {
        (int code, string[] stdout, string[] stderr) = RunScript(
            "# guest RAM at 0",
            "writel 0x1000 0xdeadbeef",
            "readl 0x1000",
            "readw 0x1002",
            "readb 0x1000",
            "writeq 0x2000 0x0102030405060708",
            "read 0x2000 8",
            "write 0x3000 2 0xabcd",
            "readw 0x3000",
            "",
            "readl 0x4000000",
            "readl 0xd0000000");

        Assert.Equal(0, code);
        Assert.Equal(["OK", "OK 0xdeadbeef", "OK 0xdead", "OK 0xef", "OK", "OK 0x0807060504030201", "OK", "OK 0xcdab", "OK 0xffffffff", "OK 0xffffffff"], stdout);
        Assert.Equal([NicAttached], stderr);
    }

    [Fact]
    public void Run_NicMsixExample_MessageWrittenToRamAndLapicLineReported()
    {
        string script = Path.Combine(AppContext.BaseDirectory, "examples", "nic-msix.qtest");
        (int code, string stdout, string stderr) = CliRunner.Run("vm", "run", "--host", Host, "--device", "05:00.0", "--script", script);

        Assert.Equal(0, code);
        Assert.Equal(
            [
                "OK 0x15338086", // vendor/device of the NIC through ECAM
                "OK", "OK", "OK", // BAR0, BAR3, Command
                "OK 0x4", // MSI-X Message Control: table size 5 − 1, disabled
                "OK", // enable + function mask
                "OK", "OK", "OK", "OK", "OK", "OK", "OK", "OK", // two entries programmed and unmasked
                "OK", // function unmasked
                "OK 0x0", // nothing written to RAM yet
                "OK", // doorbell on vector 0: the message goes to RAM, no line
                "OK 0x1234abcd", // the MSI's data at its RAM address
                "MSI 0xfee00000 0x41", // doorbell on vector 1: a LAPIC message, reported before the answer
                "OK",
                "OK 0x0", // PBA: nothing pending
            ],
            Lines(stdout));
        Assert.Equal([NicAttached], Lines(stderr));
    }

    [Fact]
    public void Run_BadLinesInScript_ErrAndTheScriptGoesOn()
    {
        (int code, string[] stdout, _) = RunScript("frobnicate", "readl", "writeb 0x0 0x1ff", "readl 0x0");

        Assert.Equal(0, code);
        Assert.Equal(4, stdout.Length);
        Assert.All(stdout[..3], line => Assert.StartsWith("ERR ", line, StringComparison.Ordinal));
        Assert.Equal("OK 0x0", stdout[3]);
    }

    [Fact]
    public void Run_ClockStep_AdvancesBySteps()
    {
        (int code, string[] stdout, _) = RunScript("clock_step 1000", "clock_step 0x10");

        Assert.Equal(0, code);
        ulong first = Convert.ToUInt64(stdout[0]["OK 0x".Length..], 16);
        ulong second = Convert.ToUInt64(stdout[1]["OK 0x".Length..], 16);
        Assert.Equal(0x10UL, second - first);
    }

    [Fact]
    public void Run_ConfigThroughEcam_ShowsTheNicIds()
    {
        (int code, string[] stdout, _) = RunScript("readl 0xe0008000", "readw 0xe0008002");

        Assert.Equal(0, code);
        Assert.Equal(["OK 0x15338086", "OK 0x1533"], stdout);
    }

    [Fact]
    public void Run_ConfigThroughCf8Cfc_ShowsTheNicIds()
    {
        (int code, string[] stdout, _) = RunScript("outl 0xcf8 0x80000800", "inl 0xcfc", "inw 0xcfe", "inw 0xcfc");

        Assert.Equal(0, code);
        Assert.Equal(["OK", "OK 0x15338086", "OK 0x1533", "OK 0x8086"], stdout);
    }

    [Theory]
    [InlineData("readl 0xe0010000")] // slot 2: nothing attached
    [InlineData("readl 0xe0009000")] // 00:01.1: function 0 only
    [InlineData("readl 0xe0108000")] // bus 1
    public void Run_ConfigOfAbsentFunction_ReadsOnes(string line)
    {
        (int code, string[] stdout, _) = RunScript(line);

        Assert.Equal(0, code);
        Assert.Equal(["OK 0xffffffff"], stdout);
    }

    [Fact]
    public void Run_TwoDevices_SlotsInOrder()
    {
        (int code, _, string stderr) = CliRunner.Run("vm", "run", "--host", Host, "--device", "05:00.0", "--device", "06:00.0", "--script", Script("readl 0x0"));

        Assert.Equal(0, code);
        Assert.Equal([NicAttached, "passage: 0000:06:00.0 (144d:a808) at guest 0000:00:02.0"], Lines(stderr));
    }

    [Fact]
    public void Run_NoScript_ReadsStandardInput()
    {
        (int code, string stdout, _) = CliRunner.RunWithInput("writeb 0x7 0x42\nreadb 0x7\n", CancellationToken.None, "vm", "run", "--host", Host, "--device", "05:00.0");

        Assert.Equal(0, code);
        Assert.Equal(["OK", "OK 0x42"], Lines(stdout));
    }

    [Fact]
    public async Task Run_Socket_ServesUntilShutdown()
    {
        string socketPath = Path.Combine(_temp, "vm.sock");
        using var shutdown = new CancellationTokenSource();
        Task<(int Code, string Out, string Err)> running = Task.Run(
            () => CliRunner.RunWithInput(string.Empty, shutdown.Token, "vm", "run", "--host", Host, "--device", "05:00.0", "--socket", socketPath),
            TestContext.Current.CancellationToken);

        string[] answers;
        using (Socket client = ConnectWhenListening(socketPath, running))
        {
            client.Send("writel 0x100 0x77\nreadl 0x100\n"u8);
            answers = ReadLines(client, 2);
        }

        await shutdown.CancelAsync();
        (int code, _, string stderr) = await running;

        Assert.Equal(["OK", "OK 0x77"], answers);
        Assert.Equal(0, code);
        Assert.Equal([NicAttached, $"passage: serving the qtest protocol on {socketPath}; Ctrl-C stops"], Lines(stderr));
        Assert.False(File.Exists(socketPath));
    }

    [Theory]
    [InlineData("zz:00.0", 2, "--device 'zz:00.0' is not a PCI address")] // malformed address: a command-line error
    [InlineData("0000:42:00.0", 1, "no function 0000:42:00.0 on")] // nothing there
    [InlineData("0000:00:01.0", 1, "0000:00:01.0 is a bridge")] // the GPU's root port
    public void Run_BadDevice_OneLine(string device, int expectedCode, string message)
    {
        (int code, string stdout, string stderr) = CliRunner.Run("vm", "run", "--host", Host, "--device", device, "--script", Script("readl 0x0"));

        Assert.Equal(expectedCode, code);
        Assert.Equal(string.Empty, stdout);
        string line = Assert.Single(Lines(stderr));
        Assert.StartsWith($"passage: {message}", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SameDeviceTwice_OneLineExitTwo()
    {
        (int code, _, string stderr) = CliRunner.Run("vm", "run", "--host", Host, "--device", "05:00.0", "--device", "0000:05:00.0", "--script", Script("readl 0x0"));

        Assert.Equal(2, code);
        Assert.Contains("given twice", Assert.Single(Lines(stderr)), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingScript_OneLineExitOne()
    {
        string missing = Path.Combine(_temp, "absent.qtest");

        (int code, string stdout, string stderr) = CliRunner.Run("vm", "run", "--host", Host, "--device", "05:00.0", "--script", missing);

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.StartsWith($"passage: cannot read script {missing}", Assert.Single(Lines(stderr)), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoDevice_MalformedCommandLineExitTwo()
    {
        (int code, _, string stderr) = CliRunner.Run("vm", "run", "--host", Host, "--script", Script("readl 0x0"));

        Assert.Equal(2, code);
        Assert.Contains("--device", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Help_DescribesEveryOption()
    {
        (int code, string stdout, _) = CliRunner.Run("vm", "run", "--help");

        Assert.Equal(0, code);
        Assert.All(["--host", "--device", "--script", "--socket"], option => Assert.Contains(option, stdout, StringComparison.Ordinal));
    }

    // Waits for the CLI to listen (it binds after building the machine); fails if it exited instead.
    private static Socket ConnectWhenListening(string path, Task running)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (running.IsCompleted)
            {
                throw new InvalidOperationException("the CLI exited before it listened");
            }

            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(path));
                return socket;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                Thread.Sleep(20);
            }
        }
    }

    private static string[] ReadLines(Socket client, int count)
    {
        client.ReceiveTimeout = 30_000;
        var text = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (text.ToString().Count(c => c == '\n') < count)
        {
            int received = client.Receive(buffer);
            if (received == 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, received));
        }

        return Lines(text.ToString());
    }
}
