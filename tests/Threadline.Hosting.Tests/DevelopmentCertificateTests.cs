#pragma warning disable ASPIRECERTIFICATES001 // HttpsCertificateAnnotation is experimental in Aspire 13.6.
using Aspire.Hosting.ApplicationModel;

namespace Threadline.Hosting.Tests;

/// <summary>
/// Aspire 13.6 shows the dashboard banner "No trusted development certificate" (DcpHost.EnsureDevelopmentCertificateTrustAsync)
/// when no trusted ASP.NET Core development certificate exists AND some resource uses TLS: an https endpoint, or an
/// HTTPS certificate configuration callback that WithoutHttpsCertificate() has not turned off. The platform is plain
/// HTTP, so no resource may match, and a fresh Linux machine shows no banner.
/// </summary>
public sealed class DevelopmentCertificateTests(ContainerModelFixture model) : IClassFixture<ContainerModelFixture>
{
    [Fact]
    public void No_resource_uses_TLS_so_the_dashboard_shows_no_development_certificate_banner()
    {
        var usingTls = model.Builder.Resources.Where(UsesTls).Select(r => r.Name);

        Assert.Empty(usingTls);
    }

    /// <summary>The condition Aspire 13.6 checks (DcpHost.ResourceUsesTls), restated.</summary>
    private static bool UsesTls(IResource resource)
    {
        if (resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.UriScheme == "https"))
        {
            return true;
        }

        if (!resource.Annotations.OfType<HttpsCertificateConfigurationCallbackAnnotation>().Any())
        {
            return false;
        }

        var certificate = resource.Annotations.OfType<HttpsCertificateAnnotation>().LastOrDefault();
        return certificate is null || certificate.UseDeveloperCertificate == true || certificate.Certificate is not null;
    }
}
