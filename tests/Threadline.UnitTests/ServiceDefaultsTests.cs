using Microsoft.Extensions.Hosting;

namespace Threadline.UnitTests;

/// <summary>
/// The service defaults are generic: every service (job worker and schema manager included) references them, so they
/// carry nothing of one service, such as the admin UI's token cookie and policies, and know no platform contract.
/// </summary>
public sealed class ServiceDefaultsTests
{
    private static readonly System.Reflection.Assembly ServiceDefaults = typeof(Extensions).Assembly;

    [Fact]
    public void The_service_defaults_do_not_reference_the_platform_contracts()
    {
        var references = ServiceDefaults.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("Microsoft.AspNetCore.Authentication.JwtBearer", references);
        Assert.DoesNotContain(references, name => name!.StartsWith("Threadline.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_admin_UI_cookie_and_policies_are_not_in_the_service_defaults()
    {
        var types = ServiceDefaults.GetTypes().Select(t => t.Name).ToList();

        Assert.Contains(nameof(AuthenticationExtensions), types);
        Assert.DoesNotContain("PlatformUi", types);
        Assert.DoesNotContain("PlatformPolicies", types);
    }
}
