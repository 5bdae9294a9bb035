namespace Passage.Store.Tests.Support;

/// <summary>A fresh directory under the system temp directory, removed with its contents on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        // Short names: a Unix socket path must fit 108 bytes.
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pst-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind harms nothing.
        }
    }
}
