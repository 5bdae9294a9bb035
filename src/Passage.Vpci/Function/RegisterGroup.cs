using Passage.Vpci.Config;

namespace Passage.Vpci.Function;

/// <summary>
/// The registers one capability adds to the dispatcher, so a capability whose init fails part-way
/// (an overlap in a malformed list, an invalid MSI-X layout) is removed whole and unlinked (vpci.md §4.1).
/// </summary>
internal sealed class RegisterGroup(RegisterDispatcher dispatcher)
{
    private readonly List<RegisterDescriptor> _added = [];

    /// <summary>Whether any register was refused.</summary>
    public bool Failed { get; private set; }

    /// <summary>Adds a register; a refusal marks the group failed.</summary>
    public void Add(RegisterDescriptor register)
    {
        if (dispatcher.Add(register) == DispatcherResult.Ok)
        {
            _added.Add(register);
        }
        else
        {
            Failed = true;
        }
    }

    /// <summary>Adds read-only or read-write registers passing [<paramref name="start"/>, <paramref name="end"/>) through to the host, in naturally aligned pieces of up to 4 bytes.</summary>
    public void AddPassthrough(HostConfig host, int start, int end, bool writable)
    {
        for (int at = start; at < end;)
        {
            int size = 4;
            while (size > 1 && (at % size != 0 || at + size > end))
            {
                size /= 2;
            }

            Add(new RegisterDescriptor
            {
                Offset = at,
                Size = size,
                Read = static (offset, context) => ((Passthrough)context!).Host.Read(offset, ((Passthrough)context).Size),
                Write = writable ? static (offset, value, context) => ((Passthrough)context!).Host.Write(offset, ((Passthrough)context).Size, value) : null,
                Context = new Passthrough(host, size),
            });
            at += size;
        }
    }

    /// <summary>Adds a read-only register that always reads <paramref name="value"/>.</summary>
    public void AddConstant(int offset, int size, uint value) =>
        Add(new RegisterDescriptor { Offset = offset, Size = size, Read = static (_, context) => ((StoredRegister)context!).Value, Context = new StoredRegister(value) });

    /// <summary>Removes every register this group added.</summary>
    public void RemoveAll()
    {
        foreach (RegisterDescriptor register in _added)
        {
            dispatcher.Remove(register.Offset, register.Size);
        }

        _added.Clear();
    }

    private sealed record Passthrough(HostConfig Host, int Size);
}
