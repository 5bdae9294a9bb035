using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Passage.Pci;

/// <summary>A PCI function address: segment (domain), bus, device (slot) and function.</summary>
public readonly record struct PciAddress : IComparable<PciAddress>
{
    /// <summary>Creates an address, validating each part against its field width.</summary>
    public PciAddress(int segment, int bus, int device, int function)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(segment);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(segment, 0xFFFF);
        ArgumentOutOfRangeException.ThrowIfNegative(bus);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bus, 0xFF);
        ArgumentOutOfRangeException.ThrowIfNegative(device);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(device, 0x1F);
        ArgumentOutOfRangeException.ThrowIfNegative(function);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(function, 7);
        Segment = segment;
        Bus = bus;
        Device = device;
        Function = function;
    }

    /// <summary>PCI segment (domain), 0–0xFFFF.</summary>
    public int Segment { get; }

    /// <summary>Bus number, 0–255.</summary>
    public int Bus { get; }

    /// <summary>Device (slot) number, 0–31.</summary>
    public int Device { get; }

    /// <summary>Function number, 0–7.</summary>
    public int Function { get; }

    /// <summary>Device and function packed as the 8-bit devfn.</summary>
    public int DevFn => (Device << 3) | Function;

    /// <summary>Parses <c>SSSS:BB:DD.F</c> or <c>BB:DD.F</c> (segment 0), hexadecimal.</summary>
    public static PciAddress Parse(string text) =>
        TryParse(text, out PciAddress address)
            ? address
            : throw new FormatException($"'{text}' is not a PCI address (expected SSSS:BB:DD.F or BB:DD.F)");

    /// <summary>Parses <c>SSSS:BB:DD.F</c> or <c>BB:DD.F</c> without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out PciAddress address)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string[] colon = text.Trim().Split(':');
        if (colon.Length is < 2 or > 3)
        {
            return false;
        }

        string segmentText = colon.Length == 3 ? colon[0] : "0";
        string busText = colon[^2];
        string[] dot = colon[^1].Split('.');
        if (dot.Length != 2)
        {
            return false;
        }

        if (!Hex(segmentText, 4, out int segment) || !Hex(busText, 2, out int bus) ||
            !Hex(dot[0], 2, out int device) || !Hex(dot[1], 1, out int function) ||
            device > 0x1F || function > 7)
        {
            return false;
        }

        address = new PciAddress(segment, bus, device, function);
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(PciAddress other)
    {
        int c = Segment.CompareTo(other.Segment);
        if (c == 0)
        {
            c = Bus.CompareTo(other.Bus);
        }

        return c != 0 ? c : DevFn.CompareTo(other.DevFn);
    }

    /// <summary>Orders by segment, bus, device, function.</summary>
    public static bool operator <(PciAddress left, PciAddress right) => left.CompareTo(right) < 0;

    /// <summary>Orders by segment, bus, device, function.</summary>
    public static bool operator >(PciAddress left, PciAddress right) => left.CompareTo(right) > 0;

    /// <summary>Orders by segment, bus, device, function.</summary>
    public static bool operator <=(PciAddress left, PciAddress right) => left.CompareTo(right) <= 0;

    /// <summary>Orders by segment, bus, device, function.</summary>
    public static bool operator >=(PciAddress left, PciAddress right) => left.CompareTo(right) >= 0;

    /// <summary>Formats as <c>SSSS:BB:DD.F</c>, lower-case hexadecimal, as sysfs names functions.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Segment:x4}:{Bus:x2}:{Device:x2}.{Function:x1}");

    private static bool Hex(string s, int maxDigits, out int value)
    {
        value = 0;
        return s.Length is > 0 && s.Length <= maxDigits &&
               int.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
