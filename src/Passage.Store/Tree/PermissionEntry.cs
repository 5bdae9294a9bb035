namespace Passage.Store.Tree;

/// <summary>One <c>&lt;letter&gt;&lt;domid&gt;</c> entry of a permission list.</summary>
internal readonly record struct PermissionEntry(int DomainId, PermissionAccess Access)
{
    /// <summary>The entry's letter.</summary>
    public char Letter => Access switch
    {
        PermissionAccess.Read => 'r',
        PermissionAccess.Write => 'w',
        PermissionAccess.Both => 'b',
        _ => 'n',
    };

    /// <summary>Maps a letter to its access; false for anything but <c>r</c>, <c>w</c>, <c>b</c>, <c>n</c>.</summary>
    public static bool TryParseLetter(byte letter, out PermissionAccess access)
    {
        switch (letter)
        {
            case (byte)'r':
                access = PermissionAccess.Read;
                return true;
            case (byte)'w':
                access = PermissionAccess.Write;
                return true;
            case (byte)'b':
                access = PermissionAccess.Both;
                return true;
            case (byte)'n':
                access = PermissionAccess.None;
                return true;
            default:
                access = PermissionAccess.None;
                return false;
        }
    }
}
