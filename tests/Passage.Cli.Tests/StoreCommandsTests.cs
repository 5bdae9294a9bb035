using System.Text.Json;

namespace Passage.Cli.Tests;

public sealed class StoreCommandsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("passage-cli-store-").FullName;

    private string Socket => Path.Combine(_directory, "socket");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Serve_NeitherDbNorMemory_UsageErrorExit2()
    {
        (int code, _, string err) = CliRunner.Run("store", "serve", "--socket", Socket);

        Assert.Equal(2, code);
        Assert.Equal("passage: choose where the store lives: --db FILE (durable) or --memory\n", err);
        Assert.False(File.Exists(Socket));
    }

    [Fact]
    public void Serve_DbThatIsNotADatabase_OneLineExit1AndFileKept()
    {
        string db = Path.Combine(_directory, "notes.txt");
        File.WriteAllText(db, "not a database, and it must survive\n" + new string('x', 8192));

        (int code, _, string err) = CliRunner.Run("store", "serve", "--socket", Socket, "--db", db);

        Assert.Equal(1, code);
        Assert.StartsWith("passage: ", err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("not a database, and it must survive\n", File.ReadAllText(db), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NothingListening_OneLineExit1()
    {
        (int code, _, string err) = CliRunner.Run("store", "read", "--socket", Socket, "/a");

        Assert.Equal(1, code);
        Assert.StartsWith($"passage: cannot connect to the store at {Socket}: ", err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Write_PathWithoutValue_UsageErrorExit2()
    {
        (int code, _, string err) = CliRunner.Run("store", "write", "--socket", Socket, "/a", "1", "/b");

        Assert.Equal(2, code);
        Assert.Equal("passage: write takes pairs of PATH VALUE; '/b' has no value\n", err);
    }

    [Fact]
    public void Commands_AgainstServedStore_WriteReadListPermsRemove()
    {
        WithServer(() =>
        {
            Assert.Equal(0, CliRunner.Run("store", "write", "--socket", Socket, "/vm/name", "guest one", "/vm/raw", "a\\b").Code);
            Assert.Equal(0, CliRunner.Run("store", "mkdir", "--socket", Socket, "/vm/empty").Code);
            Assert.Equal(0, CliRunner.Run("store", "perms", "--socket", Socket, "/vm/name", "n0", "r5").Code);

            (int read, string values, _) = CliRunner.Run("store", "read", "--socket", Socket, "/vm/name", "/vm/raw", "/vm/empty");
            (int list, string tree, _) = CliRunner.Run("store", "ls", "--socket", Socket, "-p", "/vm");
            (int full, string paths, _) = CliRunner.Run("store", "ls", "--socket", Socket, "--full", "/vm");
            (int perms, string permList, _) = CliRunner.Run("store", "perms", "--socket", Socket, "/vm/name");
            (int json, string jsonText, _) = CliRunner.Run("store", "ls", "--socket", Socket, "--json", "/vm");
            (int missing, _, string missingErr) = CliRunner.Run("store", "read", "--socket", Socket, "/vm/nope");
            (int rm, _, _) = CliRunner.Run("store", "rm", "--socket", Socket, "/vm");
            (int gone, _, _) = CliRunner.Run("store", "read", "--socket", Socket, "/vm/name");

            Assert.Equal(0, read);
            Assert.Equal("guest one\na\\\\b\n\n", values);
            Assert.Equal(0, list);
            Assert.Equal("name = \"guest one\"  (n0,r5)\nraw = \"a\\\\b\"  (n0)\nempty = \"\"  (n0)\n", tree);
            Assert.Equal(0, full);
            Assert.Equal("/vm/name = \"guest one\"\n/vm/raw = \"a\\\\b\"\n/vm/empty = \"\"\n", paths);
            Assert.Equal(0, perms);
            Assert.Equal("n0 r5\n", permList);
            Assert.Equal(0, json);
            using (JsonDocument doc = JsonDocument.Parse(jsonText))
            {
                Assert.Equal(["/vm/name", "/vm/raw", "/vm/empty"], doc.RootElement.EnumerateArray().Select(e => e.GetProperty("path").GetString()));
                Assert.Equal("guest one", doc.RootElement[0].GetProperty("value").GetString());
            }

            Assert.Equal(1, missing);
            Assert.Equal("passage: /vm/nope: no such node (ENOENT)\n", missingErr);
            Assert.Equal(0, rm);
            Assert.Equal(1, gone);
        });
    }

    [Fact]
    public void Watch_CountTwo_PrintsRegistrationThenTheChange()
    {
        WithServer(() =>
        {
            Task<(int Code, string Out, string Err)> watching = Task.Run(() => CliRunner.Run("store", "watch", "--socket", Socket, "--count", "2", "/w"), TestContext.Current.CancellationToken);

            // Keep writing until the watch has seen a change: its registration may come after the first write.
            DateTime deadline = DateTime.UtcNow + Patience;
            while (!watching.IsCompleted)
            {
                Assert.Equal(0, CliRunner.Run("store", "write", "--socket", Socket, "/w/x", "1").Code);
                Assert.True(DateTime.UtcNow < deadline, "the watch never reported a change");
                Thread.Sleep(20);
            }

            (int code, string output, _) = watching.Result;
            Assert.Equal(0, code);
            string[] lines = output.TrimEnd('\n').Split('\n');
            Assert.Equal(["/w", "/w/x"], lines);
        });
    }

    private void WithServer(Action body)
    {
        using var shutdown = new CancellationTokenSource();
        var log = new LiveLog();
        Task<int> serving = Task.Run(
            () => CliRunner.RunWithWriters(TextWriter.Null, log, shutdown.Token, "store", "serve", "--socket", Socket, "--db", Path.Combine(_directory, "store.db")),
            TestContext.Current.CancellationToken);
        DateTime deadline = DateTime.UtcNow + Patience;
        while (!log.ToString().Contains("store serving on", StringComparison.Ordinal))
        {
            Assert.False(serving.IsCompleted, $"the server ended early: {log}");
            Assert.True(DateTime.UtcNow < deadline, "the server never listened");
            Thread.Sleep(10);
        }

        try
        {
            body();
        }
        finally
        {
            shutdown.Cancel();
            Assert.True(serving.Wait(Patience, TestContext.Current.CancellationToken), "the server did not stop");
        }

        Assert.Equal(0, serving.Result);
        Assert.False(File.Exists(Socket));
    }
}
