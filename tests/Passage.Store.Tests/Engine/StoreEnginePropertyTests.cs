using CsCheck;
using Passage.Store.Engine;
using Passage.Store.Persistence;
using Passage.Store.Tests.Support;

namespace Passage.Store.Tests.Engine;

/// <summary>Random operation sequences: applied directly or each inside its own transaction, the store ends the same.</summary>
public sealed class StoreEnginePropertyTests
{
    private static readonly string[] Paths = ["/a", "/a/b", "/a/b/c", "/a/d", "/e", "/e/f"];

    private static readonly Gen<Op> GenOp =
        Gen.Select(Gen.Int[0, 3], Gen.OneOf<string>(Paths), Gen.OneOf<string>("", "v", "w\u0000x"), Gen.OneOf<string>("n0", "b0", "r0"))
            .Select((kind, path, value, perm) => new Op(kind, path, value, perm));

    [Fact]
    public void Operations_DirectOrOnePerTransaction_SameTreeAndReplies()
    {
        GenOp.Array[1, 25].Sample(ops =>
        {
            using var direct = new StoreEngine(new MemoryPersistence());
            using var transactional = new StoreEngine(new MemoryPersistence());
            using var a = new TestClient(direct, 0);
            using var b = new TestClient(transactional, 0);

            foreach (Op op in ops)
            {
                StoreError expected = op.Apply(a, 0);
                uint tx = b.Start();
                StoreError actual = op.Apply(b, tx);
                Assert.Equal(expected, actual);
                Assert.Equal(StoreError.None, b.Commit(tx));
            }

            Assert.Equal(TreeDump.Of(direct, withGenerations: false), TreeDump.Of(transactional, withGenerations: false));
            Assert.Equal(0, transactional.Tree.VersionedPaths);
        }, iter: 300);
    }

    private sealed record Op(int Kind, string Path, string Value, string Perm)
    {
        public StoreError Apply(TestClient client, uint tx) => Kind switch
        {
            0 => client.TryWrite(Path, Value, tx),
            1 => client.Mkdir(Path, tx),
            2 => client.Rm(Path, tx),
            _ => client.SetPermsIn(tx, Path, Perm),
        };

        public override string ToString() => $"{Kind}:{Path}:{Value.Replace('\0', '0')}:{Perm}";
    }
}
