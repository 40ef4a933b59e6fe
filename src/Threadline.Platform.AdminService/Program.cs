using Threadline.AspNetCore;
using Threadline.AspNetCore.AdminUi;
using Threadline.Platform.AdminService;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAdminServices();

var app = builder.Build();
app.UseServiceInstanceHeader();
app.UseAdminAuthentication();
app.MapThreadlineInvestigation(PlatformPolicies.Auditor);
// The OpenAPI document describes the routes only, no data, so it is public.
app.MapOpenApi();
app.MapThreadlineAdminUi();
app.MapDefaultEndpoints();
app.Run();
