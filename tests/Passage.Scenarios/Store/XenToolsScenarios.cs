using Passage.Scenarios.Harness;

namespace Passage.Scenarios.Store;

/// <summary>Xen's own clients (xenstore-utils, libxenstore) against <c>passage store serve</c>, unchanged.</summary>
public sealed class XenToolsScenarios : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("passage-xs-").FullName;
    private readonly PassageProcess? _server;

    public XenToolsScenarios()
    {
        if (XenstoreTools.Unavailable is null)
        {
            _server = PassageProcess.Start("store", "serve", "--socket", Socket, "--db", Path.Combine(_directory, "store.db"));
            _server.WaitForError("store serving on", Patience);
        }
    }

    private string Socket => Path.Combine(_directory, "socket");

    public void Dispose()
    {
        _server?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void XenstoreWriteRead_Values_RoundTripExactly()
    {
        SkipWithoutTools();

        (int write, _, string writeError) = XenstoreTools.Run(Socket, "xenstore-write", "/a/b", "v1", "/a/c", "two words");
        (int read, string values, _) = XenstoreTools.Run(Socket, "xenstore-read", "/a/b", "/a/c");

        Assert.True(write == 0, writeError);
        Assert.Equal(0, read);
        Assert.Equal("v1\ntwo words\n", values);
    }

    [Fact]
    public void XenstoreLs_FullPathsAndPermissions_ShowsTheTreeInInsertionOrder()
    {
        SkipWithoutTools();
        Assert.Equal(0, XenstoreTools.Run(Socket, "xenstore-write", "/vm/z", "1", "/vm/a", "2").Code);

        (int code, string listing, _) = XenstoreTools.Run(Socket, "xenstore-ls", "-f", "-p", "/vm");

        Assert.Equal(0, code);
        string[] lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^/vm/z = ""1"" +\(n0\)$", lines[0]);
        Assert.Matches(@"^/vm/a = ""2"" +\(n0\)$", lines[1]);
    }

    [Fact]
    public void XenstoreRm_Subtree_GoneForXenstoreRead()
    {
        SkipWithoutTools();
        Assert.Equal(0, XenstoreTools.Run(Socket, "xenstore-write", "/gone/x/y", "1").Code);

        int rm = XenstoreTools.Run(Socket, "xenstore-rm", "/gone").Code;
        (int read, _, _) = XenstoreTools.Run(Socket, "xenstore-read", "/gone/x/y");
        (int list, string top, _) = XenstoreTools.Run(Socket, "xenstore-list", "/");

        Assert.Equal(0, rm);
        Assert.NotEqual(0, read);
        Assert.Equal(0, list);
        Assert.DoesNotContain("gone", top.Split('\n'));
    }

    [Fact]
    public async Task XenstoreWatch_WriteBelowThePath_ReportsInitialEventThenTheChange()
    {
        SkipWithoutTools();
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        patience.CancelAfter(Patience);
        using System.Diagnostics.Process watch = XenstoreTools.Start(Socket, "xenstore-watch", "-n", "2", "/w");

        // The first line is the registration event; only then is the watch known to be in place.
        string? first = await watch.StandardOutput.ReadLineAsync(patience.Token);
        Assert.Equal(0, XenstoreTools.Run(Socket, "xenstore-write", "/w/x", "1").Code);
        string rest = await watch.StandardOutput.ReadToEndAsync(patience.Token);
        await watch.WaitForExitAsync(patience.Token);

        Assert.Equal("/w", first);
        Assert.Equal("/w/x\n", rest);
        Assert.Equal(0, watch.ExitCode);
    }

    [Fact]
    public void PassageStoreRead_WhatXenstoreWriteWrote_SameBytes()
    {
        SkipWithoutTools();
        Assert.Equal(0, XenstoreTools.Run(Socket, "xenstore-write", "/mixed/k", "from-xen").Code);

        (int code, string output, _) = PassageProcess.Run(Patience, "store", "read", "--socket", Socket, "/mixed/k");

        Assert.Equal(0, code);
        Assert.Equal("from-xen", output);
    }

    private static void SkipWithoutTools()
    {
        if (XenstoreTools.Unavailable is { } reason)
        {
            Assert.Skip(reason);
        }
    }
}
