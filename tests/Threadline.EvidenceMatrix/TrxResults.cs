using System.Globalization;
using System.Xml.Linq;

namespace Threadline.EvidenceMatrix;

/// <summary>One executed (or not executed) test case from a TRX file. A theory has one per data row.</summary>
public sealed record TestCaseResult(string ClassName, string MethodName, string TestName, string Outcome, string? ErrorMessage)
{
    /// <summary>TRX outcomes that mean the test ran and did not pass.</summary>
    private static readonly string[] FailedOutcomes = ["Failed", "Error", "Timeout", "Aborted"];

    public bool Passed => Outcome == "Passed";

    public bool Failed => FailedOutcomes.Contains(Outcome, StringComparer.Ordinal);
}

/// <summary>The results of one test assembly in one run, read from its TRX file.</summary>
public sealed record TrxRun(string Assembly, string File, DateTimeOffset Start, DateTimeOffset Finish, IReadOnlyList<TestCaseResult> Results)
{
    public int Passed => Results.Count(r => r.Passed);

    public int Failed => Results.Count(r => r.Failed);

    public int NotExecuted => Results.Count - Passed - Failed;

    public IReadOnlyList<TestCaseResult> For(string className, string methodName) =>
        Results.Where(r => r.ClassName == className && r.MethodName == methodName).ToList();
}

public static class TrxReader
{
    private static readonly XNamespace Ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    /// <summary>Reads a TRX file: test definitions joined to their results by test id.</summary>
    public static TrxRun Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(XDocument.Load(stream), path);
    }

    public static TrxRun Read(XDocument document, string path)
    {
        var root = document.Root ?? throw new InvalidDataException($"{path} is empty.");
        var definitions = root.Descendants(Ns + "UnitTest").ToDictionary(
            t => (string)t.Attribute("id")!,
            t => t.Element(Ns + "TestMethod") ?? throw new InvalidDataException($"{path}: test {(string?)t.Attribute("name")} has no TestMethod."));
        var results = root.Descendants(Ns + "UnitTestResult").Select(r =>
        {
            var method = definitions.GetValueOrDefault((string)r.Attribute("testId")!)
                ?? throw new InvalidDataException($"{path}: result {(string?)r.Attribute("testName")} has no test definition.");
            var message = r.Descendants(Ns + "ErrorInfo").Elements(Ns + "Message").FirstOrDefault()?.Value;
            return new TestCaseResult(
                (string)method.Attribute("className")!,
                (string)method.Attribute("name")!,
                (string?)r.Attribute("testName") ?? "",
                (string?)r.Attribute("outcome") ?? "NotExecuted",
                message);
        }).ToList();

        var codeBase = definitions.Values.Select(m => (string?)m.Attribute("codeBase")).FirstOrDefault(c => !string.IsNullOrEmpty(c));
        var assembly = codeBase is null ? "" : Path.GetFileNameWithoutExtension(codeBase.Replace('\\', '/').Split('/')[^1]);
        var times = root.Element(Ns + "Times");
        return new TrxRun(assembly, path, Time(times, "start"), Time(times, "finish"), results);
    }

    /// <summary>Every TRX under <paramref name="directory"/> (each run of each test assembly leaves one).</summary>
    public static IReadOnlyList<TrxRun> ReadAll(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.trx", SearchOption.TopDirectoryOnly).Select(Read).Where(r => r.Assembly.Length > 0).ToList()
            : [];

    private static DateTimeOffset Time(XElement? times, string attribute) =>
        times?.Attribute(attribute) is { } value ? DateTimeOffset.Parse(value.Value, CultureInfo.InvariantCulture) : DateTimeOffset.MinValue;
}
