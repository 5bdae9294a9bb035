using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Runtime;

/// <summary>
/// Fault injection: AER errors, Transactions Pending that will not clear, a reset that leaves the
/// function dead until a bus reset, a function that stays in reset past its deadline, and MSI-X
/// state that survives an FLR.
/// </summary>
public sealed partial class SimFunction
{
    private bool _dieOnNextReset;
    private TimeSpan _stayInResetFor;
    private bool _msixSurvivesFlr;
    private bool _transactionsPending;
    private TimeSpan _transactionsPendingUntil;

    /// <summary>The next function-level reset (FLR, AF FLR, PM) leaves the function dead — config and BARs read all ones — until a bus reset.</summary>
    public void FailNextReset() => _dieOnNextReset = true;

    /// <summary>After every reset the function stays not ready <paramref name="extra"/> past its deadline (<see cref="TimeSpan.MaxValue"/> = never).</summary>
    public void StayInReset(TimeSpan extra)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(extra, TimeSpan.Zero);
        _stayInResetFor = extra;
    }

    /// <summary>FLR and AF FLR keep the MSI-X table, PBA and the Enable and Function Mask bits (stale state a verifier must catch).</summary>
    public void KeepMsixAcrossFlr() => _msixSurvivesFlr = true;

    /// <summary>Transactions Pending (DevSta, and AF Status) reads 1 for <paramref name="duration"/> from now (<see cref="TimeSpan.MaxValue"/> = never clears).</summary>
    public void HoldTransactionsPending(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        _transactionsPending = true;
        _transactionsPendingUntil = duration == TimeSpan.MaxValue || TimeSpan.MaxValue - _clock.Now < duration ? TimeSpan.MaxValue : _clock.Now + duration;
        RefreshTransactionsPending();
    }

    /// <summary>Removes every armed fault; a dead function stays dead until a bus reset.</summary>
    public void ClearFaults()
    {
        _dieOnNextReset = false;
        _stayInResetFor = TimeSpan.Zero;
        _msixSurvivesFlr = false;
        _transactionsPendingUntil = TimeSpan.Zero;
        RefreshTransactionsPending();
    }

    /// <summary>
    /// Injects an error of <paramref name="severity"/>: correctable as Receiver Error (bit 0);
    /// uncorrectable as the lowest defined uncorrectable bit above bit 0 whose Severity bit matches
    /// (with the default severities: Data Link Protocol for fatal, Poisoned TLP for non-fatal). Returns
    /// the severity signalled to the sink, or null when the error was masked, not reported, or
    /// no bit has that severity.
    /// </summary>
    public AerSeverity? InjectError(AerSeverity severity)
    {
        if (severity == AerSeverity.Correctable)
        {
            return InjectCorrectableError(0);
        }

        uint severities = _aer < 0 ? AerCapability.DefaultSeverity : _config.Read(_aer + AerCapability.UncorrectableSeverityOffset, 4);
        bool fatal = severity == AerSeverity.Fatal;
        // Bit 0 (formerly Training Error) is undefined in current specifications; start above it.
        for (int bit = 1; bit < 32; bit++)
        {
            if ((AerCapability.UncorrectableDefined & (1u << bit)) != 0 && ((severities & (1u << bit)) != 0) == fatal)
            {
                return InjectUncorrectableError(bit);
            }
        }

        return null;
    }

    /// <summary>
    /// Logs correctable error <paramref name="bit"/> in the AER Correctable Status. Unless the
    /// Correctable Mask hides it, DevSta Correctable Error Detected is set and, with correctable
    /// reporting enabled in Device Control, ERR_COR is signalled. Returns what was signalled.
    /// </summary>
    public AerSeverity? InjectCorrectableError(int bit)
    {
        if (_pcie < 0 || (uint)bit > 31)
        {
            return null;
        }

        uint b = 1u << bit;
        if (_aer >= 0)
        {
            int status = _aer + AerCapability.CorrectableStatusOffset;
            _config.Set(status, 4, _config.Read(status, 4) | b);
            if ((_config.Read(_aer + AerCapability.CorrectableMaskOffset, 4) & b) != 0)
            {
                return null;
            }
        }

        SetDeviceStatus(0x1);
        return Signal(AerSeverity.Correctable, reportingBit: 0x1, viaSerr: false);
    }

    /// <summary>
    /// Logs uncorrectable error <paramref name="bit"/> in the AER Uncorrectable Status; the Severity
    /// register makes it fatal or non-fatal. Unless masked: the First Error Pointer names it when no
    /// other unmasked error is logged, DevSta records it, and with reporting enabled (Device Control
    /// or Command.SERR) ERR_NONFATAL/ERR_FATAL is signalled. Returns what was signalled.
    /// </summary>
    public AerSeverity? InjectUncorrectableError(int bit)
    {
        if (_pcie < 0 || (uint)bit > 31)
        {
            return null;
        }

        uint b = 1u << bit;
        bool fatal = (AerCapability.DefaultSeverity & b) != 0;
        if (_aer >= 0)
        {
            int status = _aer + AerCapability.UncorrectableStatusOffset;
            uint mask = _config.Read(_aer + AerCapability.UncorrectableMaskOffset, 4);
            uint logged = _config.Read(status, 4);
            _config.Set(status, 4, logged | b);
            fatal = (_config.Read(_aer + AerCapability.UncorrectableSeverityOffset, 4) & b) != 0;
            if ((mask & b) != 0)
            {
                return null;
            }

            if ((logged & ~mask) == 0)
            {
                int control = _aer + AerCapability.CapabilitiesControlOffset;
                _config.Set(control, 4, (_config.Read(control, 4) & ~0x1Fu) | (uint)bit);
            }
        }

        SetDeviceStatus(fatal ? 0x4u : 0x2u);
        return Signal(fatal ? AerSeverity.Fatal : AerSeverity.NonFatal, reportingBit: fatal ? 0x4u : 0x2u, viaSerr: true);
    }

    private void SetDeviceStatus(uint bits)
    {
        int devsta = _pcie + PciExpressCapability.DeviceStatusOffset;
        _config.Set(devsta, 2, _config.Read(devsta, 2) | bits);
    }

    private AerSeverity? Signal(AerSeverity severity, uint reportingBit, bool viaSerr)
    {
        bool enabled = (_config.Read(_pcie + PciExpressCapability.DeviceControlOffset, 2) & reportingBit) != 0;
        bool serr = viaSerr && (_config.Read(ConfigOffsets.Command, 2) & (uint)PciCommand.SerrEnable) != 0;
        if (!enabled && !serr)
        {
            return null;
        }

        if (serr)
        {
            _config.Set(ConfigOffsets.Status, 2, _config.Read(ConfigOffsets.Status, 2) | (uint)PciStatus.SignaledSystemError);
        }

        Sink.Error(severity);
        return severity;
    }

    // Transactions Pending follows the injected deadline; a reset or ClearFaults ends it.
    private void RefreshTransactionsPending()
    {
        if (!_transactionsPending)
        {
            return;
        }

        bool pending = _clock.Now < _transactionsPendingUntil;
        if (_pcie >= 0)
        {
            int devsta = _pcie + PciExpressCapability.DeviceStatusOffset;
            uint value = _config.Read(devsta, 2) & ~(uint)PciExpressCapability.TransactionsPending;
            _config.Set(devsta, 2, value | (pending ? PciExpressCapability.TransactionsPending : 0u));
        }

        if (_af >= 0)
        {
            uint value = _config.Read(_af + 5, 1) & ~(uint)AdvancedFeaturesCapability.TpCapable;
            _config.Set(_af + 5, 1, value | (pending ? AdvancedFeaturesCapability.TpCapable : 0u));
        }

        _transactionsPending = pending;
    }
}
