using Threadline.Platform;
using Threadline.Platform.JobWorker;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(QuietSpans.All);
builder.AddJobWorkerServices();

var app = builder.Build();
app.UseServiceInstanceHeader();
// /health includes MassTransit's bus check, so the AppHost reports the worker healthy once its queue is bound.
app.MapDefaultEndpoints();
app.Run();
