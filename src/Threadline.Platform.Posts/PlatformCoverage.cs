using Threadline.Operations;

namespace Threadline.Platform.Posts;

/// <summary>The tables the platform must never write without capture; its services report it as health.</summary>
public static class PlatformCoverage
{
    public static CoverageExpectation Expectation { get; } = new() { Required = PlatformTables.MustBeCaptured };
}
