namespace Passage.Host.Sim.Runtime;

/// <summary>One documented register of a device model's register map.</summary>
/// <param name="Name">Register name (e.g. <c>DOORBELL</c>).</param>
/// <param name="Bar">BAR index it lives in.</param>
/// <param name="Offset">Offset within the BAR.</param>
/// <param name="Size">Width in bytes.</param>
/// <param name="Access">How software may access it.</param>
/// <param name="Description">What it does.</param>
public sealed record SimRegister(string Name, int Bar, ulong Offset, int Size, SimRegisterAccess Access, string Description);
