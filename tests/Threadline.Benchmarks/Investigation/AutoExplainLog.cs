using System.Text;

namespace Threadline.Benchmarks.Investigation;

/// <summary>Picks the audit queries' plans out of a stretch of server log written by auto_explain.</summary>
public static class AutoExplainLog
{
    private const string EntryMarker = "LOG:  duration:";

    /// <summary>
    /// Each entry that reads an audit table, as its "duration ... plan:" line and the plan itself, without the query
    /// text (the driver's own type-loading queries and the SQL are left out).
    /// </summary>
    public static string Plans(string log)
    {
        var plans = new StringBuilder();
        var entries = log.Split('\n').Aggregate(new List<List<string>>(), (all, line) =>
        {
            if (line.Contains(EntryMarker, StringComparison.Ordinal) || all.Count == 0)
            {
                all.Add([]);
            }

            all[^1].Add(line.TrimEnd());
            return all;
        });
        foreach (var entry in entries.Where(e => e.Count > 0 && e[0].Contains(EntryMarker, StringComparison.Ordinal)))
        {
            var planStart = entry.FindIndex(l => l.Contains("(cost=", StringComparison.Ordinal));
            if (planStart < 0 || !entry.Take(planStart).Any(l => l.Contains("changes", StringComparison.Ordinal) || l.Contains("captured_tables", StringComparison.Ordinal)))
            {
                continue;
            }

            plans.Append(entry[0][entry[0].IndexOf(EntryMarker, StringComparison.Ordinal)..]).Append('\n');
            foreach (var line in entry.Skip(planStart).TakeWhile(l => l.Length > 0))
            {
                plans.Append(line).Append('\n');
            }
        }

        return plans.ToString();
    }
}
