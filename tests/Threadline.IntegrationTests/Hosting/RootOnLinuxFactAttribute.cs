namespace Threadline.IntegrationTests.Hosting;

/// <summary>
/// A test about what root does on Linux (the run moves where the service user can reach it). Anywhere else it is
/// reported as skipped, with the reason, rather than returning early and counting as passed. xunit 2 decides a skip
/// when it discovers the test, so the check runs here.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootOnLinuxFactAttribute : FactAttribute
{
    public RootOnLinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Skip = $"Needs root on Linux (running as {Environment.UserName} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}): as any other user the service user is this user, so there is nothing to move.";
        }
    }
}
