using System.Globalization;
using System.Text;

namespace Threadline.Hosting;

/// <summary>Renders <c>pgbouncer.ini</c> from its template and the auth file from the pooled databases' users.</summary>
internal static class PgBouncerConfigFiles
{
    /// <summary>
    /// Placeholders a template must use: without them the resource's endpoint, backend or pool settings would be
    /// silently ignored. <c>{{stats_user}}</c> is optional.
    /// </summary>
    internal static readonly string[] RequiredPlaceholders =
        ["{{database}}", "{{backend_host}}", "{{backend_port}}", "{{listen_addr}}", "{{listen_port}}", "{{auth_file}}", "{{pool_mode}}", "{{pool_size}}"];

    /// <summary>Fails at model build, not at start, when the template cannot be rendered.</summary>
    public static void ValidateTemplate(string templatePath)
    {
        if (!File.Exists(templatePath))
        {
            throw new FileNotFoundException($"PgBouncer template not found: {templatePath}", templatePath);
        }

        var template = File.ReadAllText(templatePath);
        var missing = RequiredPlaceholders.Where(p => !template.Contains(p, StringComparison.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"{templatePath} lacks the placeholders {string.Join(", ", missing)}; start from a copy of Threadline's pgbouncer/pgbouncer.ini.");
        }
    }

    /// <summary>The template's text: the file at <see cref="PgBouncerSettings.TemplatePath"/>, or the built-in one.</summary>
    public static string ReadTemplate(PgBouncerSettings settings)
    {
        if (settings.TemplatePath is not null)
        {
            return File.ReadAllText(settings.TemplatePath);
        }

        using var stream = typeof(PgBouncerConfigFiles).Assembly.GetManifestResourceStream(BuiltInTemplate)
            ?? throw new InvalidOperationException($"The built-in PgBouncer template ({BuiltInTemplate}) is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The embedded copy of the repository's <c>pgbouncer/pgbouncer.ini</c>.</summary>
    internal const string BuiltInTemplate = "Threadline.Hosting.pgbouncer.ini";

    public static string RenderIni(PgBouncerSettings settings, string listenAddress, int listenPort, string authFile)
    {
        var values = new Dictionary<string, string>
        {
            ["{{backend_host}}"] = settings.Backend.Host,
            ["{{backend_port}}"] = settings.Backend.Port.ToString(CultureInfo.InvariantCulture),
            ["{{listen_addr}}"] = listenAddress,
            ["{{listen_port}}"] = listenPort.ToString(CultureInfo.InvariantCulture),
            ["{{auth_file}}"] = authFile,
            ["{{pool_mode}}"] = PoolModeText(settings.PoolMode),
            ["{{pool_size}}"] = settings.PoolSize.ToString(CultureInfo.InvariantCulture),
            ["{{stats_user}}"] = settings.StatsUser,
        };
        var rendered = new StringBuilder();
        foreach (var line in ReadTemplate(settings).Split('\n'))
        {
            // A line naming {{database}} is the [databases] entry: one copy per pooled database.
            var copies = line.Contains("{{database}}", StringComparison.Ordinal)
                ? settings.Databases.Distinct(StringComparer.Ordinal).Select(database => line.Replace("{{database}}", database, StringComparison.Ordinal))
                : [line];
            foreach (var copy in copies)
            {
                var text = copy;
                foreach (var (key, value) in values)
                {
                    text = text.Replace(key, value, StringComparison.Ordinal);
                }

                rendered.Append(text).Append('\n');
            }
        }

        var template = rendered.ToString(0, rendered.Length - 1);
        if (template.Contains("{{", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{settings.TemplateName} has a placeholder Threadline.Hosting does not know.");
        }

        return template;
    }

    /// <summary>One quoted <c>"user" "password"</c> line per pooled database's user (once per user), then the stats user.</summary>
    public static async Task<string> RenderUserListAsync(PgBouncerSettings settings, CancellationToken cancellationToken)
    {
        var lines = new StringBuilder();
        foreach (var (user, password) in settings.Users.DistinctBy(u => u.User, StringComparer.Ordinal))
        {
            var value = await InfrastructureRuntime.ValueAsync(password, cancellationToken).ConfigureAwait(false);
            lines.Append(Quote(user)).Append(' ').Append(Quote(value)).Append('\n');
        }

        lines.Append(Quote(settings.StatsUser)).Append(' ').Append(Quote(settings.StatsPassword)).Append('\n');
        return lines.ToString();

        static string Quote(string s) => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Writes both files; the auth file gets <paramref name="userListMode"/> (it holds plain-text passwords).</summary>
    public static async Task WriteAsync(PgBouncerSettings settings, string iniPath, string userListPath, string listenAddress, int listenPort, string authFile,
        UnixFileMode userListMode, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(iniPath, RenderIni(settings, listenAddress, listenPort, authFile), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(userListPath, await RenderUserListAsync(settings, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(userListPath, userListMode);
        }
    }

    internal static string PoolModeText(PgBouncerPoolMode mode) => mode switch
    {
        PgBouncerPoolMode.Transaction => "transaction",
        PgBouncerPoolMode.Session => "session",
        PgBouncerPoolMode.Statement => "statement",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown PgBouncer pool mode."),
    };
}
