using Aspire.Hosting;

namespace Threadline.Hosting.Tests;

/// <summary>What PgBouncer is started with: the platform's template rendered for a pooler's settings and users.</summary>
public sealed class PgBouncerIniTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("threadline-pgbouncer-ini-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_platform_template_renders_transaction_pooling_with_the_backend_listener_and_pool_size()
    {
        var settings = Settings(HostingModel.Template);

        var ini = Parse(PgBouncerConfigFiles.RenderIni(settings, "127.0.0.1", 6432, "/run/x/userlist.txt"));

        Assert.Equal("host=10.0.0.5 port=5433 dbname=shop", ini[("databases", "shop")]);
        Assert.Equal("127.0.0.1", ini[("pgbouncer", "listen_addr")]);
        Assert.Equal("6432", ini[("pgbouncer", "listen_port")]);
        Assert.Equal("", ini[("pgbouncer", "unix_socket_dir")]);
        Assert.Equal("/run/x/userlist.txt", ini[("pgbouncer", "auth_file")]);
        Assert.Equal("scram-sha-256", ini[("pgbouncer", "auth_type")]);
        Assert.Equal("pgbouncer_stats", ini[("pgbouncer", "stats_users")]);
        Assert.Equal("transaction", ini[("pgbouncer", "pool_mode")]);
        Assert.Equal("3", ini[("pgbouncer", "default_pool_size")]);
        Assert.Equal("3", ini[("pgbouncer", "max_db_connections")]);
        Assert.Equal("0", ini[("pgbouncer", "server_reset_query_always")]);
        Assert.Equal("extra_float_digits", ini[("pgbouncer", "ignore_startup_parameters")]);
    }

    [Theory]
    [InlineData(PgBouncerPoolMode.Session, "session")]
    [InlineData(PgBouncerPoolMode.Statement, "statement")]
    [InlineData(PgBouncerPoolMode.Transaction, "transaction")]
    public void Pool_mode_and_size_set_on_the_resource_are_rendered(PgBouncerPoolMode mode, string rendered)
    {
        using var model = HostingModel.Container();
        var (_, pgbouncer, _) = model.AddAll();

        pgbouncer.WithPoolMode(mode).WithPoolSize(7);

        var ini = Parse(PgBouncerConfigFiles.RenderIni(pgbouncer.Resource.Settings, "0.0.0.0", 5432, "/etc/pgbouncer/userlist.txt"));
        Assert.Equal(rendered, ini[("pgbouncer", "pool_mode")]);
        Assert.Equal("7", ini[("pgbouncer", "default_pool_size")]);
        Assert.Equal("7", ini[("pgbouncer", "max_db_connections")]);
    }

    [Fact]
    public void A_pool_without_server_connections_is_refused()
    {
        using var model = HostingModel.Container();
        var (_, pgbouncer, _) = model.AddAll();

        Assert.Throws<ArgumentOutOfRangeException>(() => pgbouncer.WithPoolSize(0));
        Assert.Equal(PgBouncerSettings.DefaultPoolSize, pgbouncer.Resource.Settings.PoolSize);
    }

    [Fact]
    public void A_template_that_lacks_the_pool_mode_placeholder_is_refused_when_the_pooler_is_added()
    {
        // A hard-coded pool_mode would make WithPoolMode a silent no-op.
        var template = Write("old.ini", File.ReadAllText(HostingModel.Template).Replace("{{pool_mode}}", "transaction", StringComparison.Ordinal));
        using var model = HostingModel.Container();
        var postgres = model.Runtime.AddThreadlinePostgres(HostingModel.Postgres, HostingModel.Database, model.Builder.AddParameter("pw", "x", secret: true));

        var refused = Assert.Throws<InvalidOperationException>(() => model.Runtime.AddPgBouncer(HostingModel.PgBouncer, postgres, template));

        Assert.Contains("{{pool_mode}}", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(model.Builder.Resources, r => r.Name == HostingModel.PgBouncer);
    }

    [Fact]
    public void A_missing_template_is_refused_when_the_pooler_is_added()
    {
        using var model = HostingModel.Container();
        var postgres = model.Runtime.AddThreadlinePostgres(HostingModel.Postgres, HostingModel.Database, model.Builder.AddParameter("pw", "x", secret: true));

        Assert.Throws<FileNotFoundException>(() => model.Runtime.AddPgBouncer(HostingModel.PgBouncer, postgres, Path.Combine(_folder, "missing.ini")));
    }

    [Fact]
    public void An_unknown_placeholder_fails_the_rendering()
    {
        var template = Write("unknown.ini", File.ReadAllText(HostingModel.Template) + "\nserver_tls_sslmode = {{tls_mode}}\n");

        var refused = Assert.Throws<InvalidOperationException>(() => PgBouncerConfigFiles.RenderIni(Settings(template), "127.0.0.1", 6432, "u.txt"));

        Assert.Contains("placeholder", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_auth_file_lists_each_pooled_user_then_the_stats_user_quoted()
    {
        var builder = HostingModel.CreateBuilder();
        var settings = Settings(HostingModel.Template);
        settings.Users.Add(("shop_app", builder.AddParameter("a", "pa\"ss", secret: true).Resource));
        settings.Users.Add(("shop_auditor", builder.AddParameter("b", "second", secret: true).Resource));

        var lines = (await PgBouncerConfigFiles.RenderUserListAsync(settings, CancellationToken.None)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["\"shop_app\" \"pa\"\"ss\"", "\"shop_auditor\" \"second\"", $"\"pgbouncer_stats\" \"{settings.StatsPassword}\""], lines);
        Assert.Equal(48, settings.StatsPassword.Length);
    }

    [Fact]
    public async Task The_written_auth_file_is_readable_by_its_owner_only_in_local_mode()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var settings = Settings(HostingModel.Template);
        var ini = Path.Combine(_folder, "pgbouncer.ini");
        var userList = Path.Combine(_folder, "userlist.txt");

        await PgBouncerConfigFiles.WriteAsync(settings, ini, userList, "127.0.0.1", 6432, userList, UnixFileMode.UserRead | UnixFileMode.UserWrite, CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(userList));
        Assert.Equal(userList, Parse(File.ReadAllText(ini))[("pgbouncer", "auth_file")]);
    }

    private static PgBouncerSettings Settings(string template) => new()
    {
        TemplatePath = template,
        Databases = { "shop" },
        Backend = new PoolerBackend("10.0.0.5", 5433),
    };

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Every key of every section; comments skipped.</summary>
    private static Dictionary<(string Section, string Key), string> Parse(string ini)
    {
        var values = new Dictionary<(string, string), string>();
        var section = "";
        foreach (var line in ini.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != ';'))
        {
            if (line[0] == '[')
            {
                section = line.Trim('[', ']');
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(values.TryAdd((section, line[..equals].Trim()), line[(equals + 1)..].Trim()), $"{line} is set twice");
        }

        return values;
    }
}
