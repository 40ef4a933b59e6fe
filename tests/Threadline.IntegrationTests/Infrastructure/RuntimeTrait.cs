namespace Threadline.IntegrationTests.Infrastructure;

/// <summary>
/// The trait of tests that need the local-executable runtime whatever <c>Threadline:Runtime</c> says (they start the
/// local PostgreSQL themselves). CI's container job leaves them out with <c>--filter "Runtime!=Local"</c>; the local job
/// runs them.
/// </summary>
public static class RuntimeTrait
{
    public const string Name = "Runtime";

    public const string Local = "Local";
}
