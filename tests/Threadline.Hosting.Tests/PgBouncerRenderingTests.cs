using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting.Tests;

/// <summary>
/// What PgBouncer is started with, rendered from the repository's pgbouncer/pgbouncer.ini template exactly as a run
/// renders it (the same code for the local executable and the container), without starting anything.
/// </summary>
public sealed class PgBouncerRenderingTests
{
    private static readonly string Template = Path.Combine(RepositoryRoot.Path, "pgbouncer", "pgbouncer.ini");

    [Fact]
    public void The_template_renders_to_transaction_pooling_with_every_placeholder_filled()
    {
        var settings = Settings(Template, poolSize: 7);

        var ini = settings.RenderIni("127.0.0.1", 6543, "/run/userlist.txt");

        Assert.DoesNotContain("{{", ini, StringComparison.Ordinal);
        var values = IniValues(ini);
        Assert.Equal("transaction", values["pool_mode"]);
        Assert.Equal("127.0.0.1", values["listen_addr"]);
        Assert.Equal("6543", values["listen_port"]);
        Assert.Equal("/run/userlist.txt", values["auth_file"]);
        Assert.Equal("7", values["default_pool_size"]);
        Assert.Equal("7", values["max_db_connections"]);
        Assert.Equal("pgbouncer_stats", values["stats_users"]);
        Assert.Equal("scram-sha-256", values["auth_type"]);
        Assert.Equal("host=10.0.0.5 port=5433 dbname=shop", values["shop"]);
    }

    [Fact]
    public void A_placeholder_the_renderer_does_not_know_fails_instead_of_reaching_PgBouncer()
    {
        var template = Path.GetTempFileName();
        try
        {
            File.WriteAllText(template, "[pgbouncer]\nlisten_port = {{listen_port}}\nmax_client_conn = {{max_clients}}\n");

            var error = Assert.Throws<InvalidOperationException>(() => Settings(template, poolSize: 3).RenderIni("127.0.0.1", 1, "x"));

            Assert.Contains(template, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(template);
        }
    }

    [Fact]
    public async Task The_user_list_has_each_pooled_user_and_the_stats_user_with_quotes_doubled()
    {
        var settings = Settings(Template, poolSize: 3);
        settings.Users.Add(("shop_app", new ParameterResource("app-password", _ => "pa\"ss", secret: true)));
        settings.Users.Add(("shop_auditor", new ParameterResource("auditor-password", _ => "plain", secret: true)));

        var lines = (await settings.RenderUserListAsync(CancellationToken.None)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["\"shop_app\" \"pa\"\"ss\"", "\"shop_auditor\" \"plain\"", $"\"pgbouncer_stats\" \"{settings.StatsPassword}\""], lines);
        // Generated per run and never shared: another settings object has another stats password.
        Assert.NotEqual(settings.StatsPassword, Settings(Template, poolSize: 3).StatsPassword);
    }

    private static PgBouncerSettings Settings(string template, int poolSize) => new()
    {
        TemplatePath = template,
        DatabaseName = "shop",
        Backend = new PoolerBackend("10.0.0.5", 5433),
        PoolSize = poolSize,
    };

    /// <summary>key = value lines (comments and sections left out), the last one winning as in PgBouncer.</summary>
    private static Dictionary<string, string> IniValues(string ini) =>
        ini.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && line[0] is not ';' and not '[' && line.Contains('=', StringComparison.Ordinal))
            .Select(line => (Key: line[..line.IndexOf('=', StringComparison.Ordinal)].Trim(), Value: line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim()))
            .GroupBy(p => p.Key)
            .ToDictionary(g => g.Key, g => g.Last().Value);
}
