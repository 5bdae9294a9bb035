namespace Passage.VfioUser.Tests.Transport;

/// <summary>A fresh directory under /tmp for socket files (short paths: sockaddr_un holds 107 bytes), removed at the end.</summary>
internal sealed class TempSocketDirectory : IDisposable
{
    public TempSocketDirectory() =>
        Root = Directory.CreateDirectory(System.IO.Path.Combine("/tmp", "passage-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    public string Root { get; }

    public string Path(string name) => System.IO.Path.Combine(Root, name);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
