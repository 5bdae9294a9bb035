namespace Passage.Host.Inventory;

/// <summary>One reason in an assignability verdict.</summary>
/// <param name="Code">Stable kebab-case code (<see cref="VerdictCodes"/>).</param>
/// <param name="Blocking">Whether it makes the function unassignable (else it is a warning Passage handles).</param>
/// <param name="Message">One sentence for people, naming the functions involved.</param>
public sealed record VerdictReason(string Code, bool Blocking, string Message);
