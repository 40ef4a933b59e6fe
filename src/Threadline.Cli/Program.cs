namespace Threadline.Cli;

/// <summary>
/// The <c>threadline</c> tool. <see cref="RunAsync(string[], TextWriter, TextWriter)"/> runs one command line in
/// process with the given writers, which is how the integration tests drive it.
/// </summary>
public static class Program
{
    /// <summary>
    /// The tool's entry point: runs one command line against the console and the process environment (THREADLINE_CONNECTION,
    /// THREADLINE_AUDIT_SCHEMA, THREADLINE_DEBUG); Ctrl+C or SIGTERM cancels the running command.
    /// </summary>
    /// <param name="args">The command line, for example <c>schema install</c> or <c>export --table orders --format csv</c>.</param>
    /// <returns>
    /// The exit code: 0 success, 1 check failed, 2 usage error, 3 database unreachable, 4 refused by the database or by
    /// Threadline, 70 internal error, 130 interrupted (docs/cli.md).
    /// </returns>
    public static Task<int> Main(string[] args) =>
        RunAsync(args, Console.Out, Console.Error, new CliEnvironment(Environment.GetEnvironmentVariable, Console.OpenStandardOutput, HandleTermination: true));

    /// <summary>Runs one command line; the process environment supplies THREADLINE_CONNECTION and THREADLINE_AUDIT_SCHEMA.</summary>
    /// <param name="args">The command line, without the tool's name.</param>
    /// <param name="output">Receives the command's results (an export without <c>--out</c> streams here too).</param>
    /// <param name="error">Receives error messages and hints.</param>
    /// <returns>The exit code, as for <see cref="Main"/>.</returns>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        RunAsync(args, output, error, new CliEnvironment(Environment.GetEnvironmentVariable, () => new TextWriterStream(output)));

    /// <summary>Runs one command line with an explicit environment (tests pass their own variables).</summary>
    internal static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CliEnvironment environment, CancellationToken cancellationToken = default) =>
        new CliApplication(output, error, environment).RunAsync(args, cancellationToken);
}
