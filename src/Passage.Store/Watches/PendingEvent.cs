using Passage.Store.Tree;

namespace Passage.Store.Watches;

/// <summary>
/// A change waiting to fire its watches (store.md §6): the changed path, the node's permissions
/// (after the change, or before a deletion), the permissions before a SET_PERMS, and for a
/// removal the nodes removed below the path, deepest first.
/// </summary>
internal sealed record PendingEvent(string Path, NodePermissions Permissions, NodePermissions? OldPermissions = null, Node[]? RemovedBelow = null);
