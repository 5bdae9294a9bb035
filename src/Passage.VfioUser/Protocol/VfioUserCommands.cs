namespace Passage.VfioUser.Protocol;

/// <summary>Facts about command numbers: which exist and which way each travels (vfio-user.md §2).</summary>
public static class VfioUserCommands
{
    /// <summary>Whether <paramref name="command"/> is a command of the protocol (1–13, 15–18).</summary>
    public static bool IsKnown(VfioUserCommand command) =>
        command is >= VfioUserCommand.Version and <= VfioUserCommand.MigDataWrite and not (VfioUserCommand)14;

    /// <summary>Whether the server sends <paramref name="command"/> to the client (DMA_READ and DMA_WRITE); every other known command goes client → server.</summary>
    public static bool IsServerToClient(VfioUserCommand command) =>
        command is VfioUserCommand.DmaRead or VfioUserCommand.DmaWrite;
}
