using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>Runs the assembly with <see cref="OrderedTestAssemblyRunner"/>; otherwise xUnit's own executor.</summary>
internal sealed class OrderedTestFrameworkExecutor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
    : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
{
    protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
    {
        using var runner = new OrderedTestAssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
        await runner.RunAsync();
    }
}
