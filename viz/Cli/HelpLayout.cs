using System.CommandLine;
using System.Text;

namespace CnnEngine.Viz.Cli;

/// <summary>
/// Each command's help shows only its own arguments. System.CommandLine 3.0's help repeats the root's positional
/// argument in every subcommand (<c>engine-viz [&lt;image&gt;] deconv &lt;IMAGE&gt;</c>, and "&lt;image&gt;  Image to run" under
/// bench, features, merge) and keeps its layout API internal, so a subcommand's help text is filtered here: the
/// root's arguments leave the usage line and the Arguments section.
/// </summary>
public static class HelpLayout
{
    public static string WithoutRootArguments(string help, RootCommand root)
    {
        var rootArguments = root.Arguments.Where(a => !a.Hidden).Select(a => a.Name).ToArray();
        if (rootArguments.Length == 0) return help;
        var output = new StringBuilder();
        var lines = help.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.StartsWith("  " + root.Name + " ", StringComparison.Ordinal))
            {
                foreach (string name in rootArguments)
                    line = line.Replace($" [<{name}>] ", " ", StringComparison.Ordinal).Replace($" <{name}> ", " ", StringComparison.Ordinal);
                output.Append(line).Append('\n');
                continue;
            }
            if (line == "Arguments:")
            {
                // Rows start with "  <name>"; wrapped descriptions continue on lines indented further.
                var kept = new List<string>();
                bool dropping = false;
                int j = i + 1;
                for (; j < lines.Length && lines[j].Length > 0; j++)
                {
                    string row = lines[j];
                    bool isRowStart = row.StartsWith("  <", StringComparison.Ordinal);
                    if (isRowStart) dropping = rootArguments.Any(n => row.StartsWith($"  <{n}>", StringComparison.Ordinal));
                    if (!dropping) kept.Add(row);
                }
                if (kept.Count > 0)
                {
                    output.Append(line).Append('\n');
                    foreach (string k in kept) output.Append(k).Append('\n');
                    i = j - 1;
                }
                else
                {
                    i = j; // the section and the blank line after it
                }
                continue;
            }
            output.Append(line);
            if (i < lines.Length - 1) output.Append('\n');
        }
        return output.ToString();
    }
}
