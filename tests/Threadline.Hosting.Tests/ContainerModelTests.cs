using Aspire.Hosting.ApplicationModel;
using Threadline.Platform;

namespace Threadline.Hosting.Tests;

/// <summary>
/// What container mode asks the container runtime for: images, tags, environment, ports and PgBouncer's bind-mounted
/// configuration. The machine that runs these tests needs no container runtime; CI's container job starts the same
/// model on Docker.
/// </summary>
public sealed class ContainerModelTests(ContainerModelFixture model) : IClassFixture<ContainerModelFixture>
{
    [Fact]
    public void Infrastructure_runs_as_containers_and_no_local_executable_is_added()
    {
        Assert.IsAssignableFrom<ContainerResource>(model.Resource<IResource>(ResourceNames.Postgres));
        Assert.IsType<PgBouncerContainerResource>(model.Resource<IResource>(ResourceNames.PgBouncer));
        Assert.IsAssignableFrom<ContainerResource>(model.Resource<IResource>(ResourceNames.RabbitMQ));
        // Local mode adds an epmd executable beside RabbitMQ; a container brings its own.
        Assert.DoesNotContain(model.Builder.Resources, r => r.Name == $"{ResourceNames.RabbitMQ}-epmd");
    }

    [Fact]
    public async Task Postgres_is_the_postgres_17_6_image_with_the_superuser_password_parameter()
    {
        var postgres = model.Resource<ContainerResource>(ResourceNames.Postgres);

        var image = Assert.Single(postgres.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal("docker.io", image.Registry);
        Assert.Equal("library/postgres", image.Image);
        Assert.Equal("17.6", image.Tag);
        var environment = await ResolvedConfiguration.EnvironmentAsync(postgres);
        Assert.Equal("postgres", environment["POSTGRES_USER"]);
        Assert.Equal(ContainerModelFixture.PostgresPassword, environment["POSTGRES_PASSWORD"]);
        var tcp = Assert.Single(postgres.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "tcp");
        Assert.Equal(5432, tcp.TargetPort);

        var database = model.Resource<IResourceWithConnectionString>(ResourceNames.DirectDatabase);
        Assert.Equal(ResourceNames.DatabaseName, Assert.IsType<PostgresDatabaseResource>(database).DatabaseName);
    }

    [Fact]
    public async Task PgBouncer_is_the_pinned_edoburu_image_reading_its_rendered_config_from_a_read_only_bind_mount()
    {
        var pgbouncer = model.Resource<PgBouncerContainerResource>(ResourceNames.PgBouncer);

        var image = Assert.Single(pgbouncer.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal(PgBouncerContainerImageTags.Image, image.Image);
        Assert.Equal("docker.io", image.Registry);
        Assert.Equal("edoburu/pgbouncer", image.Image);
        Assert.Equal("v1.24.1-p1", image.Tag);
        var mount = Assert.Single(pgbouncer.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal(ContainerMountType.BindMount, mount.Type);
        Assert.Equal("/etc/pgbouncer", mount.Target);
        Assert.True(mount.IsReadOnly);
        Assert.True(Directory.Exists(mount.Source), $"The bind-mount source {mount.Source} is created when the model is built.");
        Assert.Equal(["/etc/pgbouncer/pgbouncer.ini"], await ResolvedConfiguration.ArgumentsAsync(pgbouncer));
        var tcp = Assert.Single(pgbouncer.Annotations.OfType<EndpointAnnotation>(), e => e.Name == PgBouncerSettings.EndpointName);
        Assert.Equal(5432, tcp.TargetPort);
        // Inside the container network PgBouncer reaches PostgreSQL by its resource name, on the container port.
        Assert.Equal(new PoolerBackend(ResourceNames.Postgres, 5432), pgbouncer.Settings.Backend);
        Assert.Equal([ResourceNames.DatabaseName], pgbouncer.Settings.Databases);
        Assert.Equal([PlatformRoles.AppUser, PlatformRoles.AuditorUser], pgbouncer.Settings.Users.Select(u => u.User));
    }

    [Fact]
    public void Pooled_databases_connect_through_PgBouncer_with_transaction_pooling_settings()
    {
        foreach (var (name, user) in new[] { (ResourceNames.AppDatabase, PlatformRoles.AppUser), (ResourceNames.AuditReaderDatabase, PlatformRoles.AuditorUser) })
        {
            var database = model.Resource<PgBouncerDatabaseResource>(name);
            Assert.Same(model.Resource<PgBouncerContainerResource>(ResourceNames.PgBouncer), database.Parent);
            Assert.Equal(user, database.User);
            var format = database.ConnectionStringExpression.Format;
            Assert.Contains("No Reset On Close=true", format, StringComparison.Ordinal);
            Assert.Contains("Max Auto Prepare=0", format, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RabbitMQ_is_Aspires_rabbitmq_image_with_generated_credentials()
    {
        var rabbitmq = model.Resource<ContainerResource>(ResourceNames.RabbitMQ);

        var image = Assert.Single(rabbitmq.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal("docker.io", image.Registry);
        Assert.Equal("library/rabbitmq", image.Image);
        Assert.Equal(RabbitMQImageTag, image.Tag);
        var environment = await ResolvedConfiguration.EnvironmentAsync(rabbitmq);
        Assert.Equal("guest", environment["RABBITMQ_DEFAULT_USER"]);
        Assert.False(string.IsNullOrEmpty(environment["RABBITMQ_DEFAULT_PASS"]));
        var tcp = Assert.Single(rabbitmq.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "tcp");
        Assert.Equal(5672, tcp.TargetPort);
    }

    /// <summary>The tag Aspire.Hosting.RabbitMQ 13.6.5 pins; a package upgrade that changes it fails here, on purpose.</summary>
    private const string RabbitMQImageTag = "4.3";
}
