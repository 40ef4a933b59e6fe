using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// xUnit's collection runner, except that classes marked <see cref="RunsLastInCollectionAttribute"/> run after the others
/// (each group keeps xUnit's own order).
/// </summary>
internal sealed class OrderedTestCollectionRunner(
    ITestCollection testCollection,
    IEnumerable<IXunitTestCase> testCases,
    IMessageSink diagnosticMessageSink,
    IMessageBus messageBus,
    ITestCaseOrderer testCaseOrderer,
    ExceptionAggregator aggregator,
    CancellationTokenSource cancellationTokenSource)
    : XunitTestCollectionRunner(testCollection, testCases, diagnosticMessageSink, messageBus, testCaseOrderer, aggregator, cancellationTokenSource)
{
    protected override async Task<RunSummary> RunTestClassesAsync()
    {
        var summary = new RunSummary();
        var classes = TestCases.GroupBy(tc => tc.TestMethod.TestClass, TestClassComparer.Instance)
            .OrderBy(c => RunsLast(c.Key)); // OrderBy is stable: each group keeps xUnit's order.
        foreach (var testClass in classes)
        {
            summary.Aggregate(await RunTestClassAsync(testClass.Key, (IReflectionTypeInfo)testClass.Key.Class, testClass));
            if (CancellationTokenSource.IsCancellationRequested)
            {
                break;
            }
        }

        return summary;
    }

    private static bool RunsLast(ITestClass testClass) =>
        ((IReflectionTypeInfo)testClass.Class).Type.GetCustomAttribute<RunsLastInCollectionAttribute>() is not null;
}
