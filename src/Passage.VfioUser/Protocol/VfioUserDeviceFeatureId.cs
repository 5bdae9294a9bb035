namespace Passage.VfioUser.Protocol;

/// <summary>DEVICE_FEATURE feature numbers (vfio-user.md §4 notes); Passage answers all of them with ENOTTY. Wire numbers: frozen.</summary>
public enum VfioUserDeviceFeatureId : ushort
{
    /// <summary>Migration support flags (GET: u64, STOP_COPY 1, P2P 2, PRE_COPY 4).</summary>
    Migration = 1,

    /// <summary>Migration device state (<c>{u32 state, u32 data_fd}</c>).</summary>
    MigDeviceState = 2,

    /// <summary>Starts dirty-page logging over ranges.</summary>
    DmaLoggingStart = 6,

    /// <summary>Stops dirty-page logging.</summary>
    DmaLoggingStop = 7,

    /// <summary>Reports a range's dirty bitmap.</summary>
    DmaLoggingReport = 8,
}
