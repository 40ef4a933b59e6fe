using System.Globalization;

namespace Threadline.Hosting;

/// <summary>
/// PgBouncer's container in publish mode, configured by environment alone: the image's entrypoint (edoburu/pgbouncer)
/// writes <c>pgbouncer.ini</c> and the auth user's line of <c>userlist.txt</c> from these variables, so the manifest
/// carries the whole configuration and no file. The settings are the [pgbouncer] section of the same template run mode
/// renders; clients authenticate through <c>auth_query</c> (<c>WithAuthQuery</c>),
/// so their passwords are never in the container's environment or files.
/// </summary>
internal static class PgBouncerContainerEnvironment
{
    /// <summary>Template settings the published container does without: the entrypoint writes the auth file, sockets are off.</summary>
    private static readonly HashSet<string> Skipped = ["auth_file", "unix_socket_dir"];

    /// <summary>The [pgbouncer] settings the image's entrypoint takes from the environment, as upper-case variables.</summary>
    private static readonly HashSet<string> Supported =
    [
        "listen_addr", "listen_port", "auth_type", "pool_mode", "max_client_conn", "default_pool_size", "min_pool_size",
        "reserve_pool_size", "reserve_pool_timeout", "max_db_connections", "max_user_connections", "server_round_robin",
        "ignore_startup_parameters", "disable_pqexec", "application_name_add_host", "log_connections", "log_disconnections",
        "log_pooler_errors", "log_stats", "stats_period", "verbose", "server_reset_query", "server_reset_query_always",
        "server_check_delay", "server_check_query", "server_lifetime", "server_idle_timeout", "server_connect_timeout",
        "server_login_retry", "client_login_timeout", "autodb_idle_timeout", "dns_max_ttl", "dns_nxdomain_ttl",
        "query_timeout", "query_wait_timeout", "client_idle_timeout", "idle_transaction_timeout", "pkt_buf",
        "max_packet_size", "listen_backlog", "sbuf_loopcnt", "suspend_timeout", "tcp_defer_accept", "tcp_keepalive",
        "tcp_keepcnt", "tcp_keepidle", "tcp_keepintvl", "tcp_user_timeout",
    ];

    /// <summary>The variables, each a text or a secret parameter (written into the manifest as a placeholder).</summary>
    public static IReadOnlyList<(string Name, object Value)> Build(string name, PgBouncerSettings settings, int listenPort)
    {
        if (settings.AuthUser is null || settings.AuthPassword is null || settings.AuthQuery is null)
        {
            throw new InvalidOperationException(
                $"In publish mode {name} is configured by environment and holds no auth file of passwords: give it an auth user and query with WithAuthQuery.");
        }

        if (settings.Databases.Distinct(StringComparer.Ordinal).ToList() is not [var database])
        {
            throw new InvalidOperationException(
                $"In publish mode {name} is configured by environment, which names exactly one database; it pools {(settings.Databases.Count == 0 ? "none" : string.Join(", ", settings.Databases.Distinct(StringComparer.Ordinal)))}. Add one pooler per database.");
        }

        // The [databases] line: the image writes "<DB_NAME> = host=<DB_HOST> port=<DB_PORT> auth_user=<DB_USER>", and the
        // auth user's password (DB_PASSWORD) as the only line of the auth file.
        var variables = new List<(string Name, object Value)>
        {
            ("DB_HOST", settings.Backend.Host),
            ("DB_PORT", settings.Backend.Port.ToString(CultureInfo.InvariantCulture)),
            ("DB_NAME", database),
            ("DB_USER", settings.AuthUser),
            ("DB_PASSWORD", settings.AuthPassword),
            ("AUTH_USER", settings.AuthUser),
            ("AUTH_QUERY", Checked("auth_query", settings.AuthQuery)),
        };
        var ini = PgBouncerConfigFiles.RenderIni(settings, "0.0.0.0", listenPort, "/etc/pgbouncer/userlist.txt");
        foreach (var (key, value) in PgBouncerSection(ini))
        {
            if (Skipped.Contains(key) || (key == "stats_users" && value == settings.StatsUser))
            {
                // The stats user exists only with a per-run password in run mode's auth file.
                continue;
            }

            if (!Supported.Contains(key))
            {
                throw new InvalidOperationException(
                    $"{settings.TemplateName}: '{key}' cannot be handed to the PgBouncer image by environment, so the published {name} would run without it. Remove it from the template or deploy a pgbouncer.ini of your own.");
            }

            variables.Add((key.ToUpperInvariant(), Checked(key, value)));
        }

        return variables;
    }

    /// <summary>The non-empty <c>key = value</c> settings of the rendered [pgbouncer] section.</summary>
    private static IEnumerable<(string Key, string Value)> PgBouncerSection(string ini)
    {
        var section = "";
        foreach (var raw in ini.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is ';' or '#')
            {
                continue;
            }

            if (line[0] == '[')
            {
                section = line.Trim('[', ']');
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section == "pgbouncer" && equals > 0 && line[(equals + 1)..].Trim() is { Length: > 0 } value)
            {
                yield return (line[..equals].Trim(), value);
            }
        }
    }

    /// <summary>The entrypoint writes the file with printf, which would turn % and \ into something else.</summary>
    private static string Checked(string key, string value) =>
        value.Contains('%', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal)
            ? throw new InvalidOperationException($"PgBouncer setting '{key}' contains % or \\, which the image's entrypoint would not write as given: {value}")
            : value;
}
