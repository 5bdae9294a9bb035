namespace Passage.Store.Client;

/// <summary>A watch fired (store.md §6): <paramref name="Path"/> changed (relative for a relative watch); <paramref name="Token"/> is the watch's token.</summary>
public readonly record struct WatchEvent(string Path, string Token);
