namespace Threadline.Samples.MinimalApi;

/// <summary>The app's own endpoints: an authenticated user writes notes; each write is audited with that user as the actor.</summary>
public static class NotesEndpoints
{
    public static IEndpointRouteBuilder MapNotes(this IEndpointRouteBuilder app)
    {
        var notes = app.MapGroup("/notes").RequireAuthorization();
        notes.MapPost("/", async (NewNote body, NotesDb db, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(body.Text))
            {
                return Results.Problem(title: "Invalid note", detail: "'text' is required.", statusCode: StatusCodes.Status400BadRequest);
            }

            var note = new Note { Text = body.Text.Trim() };
            db.Notes.Add(note);
            await db.SaveChangesAsync(cancellationToken);
            return Results.Created($"/notes/{note.Id}", note);
        });
        notes.MapGet("/{id:long}", async (long id, NotesDb db, CancellationToken cancellationToken) =>
            await db.Notes.FindAsync([id], cancellationToken) is { } note ? Results.Ok(note) : Results.NotFound());
        return app;
    }
}
