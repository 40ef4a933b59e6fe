using Threadline.Platform.AdminService;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAdminServices();

var app = builder.Build();
app.UsePlatformAuthentication();
app.MapAuditEndpoints();
app.MapDefaultEndpoints();
app.Run();
