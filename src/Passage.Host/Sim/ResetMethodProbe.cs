using Passage.Pci.Decoding;

namespace Passage.Host.Sim;

/// <summary>
/// Decides which reset methods Linux would enable for a simulated function, in the kernel's
/// order (lifecycle.md §1), from its config space and position — what <c>reset_method</c> shows.
/// </summary>
public static class ResetMethodProbe
{
    /// <summary>Probes the methods for one function.</summary>
    /// <param name="decoded">The function's decoded config space.</param>
    /// <param name="noPmResetQuirk">The device is quirked <c>NO_PM_RESET</c>.</param>
    /// <param name="onRootBus">The function sits on a root bus (no parent bridge to reset it).</param>
    /// <param name="aloneOnBus">No other function shares its bus.</param>
    public static IReadOnlyList<string> Probe(DecodedFunction decoded, bool noPmResetQuirk, bool onRootBus, bool aloneOnBus)
    {
        var methods = new List<string>();
        if (decoded.Pcie is { IsFlrCapable: true })
        {
            methods.Add("flr");
        }

        if (decoded.AdvancedFeatures is { SupportsFlr: true })
        {
            methods.Add("af_flr");
        }

        if (decoded.PowerManagement is { NoSoftResetSet: false, PowerState: 0 } && !noPmResetQuirk)
        {
            methods.Add("pm");
        }

        // Linux's parent-bus reset: only when the function is alone on a non-root bus and is no bridge.
        if (!onRootBus && aloneOnBus && !decoded.IsBridge)
        {
            methods.Add("bus");
        }

        return methods;
    }
}
