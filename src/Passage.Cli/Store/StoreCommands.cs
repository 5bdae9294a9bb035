using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Passage.Cli.Json;
using Passage.Store;
using Passage.Store.Client;
using Passage.Store.Engine;
using Passage.Store.Persistence;
using Passage.Store.Server;

namespace Passage.Cli.Store;

/// <summary><c>passage store serve|read|write|ls|rm|mkdir|perms|watch</c>: the XenStore-compatible store and a client for it.</summary>
internal static class StoreCommands
{
    public static Command Build(CliContext context) =>
        new("store", "Serve the XenStore-compatible configuration store on a Unix socket, and read, write, list, remove, create, set permissions on and watch its nodes. Xen's own tools (xenstore-read, xenstore-ls, ...) work against 'passage store serve' with XENSTORED_PATH pointing at its socket.")
        {
            BuildServe(context),
            BuildRead(context),
            BuildWrite(context),
            BuildList(context),
            BuildPathCommand(context, "rm", "Remove nodes and everything below them (a missing node is fine; a missing parent is ENOENT). All paths go in one transaction.", XsOp.Remove),
            BuildPathCommand(context, "mkdir", "Create nodes (and missing parents) with empty values; an existing node keeps its value. All paths go in one transaction.", XsOp.Mkdir),
            BuildPerms(context),
            BuildWatch(context),
        };

    private enum XsOp
    {
        Remove,
        Mkdir,
    }

    private static Option<string?> SocketOption() => new("--socket") { Description = StoreSocket.Help, HelpName = "PATH" };

    private static Command BuildServe(CliContext context)
    {
        var socket = SocketOption();
        socket.Description = "Unix socket to serve on (a stale socket file there is replaced; the new one is mode 0600). Default as for the client commands.";
        var db = new Option<string?>("--db") { Description = "SQLite database holding the committed state (created when missing); every acknowledged write survives the process being killed.", HelpName = "FILE" };
        var memory = new Option<bool>("--memory") { Description = "Keep the store in memory only (tests, benchmarks): nothing survives the process." };
        var keep = new Option<bool>("--keep-released-nodes") { Description = "Keep the nodes of a released domain (xenstored -K); by default RELEASE deletes them." };
        var serve = new Command("serve", "Serve the store until Ctrl-C or SIGTERM. Socket connections speak as the privileged dom0; clients that break the protocol or stop reading are logged on stderr and disconnected.")
        {
            socket, db, memory, keep,
        };
        serve.SetAction(r => context.Run(r, _ => Serve(context, StoreSocket.Resolve(r.GetValue(socket)), r.GetValue(db), r.GetValue(memory), r.GetValue(keep))));
        return serve;
    }

