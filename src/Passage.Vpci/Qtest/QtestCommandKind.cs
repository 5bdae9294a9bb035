namespace Passage.Vpci.Qtest;

/// <summary>The verbs of the qtest-style protocol (one command per line).</summary>
public enum QtestCommandKind
{
    /// <summary><c>readb|readw|readl|readq ADDR</c>: a 1/2/4/8-byte memory read.</summary>
    Read,

    /// <summary><c>writeb|writew|writel|writeq ADDR VALUE</c>: a 1/2/4/8-byte memory write.</summary>
    Write,

    /// <summary><c>read ADDR SIZE</c>: a memory read answered as hex bytes.</summary>
    ReadBytes,

    /// <summary><c>write ADDR SIZE 0xBYTES</c>: a memory write of hex bytes.</summary>
    WriteBytes,

    /// <summary><c>inb|inw|inl PORT</c>: a port read.</summary>
    In,

    /// <summary><c>outb|outw|outl PORT VALUE</c>: a port write.</summary>
    Out,

    /// <summary><c>clock_step NS</c>: advance the virtual clock.</summary>
    ClockStep,
}
