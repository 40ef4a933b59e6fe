// One platform at a time: the shared platform and the fault-injection platform each start a whole topology, and
// running both at once on a 2-core machine would make every timing-sensitive test flaky.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
