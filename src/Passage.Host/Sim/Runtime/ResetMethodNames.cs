namespace Passage.Host.Sim.Runtime;

/// <summary>Reset method names as Linux's <c>reset_method</c> spells them (lifecycle.md §1).</summary>
public static class ResetMethodNames
{
    /// <summary>PCIe Function Level Reset through Device Control.</summary>
    public const string Flr = "flr";

    /// <summary>FLR through the Advanced Features capability.</summary>
    public const string AfFlr = "af_flr";

    /// <summary>D3hot → D0 transition with No_Soft_Reset clear.</summary>
    public const string Pm = "pm";

    /// <summary>Secondary bus reset through the parent bridge.</summary>
    public const string Bus = "bus";
}
