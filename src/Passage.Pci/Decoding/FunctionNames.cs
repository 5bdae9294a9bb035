namespace Passage.Pci.Decoding;

/// <summary>Human names for a function's class and IDs; unknown names are null and print as numbers.</summary>
/// <param name="ClassName">Class name (always known: built-in table or pci.ids).</param>
/// <param name="VendorName">Vendor name, if known.</param>
/// <param name="DeviceName">Device name, if known.</param>
/// <param name="SubsystemName">Subsystem name, if known.</param>
public sealed record FunctionNames(string ClassName, string? VendorName, string? DeviceName, string? SubsystemName);
