using Passage.Vpci.Machine;

namespace Passage.Scenarios.Harness;

/// <summary>
/// What a guest's driver reaches of one function it was given: its config space through ECAM, its
/// BARs at the guest addresses it placed them, the device's DOORBELL, and the machine whose LAPIC
/// counts what arrived. Implemented by a rig whose device sits in this process and by one whose
/// device is served by another process.
/// </summary>
internal interface IGuest
{
    /// <summary>The guest's machine.</summary>
    VirtualMachine Machine { get; }

    /// <summary>The function's config space as the guest reaches it.</summary>
    GuestConfig Config { get; }

    /// <summary>Guest addresses of the placed BARs (0 = not placed).</summary>
    ulong[] Bars { get; }

    /// <summary>Reads <paramref name="size"/> (1–8) bytes of guest memory, little-endian.</summary>
    ulong Read(ulong address, int size);

    /// <summary>Writes <paramref name="size"/> (1–8) bytes of guest memory, little-endian.</summary>
    void Write(ulong address, int size, ulong value);

    /// <summary>Rings the DOORBELL: the device raises interrupt <paramref name="vector"/>.</summary>
    void Ring(int vector);
}
