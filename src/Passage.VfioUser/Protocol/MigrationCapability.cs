namespace Passage.VfioUser.Protocol;

/// <summary>libvfio-user's <c>migration</c> capability (vfio-user.md §3).</summary>
/// <param name="PgSize">The dirty-tracking page size.</param>
public sealed record MigrationCapability(ulong PgSize);