    private static Command BuildRead(CliContext context)
    {
        var socket = SocketOption();
        var paths = new Argument<string[]>("PATH") { Description = "Nodes to read (absolute, or relative to /local/domain/0).", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of one value a line." };
        var read = new Command("read", "Print the values of nodes, one a line, non-printable bytes as \\xNN. All paths are read in one transaction.") { socket, paths, json };
        read.SetAction(r => context.Run(r, output => Read(StoreSocket.Resolve(r.GetValue(socket)), r.GetValue(paths)!, r.GetValue(json), output)));
        return read;
    }

    private static Command BuildWrite(CliContext context)
    {
        var socket = SocketOption();
        var pairs = new Argument<string[]>("PATH VALUE") { Description = "Pairs of node and value; missing parents are created.", Arity = ArgumentArity.OneOrMore };
        var write = new Command("write", "Write values (UTF-8) to nodes. All pairs go in one transaction.") { socket, pairs };
        write.SetAction(r => context.Run(r, _ => Write(StoreSocket.Resolve(r.GetValue(socket)), r.GetValue(pairs)!)));
        return write;
    }

    private static Command BuildList(CliContext context)
    {
        var socket = SocketOption();
        var path = new Argument<string>("PATH") { Description = "Where to start (default /).", DefaultValueFactory = _ => "/" };
        var full = new Option<bool>("--full", "-f") { Description = "Print full paths instead of indented names." };
        var perms = new Option<bool>("--perms", "-p") { Description = "Print each node's permissions." };
        var json = new Option<bool>("--json") { Description = "Print JSON: every node with its full path." };
        var list = new Command("ls", "Print a subtree, one node a line with its value, read in one transaction (a consistent view).") { socket, path, full, perms, json };
        list.SetAction(r => context.Run(r, output => List(StoreSocket.Resolve(r.GetValue(socket)), r.GetValue(path)!, r.GetValue(full), r.GetValue(perms), r.GetValue(json), output)));
        return list;
    }

    private static Command BuildPathCommand(CliContext context, string name, string description, XsOp op)
    {
        var socket = SocketOption();
        var paths = new Argument<string[]>("PATH") { Description = "Nodes (absolute, or relative to /local/domain/0).", Arity = ArgumentArity.OneOrMore };
        var command = new Command(name, description) { socket, paths };
        command.SetAction(r => context.Run(r, _ => Paths(StoreSocket.Resolve(r.GetValue(socket)), r.GetValue(paths)!, op)));
        return command;
    }

    private static Command BuildPerms(CliContext context)
    {
        var socket = SocketOption();
        var path = new Argument<string>("PATH") { Description = "The node." };
        var entries = new Argument<string[]>("PERM") { Description = "New permission list, owner first: <letter><domid> with r (read), w (write), b (both), n (none); the owner's letter applies to unlisted domains. Without any, the current list is printed.", Arity = ArgumentArity.ZeroOrMore };
        var perms = new Command("perms", "Print or set a node's permissions.") { socket, path, entries };
        perms.SetAction(r => context.Run(r, output => Perms(StoreSocket.Resolve(r.GetValue(socket)), r.GetValue(path)!, r.GetValue(entries) ?? [], output)));
        return perms;
    }

    private static Command BuildWatch(CliContext context)
    {
        var socket = SocketOption();
        var path = new Argument<string>("PATH") { Description = "The node to watch; changes at or below it are reported." };
        var count = new Option<int?>("--count", "-n") { Description = "Stop after this many events (the first comes at once, on registration).", HelpName = "N" };
        var watch = new Command("watch", "Print the path of every change at or below a node, one a line, until Ctrl-C or --count events.") { socket, path, count };
        watch.SetAction(r => context.Run(r, output => Watch(context, StoreSocket.Resolve(r.GetValue(socket)), r.GetValue(path)!, r.GetValue(count), output)));
        return watch;
    }

    private static int Serve(CliContext context, string socket, string? db, bool memory, bool keepReleasedNodes)
    {
        if (memory == (db is not null))
        {
            throw new UsageException("choose where the store lives: --db FILE (durable) or --memory");
        }

        IStorePersistence persistence;
        try
        {
            persistence = memory ? new MemoryPersistence() : SqlitePersistence.Open(db!);
        }
        catch (SqlitePersistenceException e)
        {
            throw new CliException(e.Message);
        }

        using var stop = new StopSignal(context.Shutdown);
        using var logging = new StoreLoggerProvider(context.Error);
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logging).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning));
        using var engine = new StoreEngine(persistence, new StoreOptions { KeepReleasedNodes = keepReleasedNodes, Logger = loggers.CreateLogger("store") });
        StoreServer server;
        try
        {
            server = StoreServer.StartAsync(engine, socket, loggerFactory: loggers).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
        {
            throw new CliException($"cannot serve on {socket}: {e.Message}");
        }

        context.Error.WriteLine($"passage: store serving on {socket} ({(memory ? "in memory" : db)}); Ctrl-C stops");
        stop.Token.WaitHandle.WaitOne();
        context.Error.WriteLine("passage: stopping");
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    private static int Read(string socket, string[] paths, bool json, TextWriter output)
    {
        List<byte[]> values = Session(socket, paths[0], client => client.RunTransactionAsync(async tx =>
        {
            var read = new List<byte[]>(paths.Length);
            foreach (string path in paths)
            {
                read.Add(await At(path, tx.ReadAsync(path)));
            }

            return read;
        }));

        if (json)
        {
            List<StoreNodeJson> nodes = [.. paths.Select((p, i) => new StoreNodeJson { Path = p, Value = StoreValueText.Escape(values[i]) })];
            output.WriteLine(JsonSerializer.Serialize(nodes, CliJsonContext.Default.ListStoreNodeJson));
            return 0;
        }

        foreach (byte[] value in values)
        {
            output.WriteLine(StoreValueText.Escape(value));
        }

        return 0;
    }

    private static int Write(string socket, string[] pairs)
    {
        if (pairs.Length % 2 != 0)
        {
            throw new UsageException($"write takes pairs of PATH VALUE; '{pairs[^1]}' has no value");
        }

        Session(socket, pairs[0], client => client.RunTransactionAsync(async tx =>
        {
            for (int i = 0; i < pairs.Length; i += 2)
            {
                await At(pairs[i], tx.WriteAsync(pairs[i], Encoding.UTF8.GetBytes(pairs[i + 1])));
            }

            return true;
        }));
        return 0;
    }

    private static int Paths(string socket, string[] paths, XsOp op)
    {
        Session(socket, paths[0], client => client.RunTransactionAsync(async tx =>
        {
            foreach (string path in paths)
            {
                await At(path, op == XsOp.Remove ? tx.RemoveAsync(path) : tx.MkdirAsync(path));
            }

            return true;
        }));
        return 0;
    }

    private static int Perms(string socket, string path, string[] entries, TextWriter output)
    {
        if (entries.Length > 0)
        {
            Session(socket, path, async client =>
            {
                await client.SetPermissionsAsync(path, entries);
                return true;
            });
            return 0;
        }

        IReadOnlyList<string> perms = Session(socket, path, client => client.GetPermissionsAsync(path));
        output.WriteLine(string.Join(' ', perms));
        return 0;
    }

    private static int List(string socket, string root, bool full, bool perms, bool json, TextWriter output)
    {
        List<StoreTreeNode> nodes = Session(socket, root, client => client.RunTransactionAsync(tx => StoreTreeNode.ReadSubtreeAsync(tx, root, perms)));
        if (json)
        {
            List<StoreNodeJson> rows = [.. nodes.Select(n => new StoreNodeJson { Path = n.Path, Value = StoreValueText.Escape(n.Value), Permissions = n.Permissions is null ? null : [.. n.Permissions] })];
            output.WriteLine(JsonSerializer.Serialize(rows, CliJsonContext.Default.ListStoreNodeJson));
            return 0;
        }

        StoreTreeNode.Write(output, nodes, full);
        return 0;
    }

    private static int Watch(CliContext context, string socket, string path, int? count, TextWriter output)
    {
        if (count is <= 0)
        {
            throw new UsageException($"--count must be at least 1, not {count}");
        }

        using var stop = new StopSignal(context.Shutdown);
        return Session(socket, path, async client =>
        {
            const string Token = "passage";
            await client.WatchAsync(path, Token, stop.Token);
            int seen = 0;
            try
            {
                await foreach (WatchEvent e in client.WatchEventsAsync(stop.Token))
                {
                    if (e.Token != Token)
                    {
                        continue;
                    }

                    output.WriteLine(e.Path);
                    output.Flush();
                    if (++seen == count)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
            {
                // Ctrl-C: a normal end.
            }

            return 0;
        });
    }

    /// <summary>Names <paramref name="path"/> in the error of a request about it.</summary>
    private static async Task<T> At<T>(string path, Task<T> request)
    {
        try
        {
            return await request;
        }
        catch (StoreException e) when (e.Error != StoreError.EAGAIN)
        {
            throw new CliException($"{path}: {StoreErrorText.Describe(e.Error)}");
        }
    }

    private static Task<bool> At(string path, Task request) => At(path, AsBool(request));

    private static async Task<bool> AsBool(Task request)
    {
        await request;
        return true;
    }

    /// <summary>Connects, runs <paramref name="body"/>, and turns store and connection failures into one line naming <paramref name="subject"/>.</summary>
    private static T Session<T>(string socket, string subject, Func<StoreClient, Task<T>> body)
    {
        return Run().GetAwaiter().GetResult();

        async Task<T> Run()
        {
            StoreClient client;
            try
            {
                client = await StoreClient.ConnectAsync(socket);
            }
            catch (SocketException e)
            {
                throw new CliException($"cannot connect to the store at {socket}: {e.Message}");
            }

            await using (client)
            {
                try
                {
                    return await body(client);
                }
                catch (StoreException e)
                {
                    throw new CliException($"{subject}: {StoreErrorText.Describe(e.Error)}");
                }
                catch (StoreConnectionLostException e)
                {
                    throw new CliException($"the store at {socket} closed the connection: {e.Message}");
                }
            }
        }
    }
}
