namespace Passage.Host.Devices;

/// <summary><c>VFIO_IRQ_SET_*</c>: exactly one DATA and one ACTION bit (host-device.md §4).</summary>
[Flags]
public enum IrqSetFlags : uint
{
    /// <summary>No bit.</summary>
    None = 0,

    /// <summary>No payload.</summary>
    DataNone = 1,

    /// <summary>One byte per IRQ.</summary>
    DataBool = 2,

    /// <summary>One int32 eventfd per IRQ (−1 = unwired).</summary>
    DataEventfd = 4,

    /// <summary>Mask (user → kernel control).</summary>
    ActionMask = 8,

    /// <summary>Unmask (user → kernel control).</summary>
    ActionUnmask = 0x10,

    /// <summary>Trigger: device → user signalling.</summary>
    ActionTrigger = 0x20,

    /// <summary>All DATA bits.</summary>
    DataMask = DataNone | DataBool | DataEventfd,

    /// <summary>All ACTION bits.</summary>
    ActionMaskAll = ActionMask | ActionUnmask | ActionTrigger,
}
