using Threadline.AspNetCore;
using Threadline.AspNetCore.AdminUi;
using Threadline.Samples.MinimalApi;

var builder = WebApplication.CreateBuilder(args);
builder.AddNotesAuthentication();
builder.AddNotesDatabase();
builder.Services.AddThreadlineHttpContext();        // the actor of each request: its user's sub claim
builder.Services.AddThreadlineErrorResponses();     // Threadline's refusals and transient failures as problem details
builder.Services.AddThreadlineInvestigation();      // the audit trail's readers, over the AuditReader data source
builder.Services.AddThreadlineAdminUi(NotesSetup.AuditorPolicy);

var app = builder.Build();
await app.MigrateNotesDbAsync();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseThreadlineAdminUi();
app.UseAuthentication();
app.UseAuthorization();
app.UseThreadlineAuditContext();
app.MapNotes();
app.MapThreadlineInvestigation(NotesSetup.AuditorPolicy);
app.MapThreadlineAdminUi();
app.Run();
