namespace Passage.Cli.Json;

/// <summary><c>passage pci bind|unbind --json</c>: what a driver (re)binding did.</summary>
internal sealed class DriverBindingJson
{
    public string Address { get; set; } = string.Empty;

    public string? PreviousDriver { get; set; }

    public string? NewDriver { get; set; }

    public bool Changed { get; set; }
}
