using Passage.Host.Devices;
using Passage.Pci;
using Passage.Pci.Capabilities;

namespace Passage.Host.Sim.Runtime;

/// <summary>
/// Resets. <see cref="Reset(string)"/> runs one of the function's enabled methods as Linux's
/// <c>__pci_reset_function_locked</c> does — no save and restore: the function comes back at its
/// power-on state (sticky AER bits kept) — and charges every wait to the clock.
/// </summary>
public sealed partial class SimFunction
{
    private TimeSpan _readyAt;
    private bool _heldInReset;
    private int _powerState;

    /// <summary>Resets the function went through (any method); survives resets.</summary>
    public long ResetsPerformed { get; private set; }

    /// <summary>Runs the first enabled reset method (<c>pci_reset_function</c>).</summary>
    /// <exception cref="HostDeviceException">ENOTTY: the function has no reset method.</exception>
    public SimResetResult Reset()
    {
        if (Function.ResetMethods.Count == 0)
        {
            throw new HostDeviceException(Errno.ENOTTY, $"{Address}: no reset method");
        }

        return Reset(Function.ResetMethods[0]);
    }

    /// <summary>
    /// Runs reset method <paramref name="method"/> (<c>flr</c>, <c>af_flr</c>, <c>pm</c>, <c>bus</c>), waiting as
    /// Linux does: FLR and AF FLR check Transactions Pending at 0, +100, +200, +400 ms, then wait
    /// 100 ms; PM waits 10 ms in D3hot and 10 ms after D0; bus holds SBR 2 ms and waits 100 ms.
    /// Then readiness polling (1, 2, 4 … ms) until the function answers or the next back-off would
    /// pass 60 s.
    /// </summary>
    /// <exception cref="HostDeviceException">ENOTTY: the method is not enabled for this function; EINVAL: PM reset outside D0.</exception>
    public SimResetResult Reset(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (!Function.ResetMethods.Contains(method))
        {
            throw new HostDeviceException(Errno.ENOTTY, $"{Address}: reset method '{method}' is not supported");
        }

        TimeSpan start = _clock.Now;
        switch (method)
        {
            case ResetMethodNames.Flr:
                WaitForPendingTransactions(_pcie + PciExpressCapability.DeviceStatusOffset, PciExpressCapability.TransactionsPending);
                WriteConfig(_pcie + PciExpressCapability.DeviceControlOffset, 2, _config.Read(_pcie + PciExpressCapability.DeviceControlOffset, 2) | PciExpressCapability.InitiateFlr);
                break;
            case ResetMethodNames.AfFlr:
                WaitForPendingTransactions(_af + 5, AdvancedFeaturesCapability.TpCapable);
                WriteConfig(_af + AdvancedFeaturesCapability.ControlOffset, 1, 1);
                break;
            case ResetMethodNames.Pm:
                if (PowerState != 0)
                {
                    throw new HostDeviceException(Errno.EINVAL, $"{Address}: PM reset needs the function in D0");
                }

                SetPowerState(3);
                SetPowerState(0);
                break;
            case ResetMethodNames.Bus:
                if (Host is null || Function.Parent is not { } parent)
                {
                    throw new HostDeviceException(Errno.ENOTTY, $"{Address}: no parent bridge to reset");
                }

                return Host.SecondaryBusReset(parent);
            default:
                throw new HostDeviceException(Errno.ENOTTY, $"{Address}: reset method '{method}' is not simulated");
        }

        // With Immediate Readiness the function answers at once: no sleep, no polling.
        bool immediate = (_config.Read(ConfigOffsets.Status, 2) & (uint)PciStatus.ImmediateReadiness) != 0 && !IsDead;
        if (method is ResetMethodNames.Flr or ResetMethodNames.AfFlr && !immediate)
        {
            _clock.Advance(ResetTimings.FlrWait);
        }

        bool ready = immediate || WaitUntilReady();
        return new SimResetResult(method, _clock.Now - start, [Address], ready);
    }

    /// <summary>Moves the function to power state <paramref name="state"/> through PMCSR, charging the D3hot delay when D3hot is entered or left.</summary>
    /// <exception cref="HostDeviceException">ENOTTY: the function has no Power Management capability; EINVAL: state is not 0–3.</exception>
    public void SetPowerState(int state)
    {
        if (_pm < 0)
        {
            throw new HostDeviceException(Errno.ENOTTY, $"{Address}: no Power Management capability");
        }

        if (state is < 0 or > 3)
        {
            throw new HostDeviceException(Errno.EINVAL, $"{Address}: power state D{state} does not exist");
        }

        int pmcsr = _pm + PowerManagementCapability.ControlStatusOffset;
        int old = PowerState;
        // PME_Status is write-1-to-clear: leave it alone.
        uint value = (_config.Read(pmcsr, 2) & ~(uint)(PowerManagementCapability.PowerStateMask | PowerManagementCapability.PmeStatus)) | (uint)state;
        WriteConfig(pmcsr, 2, value);
        if (old == 3 || state == 3)
        {
            _clock.Advance(ResetTimings.D3HotDelay);
        }
    }

