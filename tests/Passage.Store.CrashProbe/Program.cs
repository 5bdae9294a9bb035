using System.Globalization;
using System.Text;
using Passage.Store.Persistence;

// Appends change sets to a store database from several threads until it is killed, printing
// "acked N" once set N is durable. Set N writes /sets/N/0 … /sets/N/<K-1> and /last, all with
// the value N, at generation N; numbering continues from the generation found on open, so the
// database always holds sets 1 … M for some M. (Parents' child lists are not kept: the
// persistence stores rows as given.)
// Usage: Passage.Store.CrashProbe <database> [threads] [nodes per set]
if (args.Length is < 1 or > 3)
{
    Console.Error.WriteLine("usage: Passage.Store.CrashProbe <database> [threads] [nodes per set]");
    return 2;
}

int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
int nodesPerSet = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;

using SqlitePersistence persistence = SqlitePersistence.Open(args[0]);
long next = (long)persistence.Load().Generation;
var order = new object();

async Task AppendForeverAsync()
{
    while (true)
    {
        long number;
        long ticket;
        lock (order)
        {
            // Numbers and tickets in the same order, as the engine appends under its lock.
            number = ++next;
            ticket = persistence.Append(SetNumbered(number));
        }

        await persistence.WaitDurableAsync(ticket);
        Console.Out.WriteLine($"acked {number}");
    }
}

StoreChangeSet SetNumbered(long number)
{
    byte[] value = Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture));
    var upserts = new PersistedNode[nodesPerSet + 1];
    for (int i = 0; i < nodesPerSet; i++)
    {
        upserts[i] = new PersistedNode($"/sets/{number}/{i}", value, "n0", [], (ulong)number);
    }

    upserts[nodesPerSet] = new PersistedNode("/last", value, "n0", [], (ulong)number);
    return new StoreChangeSet(upserts, [], (ulong)number);
}

await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Run(AppendForeverAsync)));
return 0;
