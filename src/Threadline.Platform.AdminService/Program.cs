using Threadline.Platform.AdminService;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAdminServices();
builder.AddAdminUi();

var app = builder.Build();
app.UseServiceInstanceHeader();
app.UseAdminAuthentication();
app.MapAuditEndpoints();
// The OpenAPI document describes the routes only, no data, so it is public.
app.MapOpenApi();
app.MapAdminUi();
app.MapDefaultEndpoints();
app.Run();
