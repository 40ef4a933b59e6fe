using Threadline.IntegrationTests.Infrastructure;

// xUnit's framework with one addition: a class marked [RunsLastInCollection] runs after the other classes of its
// collection, so the fault tests break the shared platform only once every other platform test is done, instead of
// starting a whole platform of their own (OrderedTestFramework).
[assembly: TestFramework("Threadline.IntegrationTests.Infrastructure." + nameof(OrderedTestFramework), "Threadline.IntegrationTests")]

// One collection at a time. Each collection starts only what its tests need (DatabaseCollection: PostgreSQL and
// PgBouncer; PlatformCollection, DashboardPlatformCollection, ReplicaPlatformCollection: a whole platform each). Running
// the database collection beside the shared platform was measured (issue 16): no gain on this 2-core machine under
// load, since both share the same CPU, and more risk for the timing-sensitive platform tests on a busy CI machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
