using System.Globalization;
using Passage.Vpci.Interrupts;
using Passage.Vpci.Machine;

namespace Passage.Vpci.Qtest;

/// <summary>
/// Runs qtest-style commands (<see cref="QtestParser"/>) against a <see cref="VirtualMachine"/>,
/// one answer line per command: <c>OK</c>, <c>OK 0x…</c> or <c>ERR reason</c>. Blank lines and
/// lines starting with <c>#</c> get no answer.
/// </summary>
/// <remarks>
/// Answers: <c>readb|w|l|q</c> and <c>in*</c> give the value, <c>read ADDR SIZE</c> the bytes in
/// memory order, <c>clock_step NS</c> the new guest time in nanoseconds; writes and outs answer
/// <c>OK</c>. Values are hex in lower case without leading zeros (<c>OK 0x8086</c>, <c>OK 0x0</c>);
/// byte strings keep two digits a byte. Every message the LAPIC receives while the session is open
/// becomes a line <c>MSI 0xADDRESS 0xDATA</c>. After each write, out and clock_step the session
/// settles the machine, so the MSI lines a command caused come before its answer. Lines go through
/// one writer under one lock and never interleave.
/// </remarks>
public sealed class QtestSession : IDisposable
{
    private readonly VirtualMachine _machine;
    private readonly TextWriter _output;
    private readonly Lock _outputLock = new();
    private readonly Action<MsiMessage> _onMessage;
    private bool _disposed;

    /// <summary>Starts a session on <paramref name="machine"/> writing its lines to <paramref name="output"/>.</summary>
    public QtestSession(VirtualMachine machine, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(output);
        _machine = machine;
        _output = output;
        _onMessage = OnMessage;
        machine.Lapic.MessageReceived += _onMessage;
    }

    /// <summary>Commands answered so far (blank and comment lines are not commands).</summary>
    public long Commands { get; private set; }

    /// <summary>Commands answered with <c>ERR</c>.</summary>
    public long Errors { get; private set; }

    /// <summary>Executes <paramref name="line"/>, writes its answer and returns it; null for a blank or comment line.</summary>
    public string? Execute(string line)
    {
        ReadOnlySpan<char> text = (line ?? string.Empty).AsSpan().Trim();
        if (text.IsEmpty || text[0] == '#')
        {
            return null;
        }

        string answer = Answer(text.ToString());
        Commands++;
        if (answer.StartsWith("ERR", StringComparison.Ordinal))
        {
            Errors++;
        }

        WriteLine(answer);
        return answer;
    }

    /// <summary>Answers <c>ERR <paramref name="reason"/></c> for a line the transport could not take whole (too long).</summary>
    public void Reject(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Commands++;
        Errors++;
        WriteLine($"ERR {reason}");
    }

    /// <summary>Executes every line of <paramref name="input"/> until its end.</summary>
    public void Run(TextReader input)
    {
        ArgumentNullException.ThrowIfNull(input);
        while (input.ReadLine() is { } line)
        {
            Execute(line);
        }
    }

    /// <summary>Stops reporting MSI lines.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _machine.Lapic.MessageReceived -= _onMessage;
    }

    private string Answer(string line)
    {
        if (!QtestParser.TryParse(line, out QtestCommand? command, out string error))
        {
            return $"ERR {error}";
        }

        try
        {
            return Run(command!);
        }
        catch (ArgumentException e)
        {
            return $"ERR {e.Message}";
        }
    }

    private string Run(QtestCommand command)
    {
        switch (command.Kind)
        {
            case QtestCommandKind.Read:
                return Ok(_machine.ReadValue(command.Address, command.Size));
            case QtestCommandKind.Write:
                _machine.WriteValue(command.Address, command.Size, command.Value);
                _machine.Settle();
                return "OK";

            case QtestCommandKind.ReadBytes:
                {
                    byte[] bytes = new byte[command.Size];
                    _machine.ReadMemory(command.Address, bytes);
                    return $"OK 0x{Convert.ToHexStringLower(bytes)}";
                }

            case QtestCommandKind.WriteBytes:
                _machine.WriteMemory(command.Address, command.Bytes);
                _machine.Settle();
                return "OK";
            case QtestCommandKind.In:
                return Ok(_machine.In((ushort)command.Address, command.Size));
            case QtestCommandKind.Out:
                _machine.Out((ushort)command.Address, command.Size, (uint)command.Value);
                _machine.Settle();
                return "OK";
            case QtestCommandKind.ClockStep:
                {
                    ulong now = _machine.AdvanceNanoseconds(command.Address);
                    _machine.Settle();
                    return Ok(now);
                }

            default:
                return $"ERR command {command.Kind} is not served";
        }
    }

    // Runs on the delivering thread (the router's): it must not throw, or delivery would stop.
    private void OnMessage(MsiMessage message)
    {
        try
        {
            WriteLine(string.Create(CultureInfo.InvariantCulture, $"MSI 0x{message.Address:x} 0x{message.Data:x}"));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The reader went away; the session's next answer reports it to its owner.
        }
    }

    private void WriteLine(string line)
    {
        lock (_outputLock)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    private static string Ok(ulong value) => string.Create(CultureInfo.InvariantCulture, $"OK 0x{value:x}");
}
