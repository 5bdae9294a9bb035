namespace Passage.Host.Sim.Runtime;

/// <summary>How software may access a documented device register.</summary>
public enum SimRegisterAccess
{
    /// <summary>Read and write; reads return what was written.</summary>
    ReadWrite,

    /// <summary>Read only; writes are ignored.</summary>
    ReadOnly,

    /// <summary>Write only: a write acts, reads return 0.</summary>
    WriteOnly,
}