    /// <summary>
    /// Readiness polling as Linux's <c>pci_dev_wait</c>: check, sleep 1, 2, 4 … ms, give up when the
    /// next back-off would exceed 60 000 ms. Returns whether the function answered.
    /// </summary>
    internal bool WaitUntilReady()
    {
        int delay = 1;
        while (!IsReady)
        {
            if (delay > ResetTimings.ReadinessTimeout.TotalMilliseconds)
            {
                return false;
            }

            _clock.Advance(TimeSpan.FromMilliseconds(delay));
            delay *= 2;
        }

        return true;
    }

    /// <summary>Holds the function in reset (its bridge asserted Secondary Bus Reset): it reads all ones.</summary>
    internal void HoldInReset()
    {
        _heldInReset = true;
        UpdateIntxLine();
    }

    /// <summary>Releases a bus reset: power-on state, a dead function revived, ready after <paramref name="wait"/>.</summary>
    internal void ReleaseFromBusReset(TimeSpan wait)
    {
        _heldInReset = false;
        IsDead = false;
        ReturnToPowerOn(keepMsix: false);
        ScheduleReady(wait);
    }

    // Checks at 0, +100, +200, +400 ms; after the last, the reset proceeds anyway.
    private void WaitForPendingTransactions(int offset, uint bit)
    {
        for (int check = 0; check < ResetTimings.PendingChecks; check++)
        {
            if (check > 0)
            {
                _clock.Advance(ResetTimings.PendingCheckStep * (1 << (check - 1)));
            }

            RefreshTransactionsPending();
            if ((_config.Read(offset, 1) & bit) == 0)
            {
                return;
            }
        }
    }

    private void FunctionReset(bool functionLevel, TimeSpan wait)
    {
        ReturnToPowerOn(keepMsix: functionLevel && _msixSurvivesFlr && _msix >= 0);
        if (_dieOnNextReset)
        {
            _dieOnNextReset = false;
            IsDead = true;
        }

        ScheduleReady(wait);
    }

    private void PowerStateChanged()
    {
        int state = PowerState;
        int old = _powerState;
        PowerManagementCapability pm = Function.Decoded.PowerManagement!;
        if ((state == 1 && !pm.D1Support) || (state == 2 && !pm.D2Support))
        {
            // An unsupported state is not entered; the field keeps the current one.
            int pmcsr = _pm + PowerManagementCapability.ControlStatusOffset;
            _config.Set(pmcsr, 2, (_config.Read(pmcsr, 2) & ~(uint)PowerManagementCapability.PowerStateMask) | (uint)old);
            return;
        }

        _powerState = state;
        // D3hot → D0 resets the function unless No_Soft_Reset says it keeps its state.
        if (old == 3 && state == 0 && !_noSoftReset)
        {
            FunctionReset(functionLevel: false, ResetTimings.D3HotDelay);
        }
    }

    private void ScheduleReady(TimeSpan wait)
    {
        TimeSpan extra = _stayInResetFor;
        _readyAt = extra == TimeSpan.MaxValue || TimeSpan.MaxValue - _clock.Now - wait < extra
            ? TimeSpan.MaxValue
            : _clock.Now + wait + extra;
        UpdateIntxLine();
    }

    private void ReturnToPowerOn(bool keepMsix)
    {
        uint msixControl = MsixControl;
        ulong[]? table = keepMsix ? SaveMsixTable() : null;
        ulong[]? pba = keepMsix ? (ulong[])_pba.Clone() : null;

        _config.Reset();
        foreach (BarStorage? bar in _bars)
        {
            bar?.Clear();
        }

        ResetMsixTable();
        if (table is not null && pba is not null)
        {
            RestoreMsixTable(table);
            pba.CopyTo(_pba, 0);
            _config.Set(_msix + MsixCapability.ControlOffset, 2, (_config.Read(_msix + MsixCapability.ControlOffset, 2) & ~(uint)(MsixCapability.Enable | MsixCapability.FunctionMask))
                | (msixControl & (MsixCapability.Enable | MsixCapability.FunctionMask)));
        }

        _transactionsPendingUntil = TimeSpan.Zero;
        _powerState = PowerState;
        ResetsPerformed++;
    }

    private ulong[] SaveMsixTable()
    {
        var saved = new ulong[_msixVectors * 2];
        BarStorage table = _bars[_msixTableBar]!;
        for (int i = 0; i < saved.Length; i++)
        {
            ulong offset = _msixTableOffset + ((ulong)i * 8);
            saved[i] = offset + 8 <= table.Length ? table.Read(offset, 8) : 0;
        }

        return saved;
    }

    private void RestoreMsixTable(ulong[] saved)
    {
        BarStorage table = _bars[_msixTableBar]!;
        for (int i = 0; i < saved.Length; i++)
        {
            ulong offset = _msixTableOffset + ((ulong)i * 8);
            if (offset + 8 <= table.Length)
            {
                table.Write(offset, 8, saved[i]);
            }
        }
    }
}
