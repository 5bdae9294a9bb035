namespace Passage.Vpci.Interrupts;

/// <summary>A message-signalled interrupt as the guest programmed it: a 64-bit address and 32-bit data.</summary>
/// <param name="Address">Where the message is written.</param>
/// <param name="Data">What is written (4 bytes).</param>
public readonly record struct MsiMessage(ulong Address, uint Data);
