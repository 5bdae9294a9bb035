using System.Numerics;
using Passage.Pci;
using Passage.Pci.Capabilities;
using Passage.Vpci.Config;
using Passage.Vpci.Function;

namespace Passage.Vpci.Capabilities;

/// <summary>
/// The virtual AER extended capability (vpci.md §4.2, policy <c>VirtualAer</c>): 0x2C bytes, no
/// write reaches the host. Status registers are virtual RW1C, set when the host side forwards an
/// error; masks and severity virtual RW over the defined bits with the host's values at creation;
/// the First Error Pointer virtual with the ECRC bits reading 0; the header log virtual read-only.
/// </summary>
internal sealed class VirtualAer
{
    /// <summary>Bytes exposed.</summary>
    public const int Length = 0x2C;

    // ECRC generation/check capable and enable (bits 8:5) read 0; 4:0 is the First Error Pointer.
    private const uint EcrcBits = 0x1E0;
    private const uint FirstErrorPointerMask = 0x1F;

    private readonly uint _initialUncorrectableMask;
    private readonly uint _initialSeverity;
    private readonly uint _initialCorrectableMask;
    private readonly uint _hostControl;
    private readonly uint[] _headerLog = new uint[4];
    private uint _uncorrectableStatus;
    private uint _uncorrectableMask;
    private uint _severity;
    private uint _correctableStatus;
    private uint _correctableMask;
    private uint _firstErrorPointer;

    private VirtualAer(ConfigSpace host, int offset)
    {
        _initialUncorrectableMask = host.Read32(offset + AerCapability.UncorrectableMaskOffset) & AerCapability.UncorrectableDefined;
        _initialSeverity = host.Read32(offset + AerCapability.UncorrectableSeverityOffset) & AerCapability.UncorrectableDefined;
        _initialCorrectableMask = host.Read32(offset + AerCapability.CorrectableMaskOffset) & AerCapability.CorrectableDefined;
        _hostControl = host.Read32(offset + AerCapability.CapabilitiesControlOffset) & ~(EcrcBits | FirstErrorPointerMask);
        ResetToInitial();
    }

    /// <summary>Uncorrectable errors recorded and not yet cleared by the guest.</summary>
    public uint UncorrectableStatus => _uncorrectableStatus;

    /// <summary>Correctable errors recorded and not yet cleared by the guest.</summary>
    public uint CorrectableStatus => _correctableStatus;

    /// <summary>Registers the body (everything after the header dword) at <paramref name="offset"/>.</summary>
    public static VirtualAer Register(ConfigSpace host, int offset, RegisterGroup group)
    {
        var aer = new VirtualAer(host, offset);
        (int At, Func<uint> Read, Action<uint>? Write, uint OneToClear)[] registers =
        [
            (AerCapability.UncorrectableStatusOffset, () => aer._uncorrectableStatus, v => aer._uncorrectableStatus &= ~v, AerCapability.UncorrectableDefined),
            (AerCapability.UncorrectableMaskOffset, () => aer._uncorrectableMask, v => aer._uncorrectableMask = v & AerCapability.UncorrectableDefined, 0),
            (AerCapability.UncorrectableSeverityOffset, () => aer._severity, v => aer._severity = v & AerCapability.UncorrectableDefined, 0),
            (AerCapability.CorrectableStatusOffset, () => aer._correctableStatus, v => aer._correctableStatus &= ~v, AerCapability.CorrectableDefined),
            (AerCapability.CorrectableMaskOffset, () => aer._correctableMask, v => aer._correctableMask = v & AerCapability.CorrectableDefined, 0),
            (AerCapability.CapabilitiesControlOffset, () => aer._hostControl | aer._firstErrorPointer, null, 0),
            (AerCapability.HeaderLogOffset, () => aer._headerLog[0], null, 0),
            (AerCapability.HeaderLogOffset + 4, () => aer._headerLog[1], null, 0),
            (AerCapability.HeaderLogOffset + 8, () => aer._headerLog[2], null, 0),
            (AerCapability.HeaderLogOffset + 12, () => aer._headerLog[3], null, 0),
        ];
        foreach ((int at, Func<uint> read, Action<uint>? write, uint oneToClear) in registers)
        {
            group.Add(new RegisterDescriptor
            {
                Offset = offset + at,
                Size = 4,
                Read = (_, _) => read(),
                Write = write is null ? null : (_, value, _) => write(value),
                WriteOneToClear = oneToClear,
                ReservedZero = oneToClear == 0 ? 0 : ~oneToClear,
            });
        }

        return aer;
    }

    /// <summary>
    /// Records an error the host side forwards: status bits set, the First Error Pointer on the
    /// lowest new unmasked uncorrectable bit when none is pending, the TLP header logged.
    /// </summary>
    public void Record(uint uncorrectable, uint correctable, ReadOnlySpan<uint> headerLog)
    {
        uncorrectable &= AerCapability.UncorrectableDefined;
        correctable &= AerCapability.CorrectableDefined;
        uint fresh = uncorrectable & ~_uncorrectableMask;
        if (fresh != 0 && (_uncorrectableStatus & ~_uncorrectableMask) == 0)
        {
            _firstErrorPointer = (uint)BitOperations.TrailingZeroCount(fresh);
            for (int i = 0; i < _headerLog.Length; i++)
            {
                _headerLog[i] = i < headerLog.Length ? headerLog[i] : 0;
            }
        }

        _uncorrectableStatus |= uncorrectable;
        _correctableStatus |= correctable;
    }

    /// <summary>Statuses cleared, masks and severity back to the host's values (virtual FLR).</summary>
    public void ResetToInitial()
    {
        _uncorrectableStatus = 0;
        _correctableStatus = 0;
        _uncorrectableMask = _initialUncorrectableMask;
        _severity = _initialSeverity;
        _correctableMask = _initialCorrectableMask;
        _firstErrorPointer = 0;
        Array.Clear(_headerLog);
    }
}
