using Threadline.Platform;
using Threadline.Platform.PostsApi;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(QuietSpans.All);
builder.AddPostsApiServices();

var app = builder.Build();
app.UsePostsApiPipeline();
app.MapPostsEndpoints();
// The OpenAPI document describes the routes only, no data, so it is public.
app.MapOpenApi();
app.MapDefaultEndpoints();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
