using Passage.Store.Engine;

namespace Passage.Store.Tests.Support;

/// <summary>An engine over a recording persistence, with dom0 connected.</summary>
internal sealed class StoreFixture : IDisposable
{
    public StoreFixture(StoreOptions? options = null)
    {
        Persistence = new RecordingPersistence();
        Engine = new StoreEngine(Persistence, options);
        Dom0 = new TestClient(Engine, 0);
    }

    public RecordingPersistence Persistence { get; }

    public StoreEngine Engine { get; }

    public TestClient Dom0 { get; }

    public TestClient Connect(int domainId) => new(Engine, domainId);

    /// <summary>Creates <c>/local/domain/&lt;domid&gt;</c> owned by the domain, as a toolstack does.</summary>
    public void MakeHome(int domainId)
    {
        string home = $"/local/domain/{domainId}";
        Assert.Equal(StoreError.None, Dom0.Mkdir(home));
        Assert.Equal(StoreError.None, Dom0.SetPerms(home, $"n{domainId}"));
    }

    public void Dispose() => Engine.Dispose();
}
