using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// xUnit's own framework, except that within a collection the classes marked <see cref="RunsLastInCollectionAttribute"/>
/// run after all the others (xUnit v2 has no class orderer of its own). That lets the fault tests share the platform
/// the other platform tests use instead of starting a whole platform of their own (issue 16).
/// </summary>
public sealed class OrderedTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new OrderedTestFrameworkExecutor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);
}
