namespace Threadline.Cli;

/// <summary>
/// The <c>threadline</c> tool. <see cref="RunAsync(string[], TextWriter, TextWriter)"/> runs one command line in
/// process with the given writers, which is how the integration tests drive it.
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args) =>
        RunAsync(args, Console.Out, Console.Error, new CliEnvironment(Environment.GetEnvironmentVariable, Console.OpenStandardOutput, HandleTermination: true));

    /// <summary>Runs one command line; the process environment supplies THREADLINE_CONNECTION.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        RunAsync(args, output, error, new CliEnvironment(Environment.GetEnvironmentVariable, () => new TextWriterStream(output)));

    /// <summary>Runs one command line with an explicit environment (tests pass their own variables).</summary>
    internal static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CliEnvironment environment, CancellationToken cancellationToken = default) =>
        new CliApplication(output, error, environment).RunAsync(args, cancellationToken);
}
