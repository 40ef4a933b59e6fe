// Two phases (xunit runs collections marked DisableParallelization after all the others have finished):
// 1. In parallel, two at a time: the shared platform (PlatformCollection) and the database-only collection
//    (DatabaseCollection: PostgreSQL and PgBouncer, no services), plus the classes without a fixture. The database tests
//    run while the platform starts and serves its own tests; only one whole platform runs.
// 2. One after the other: the fault platform and the dashboard platform. Two whole platforms at once on a 2-core machine
//    would make every timing-sensitive test flaky, so a collection with a platform of its own must set
//    DisableParallelization = true.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 2)]
