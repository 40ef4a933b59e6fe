using System.Net.Http.Json;
using Threadline.Platform;

namespace Threadline.AppHost;

/// <summary>Dashboard buttons that make the platform easy to try: a developer token, and an audited write end to end.</summary>
internal static class DeveloperCommands
{
    public static IResourceBuilder<ProjectResource> WithDeveloperCommands(this IResourceBuilder<ProjectResource> api, PlatformSecrets secrets)
    {
        api.WithCommand("issue-dev-token", "Issue developer token", async context =>
        {
            var key = await secrets.SigningKey.Resource.GetValueAsync(context.CancellationToken);
            var token = PlatformAuth.IssueToken(key!, "dev-user", [PlatformAuth.AuditorRole]);
            // Shown in a dialog so it can be copied; valid 8 hours.
            return CommandResults.Success("Bearer token for 'dev-user' (auditor role), valid 8 hours.", token, CommandResultFormat.Text, displayImmediately: true);
        }, new CommandOptions { IconName = "Key", Description = "A JWT for curl or the admin API." });

        api.WithCommand("create-sample-post", "Create sample post", async context =>
        {
            var key = await secrets.SigningKey.Resource.GetValueAsync(context.CancellationToken);
            var endpoint = api.GetEndpoint("http");
            using var http = new HttpClient { BaseAddress = new Uri(endpoint.Url) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", PlatformAuth.IssueToken(key!, "dev-user"));
            http.DefaultRequestHeaders.Add("X-Correlation-Id", Guid.NewGuid().ToString("D"));
            var response = await http.PostAsJsonAsync("/posts", new { title = "Hello from the dashboard", body = "An audited write through PgBouncer" }, context.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
            return response.IsSuccessStatusCode
                ? CommandResults.Success($"Created: {body}. Open Traces to follow it from HTTP to the trigger and the job.")
                : CommandResults.Failure($"{(int)response.StatusCode}: {body}");
        }, new CommandOptions { IconName = "DocumentAdd", Description = "POST /posts as dev-user; its trace runs through PgBouncer, the audit trigger and the job worker." });
        return api;
    }
}
