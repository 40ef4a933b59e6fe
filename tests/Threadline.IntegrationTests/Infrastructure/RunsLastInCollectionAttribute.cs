namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// Runs the class after every other class of its collection (<see cref="OrderedTestFramework"/>), for tests that break
/// the collection's shared topology on purpose (restarting PgBouncer or PostgreSQL, stopping RabbitMQ, killing a service,
/// clearing this process's connection pools): whatever they leave behind cannot reach another class's test.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RunsLastInCollectionAttribute : Attribute;
