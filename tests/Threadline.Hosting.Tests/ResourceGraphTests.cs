using Aspire.Hosting.ApplicationModel;
using Threadline.Platform;

namespace Threadline.Hosting.Tests;

/// <summary>
/// The AppHost's start order, from the model: DDL before the pooler, the pooler before the services, and every service
/// on the pooled databases rather than on PostgreSQL directly. The same graph in container and local mode.
/// </summary>
public sealed class ResourceGraphTests(ContainerModelFixture model) : IClassFixture<ContainerModelFixture>
{
    [Fact]
    public void DDL_comes_first_the_schema_manager_waits_for_PostgreSQL_and_PgBouncer_waits_for_it_to_complete()
    {
        Assert.Contains((ResourceNames.Postgres, WaitType.WaitUntilHealthy), Waits(ResourceNames.SchemaManager));
        var pooler = Waits(ResourceNames.PgBouncer);
        Assert.Contains((ResourceNames.Postgres, WaitType.WaitUntilHealthy), pooler);
        Assert.Contains((ResourceNames.SchemaManager, WaitType.WaitForCompletion), pooler);
    }

    [Theory]
    [InlineData(ResourceNames.PostsApi, true)]
    [InlineData(ResourceNames.JobWorker, true)]
    [InlineData(ResourceNames.AdminService, false)]
    public void Services_wait_for_the_pooler_and_jobs_for_the_broker(string service, bool usesBroker)
    {
        var waits = Waits(service);

        Assert.Contains((ResourceNames.PgBouncer, WaitType.WaitUntilHealthy), waits);
        Assert.Equal(usesBroker, waits.Contains((ResourceNames.RabbitMQ, WaitType.WaitUntilHealthy)));
        Assert.DoesNotContain(waits, w => w.Resource == ResourceNames.Postgres);
    }

    [Fact]
    public void Only_the_schema_manager_gets_the_direct_connection_string_the_services_get_pooled_ones()
    {
        Assert.Equal([ResourceNames.DirectDatabase], References(ResourceNames.SchemaManager));
        Assert.Equal([ResourceNames.AppDatabase, ResourceNames.RabbitMQ], References(ResourceNames.PostsApi));
        Assert.Equal([ResourceNames.AppDatabase, ResourceNames.RabbitMQ], References(ResourceNames.JobWorker));
        Assert.Equal([ResourceNames.AuditReaderDatabase], References(ResourceNames.AdminService));
    }

    [Fact]
    public void Pooled_databases_are_children_of_PgBouncer_and_the_direct_database_of_PostgreSQL()
    {
        Assert.Equal(ResourceNames.PgBouncer, model.Resource<PgBouncerDatabaseResource>(ResourceNames.AppDatabase).Parent.Name);
        Assert.Equal(ResourceNames.PgBouncer, model.Resource<PgBouncerDatabaseResource>(ResourceNames.AuditReaderDatabase).Parent.Name);
        Assert.Equal(ResourceNames.Postgres, model.Resource<IResourceWithParent>(ResourceNames.DirectDatabase).Parent.Name);
    }

    private List<(string Resource, WaitType Type)> Waits(string name) =>
        model.Resource<IResource>(name).Annotations.OfType<WaitAnnotation>().Select(w => (w.Resource.Name, w.WaitType)).ToList();

    /// <summary>The connection strings a resource is given (WithReference; parameters are references too, left out), by name, sorted.</summary>
    private List<string> References(string name) =>
        model.Resource<IResource>(name).Annotations.OfType<ResourceRelationshipAnnotation>()
            .Where(r => r.Type == "Reference" && r.Resource is IResourceWithConnectionString)
            .Select(r => r.Resource.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
}
