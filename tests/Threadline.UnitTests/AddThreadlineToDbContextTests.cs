using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Threadline.EntityFrameworkCore;

namespace Threadline.UnitTests;

/// <summary>
/// What <c>AddThreadlineToDbContext</c> puts into a context's options for each registration, without a database
/// (EfCoreRegistrationTests runs them against PostgreSQL behind PgBouncer).
/// </summary>
public sealed class AddThreadlineToDbContextTests
{
    // The options are only built: nothing connects.
    private const string NoServer = "Host=127.0.0.1;Database=unused";

    public static TheoryData<string> Registrations() => ["AddDbContext", "AddDbContextPool", "AddDbContextFactory", "AddPooledDbContextFactory"];

    [Theory]
    [MemberData(nameof(Registrations))]
    public void The_options_carry_both_interceptors_whichever_way_the_context_is_registered(string registration)
    {
        var services = new ServiceCollection();
        services.AddThreadlineToDbContext<RegistrationProbeContext>();
        Register(services, registration);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        using var scope = provider.CreateScope();

        var interceptors = scope.ServiceProvider.GetRequiredService<DbContextOptions<RegistrationProbeContext>>().FindExtension<CoreOptionsExtension>()?.Interceptors ?? [];

        Assert.Single(interceptors.OfType<ThreadlineTransactionInterceptor>());
        Assert.Single(interceptors.OfType<ThreadlineCommandInterceptor>());
    }

    [Fact]
    public void A_scoped_accessor_is_refused_when_the_options_are_built()
    {
        var services = new ServiceCollection();
        services.AddDbContextPool<RegistrationProbeContext>(o => o.UseNpgsql(NoServer));
        services.AddThreadlineToDbContext<RegistrationProbeContext>();
        services.AddScoped<IAuditContextAccessor, AuditContextAccessor>();
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();

        var error = Assert.Throws<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<DbContextOptions<RegistrationProbeContext>>());

        Assert.Contains("IAuditContextAccessor is registered as Scoped", error.Message, StringComparison.Ordinal);
    }

    private static void Register(IServiceCollection services, string registration)
    {
        switch (registration)
        {
            case "AddDbContext":
                services.AddDbContext<RegistrationProbeContext>(o => o.UseNpgsql(NoServer));
                break;
            case "AddDbContextPool":
                services.AddDbContextPool<RegistrationProbeContext>(o => o.UseNpgsql(NoServer));
                break;
            case "AddDbContextFactory":
                services.AddDbContextFactory<RegistrationProbeContext>(o => o.UseNpgsql(NoServer));
                break;
            default:
                services.AddPooledDbContextFactory<RegistrationProbeContext>(o => o.UseNpgsql(NoServer));
                break;
        }
    }
}
