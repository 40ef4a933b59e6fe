using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Service defaults shared by every service of the reference platform: OpenTelemetry (traces, metrics, logs to the
/// Aspire dashboard), health checks, service discovery and resilient HTTP clients.
/// </summary>
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";

    /// <summary>Activity sources shown in traces: MassTransit's own, Npgsql's, and Threadline's.</summary>
    public static readonly string[] TraceSources = ["MassTransit", "Npgsql", "Threadline", "Threadline.*"];

    /// <param name="quietRootSpans">
    /// Names of spans of periodic work (polling, scheduled checks) that export nothing when they start a trace; the same
    /// spans under a request are kept (see <see cref="QuietRootSampler"/>).
    /// </param>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, params IEnumerable<string> quietRootSpans)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry(quietRootSpans);
        builder.AddDefaultHealthChecks();
        builder.Services.AddSingleton<ServiceInstance>();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder, params IEnumerable<string> quietRootSpans)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("MassTransit", "Npgsql", "Threadline", "Threadline.*"))
            .WithTracing(tracing => tracing
                // Idle polling (each service names its own, e.g. an outbox sweep or a coverage health check) starts no trace.
                .SetSampler(new QuietRootSampler(quietRootSpans))
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TraceSources)
                // Health probes would drown the traces that matter.
                .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                    !context.Request.Path.StartsWithSegments(HealthEndpointPath) &&
                    !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// Names the answering instance in every response (<see cref="ServiceInstance.Header"/>), so a client behind the
    /// proxy or load balancer of a replicated service can tell which instance served it. Call it first in the pipeline,
    /// so responses that a later middleware ends early (401, 503) carry it too.
    /// </summary>
    public static WebApplication UseServiceInstanceHeader(this WebApplication app)
    {
        var id = app.Services.GetRequiredService<ServiceInstance>().Id;
        app.Use((context, next) =>
        {
            context.Response.Headers[ServiceInstance.Header] = id;
            return next(context);
        });
        return app;
    }

    /// <summary>
    /// <c>/health</c>: every check must pass (the AppHost waits on it). <c>/alive</c>: the process answers.
    /// They reveal only a status word, so they stay mapped outside Development too, for orchestrators.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        return app;
    }
}
