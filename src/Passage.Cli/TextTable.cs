namespace Passage.Cli;

/// <summary>A plain text table: columns padded to their widest cell, two spaces apart, the last column unpadded.</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, string indent, IReadOnlyList<string[]> rows)
    {
        int columns = rows.Max(r => r.Length);
        int[] widths = new int[columns];
        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length - 1; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (string[] row in rows)
        {
            output.WriteLine(indent + string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
