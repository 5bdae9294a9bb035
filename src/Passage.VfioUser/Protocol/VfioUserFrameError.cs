using Passage.Host.Devices;

namespace Passage.VfioUser.Protocol;

/// <summary>A refused frame: why, and what to do about it.</summary>
/// <param name="Fault">Why the frame was refused.</param>
/// <param name="Action">Answer with <paramref name="Errno"/> (the frame is consumed whole) or close.</param>
/// <param name="Errno">The errno of the failure reply; <see cref="Errno.None"/> when closing.</param>
public readonly record struct VfioUserFrameError(VfioUserFrameFault Fault, VfioUserFrameAction Action, Errno Errno)
{
    /// <summary>No error.</summary>
    public static VfioUserFrameError None => default;

    internal static VfioUserFrameError Close(VfioUserFrameFault fault) => new(fault, VfioUserFrameAction.Close, Errno.None);

    internal static VfioUserFrameError Reply(VfioUserFrameFault fault, Errno errno) => new(fault, VfioUserFrameAction.ReplyWithError, errno);
}
