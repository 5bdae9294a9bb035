namespace Passage.Store.Persistence;

/// <summary>A domain registered by INTRODUCE: its id, the ring's frame number and event channel as given.</summary>
public sealed record IntroducedDomain(int DomainId, ulong Frame, uint EventChannel);
