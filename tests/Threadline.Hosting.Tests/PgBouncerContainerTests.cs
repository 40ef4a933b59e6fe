using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Threadline.Hosting.Tests;

/// <summary>PgBouncer's container resource as a team would add it with <c>AddPgBouncer</c>: image, overrides, wiring and health.</summary>
public sealed class PgBouncerContainerTests
{
    [Fact]
    public async Task The_pinned_image_listens_on_5432_and_reads_the_ini_from_its_read_only_config_mount()
    {
        using var model = HostingModel.Container();
        model.AddAll();
        var pgbouncer = model.Resource<PgBouncerContainerResource>(HostingModel.PgBouncer);

        var image = Assert.Single(pgbouncer.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal(("docker.io", "edoburu/pgbouncer", "v1.24.1-p1"), (image.Registry, image.Image, image.Tag));
        Assert.Equal(["/etc/pgbouncer/pgbouncer.ini"], await ResolvedConfiguration.ArgumentsAsync(pgbouncer));
        var mount = Assert.Single(pgbouncer.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal(("/etc/pgbouncer", true), (mount.Target, mount.IsReadOnly));
        // A new folder of this user's per model, under the temp folder (issue 29: no fixed shared parent), that the
        // container's own pgbouncer user can pass through.
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), $"threadline-pgbouncer-{HostingModel.PgBouncer}-"), mount.Source, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.OtherExecute, File.GetUnixFileMode(mount.Source!) & (UnixFileMode.OtherExecute | UnixFileMode.OtherWrite));
        }
        var tcp = Assert.Single(pgbouncer.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal((PgBouncerSettings.EndpointName, 5432, true), (tcp.Name, tcp.TargetPort, tcp.IsProxied));
        // The container reaches PostgreSQL by its resource name on the container network.
        Assert.Equal(new PoolerBackend(HostingModel.Postgres, 5432), pgbouncer.Settings.Backend);
        Assert.Empty(await ResolvedConfiguration.EnvironmentAsync(pgbouncer));
    }

    [Fact]
    public void A_configured_image_and_tag_replace_the_pinned_ones_and_bring_their_own_registry()
    {
        using var model = HostingModel.Container("--Threadline:PgBouncer:Image=registry.example/pgbouncer", "--Threadline:PgBouncer:Tag=1.23");
        model.AddAll();

        var image = Assert.Single(model.Resource<PgBouncerContainerResource>(HostingModel.PgBouncer).Annotations.OfType<ContainerImageAnnotation>());

        Assert.Equal((null, "registry.example/pgbouncer", "1.23"), (image.Registry, image.Image, image.Tag));
    }

    [Fact]
    public void The_postgres_image_tag_can_be_configured()
    {
        using var model = HostingModel.Container("--Threadline:Postgres:ImageTag=16.4");
        model.AddAll();

        Assert.Equal("16.4", Assert.Single(model.Resource<ContainerResource>(HostingModel.Postgres).Annotations.OfType<ContainerImageAnnotation>()).Tag);
    }

    [Fact]
    public void The_pooler_waits_for_postgres_and_its_pooled_database_is_a_child_with_its_own_health_check()
    {
        using var model = HostingModel.Container();
        var (postgres, pgbouncer, appDatabase) = model.AddAll();

        Assert.Same(postgres.Server.Resource, Assert.Single(pgbouncer.Resource.Annotations.OfType<WaitAnnotation>()).Resource);
        Assert.Same(pgbouncer.Resource, appDatabase.Resource.Parent);
        Assert.Equal(
            $"Host={{pooler.bindings.tcp.host}};Port={{pooler.bindings.tcp.port}};Database={HostingModel.Database};Username={HostingModel.AppUser};Password={{app-password.value}};No Reset On Close=true;Max Auto Prepare=0",
            appDatabase.Resource.ConnectionStringExpression.ValueExpression);
        Assert.Equal(["pooler-ready"], pgbouncer.Resource.Annotations.OfType<HealthCheckAnnotation>().Select(h => h.Key));
        Assert.Equal(["shop-db-ready"], appDatabase.Resource.Annotations.OfType<HealthCheckAnnotation>().Select(h => h.Key));
    }

    [Fact]
    public async Task A_pooler_without_a_pooled_database_is_unhealthy_and_says_what_is_missing()
    {
        using var model = HostingModel.Container();
        var postgres = model.Runtime.AddThreadlinePostgres(HostingModel.Postgres, HostingModel.Database, model.Builder.AddParameter("pw", "x", secret: true));
        var pgbouncer = model.Runtime.AddPgBouncer(HostingModel.PgBouncer, postgres, HostingModel.Template);

        var health = await model.CheckHealthAsync(Assert.Single(pgbouncer.Resource.Annotations.OfType<HealthCheckAnnotation>()).Key);

        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("AddPooledDatabase", health.Description, StringComparison.Ordinal);
    }
}
