using System.Globalization;
using Passage.Host.Inventory;
using Passage.Pci.Decoding;

namespace Passage.Cli.Pci;

/// <summary>The human table of <c>passage pci list</c>: one row per function, columns sized to their content.</summary>
internal static class PciListView
{
    public static void Write(TextWriter output, HostInventory inventory, IReadOnlyList<(HostFunction Function, FunctionNames Names, AssignabilityVerdict Verdict)> rows)
    {
        output.WriteLine($"Host: {inventory.Description}");
        string[] header = ["ADDRESS", "IDS", "CLASS", "DEVICE", "DRIVER", "GROUP", "RESET", "VERDICT"];
        var cells = new List<string[]> { header };
        foreach ((HostFunction f, FunctionNames names, AssignabilityVerdict verdict) in rows)
        {
            cells.Add(
            [
                f.Address.ToString(),
                $"{f.Config.VendorId:x4}:{f.Config.DeviceId:x4}",
                names.ClassName,
                DeviceText(names),
                f.Driver ?? "-",
                f.IommuGroup?.ToString(CultureInfo.InvariantCulture) ?? "-",
                f.ResetMethods.Count > 0 ? string.Join(',', f.ResetMethods) : "-",
                VerdictText(verdict),
            ]);
        }

        int[] widths = new int[header.Length];
        foreach (string[] row in cells)
        {
            for (int i = 0; i < row.Length - 1; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (string[] row in cells)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        int assignable = rows.Count(r => r.Verdict.Assignable);
        output.WriteLine($"{rows.Count} functions, {assignable} assignable. 'passage pci show ADDRESS' explains a verdict.");
    }

    /// <summary>"yes", "yes (warning codes)" or "no: blocking codes".</summary>
    public static string VerdictText(AssignabilityVerdict verdict)
    {
        if (verdict.Assignable)
        {
            return verdict.Reasons.Count == 0 ? "yes" : $"yes ({string.Join(", ", verdict.Codes)})";
        }

        return "no: " + string.Join(", ", verdict.Reasons.Where(r => r.Blocking).Select(r => r.Code)) +
               (verdict.Reasons.Any(r => !r.Blocking) ? $" (+ {string.Join(", ", verdict.Reasons.Where(r => !r.Blocking).Select(r => r.Code))})" : string.Empty);
    }

    private static string DeviceText(FunctionNames names)
    {
        string text = (names.VendorName, names.DeviceName) switch
        {
            (null, _) => "-",
            ({ } v, null) => v,
            ({ } v, { } d) => $"{v} {d}",
        };
        return text.Length > 48 ? text[..47] + "…" : text;
    }
}
