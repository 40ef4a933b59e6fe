using Npgsql;

namespace Threadline.UnitTests;

/// <summary>
/// Which database errors <see cref="ThreadlineErrors.FindRefusal"/> takes for Threadline's refusals: its own SQLSTATEs
/// always, and 42501 and 22023 only with Threadline's message, so that PostgreSQL's permission denied or row-level
/// security error, and the installer's own 42501, are left to the application. The messages are the schema's (real
/// ones are produced in RefusalResponseTests and AnonymousWriteTests).
/// </summary>
public sealed class RefusalClassificationTests
{
    [Theory]
    [InlineData("TL003", "threadline: a write to public.posts needs an authenticated actor, and this transaction's actor is anonymous", ThreadlineRefusalKind.AnonymousActorRefused)]
    [InlineData("TL001", "threadline: a write to public.posts needs an actor, and the audit context has no transaction stamp", ThreadlineRefusalKind.ContextNotFromThisTransaction)]
    [InlineData("TL002", "threadline: the audit context changed within a transaction (from user a to user b): one transaction has one actor", ThreadlineRefusalKind.ContextChangedInTransaction)]
    [InlineData("42501", "threadline: a write to public.posts needs an actor, and this transaction has none", ThreadlineRefusalKind.ActorRequired)]
    [InlineData("42501", "threadline: record_action(x) needs an actor, and this transaction has none", ThreadlineRefusalKind.ActorRequired)]
    [InlineData("22023", "threadline: unknown actor type \"martian\" in the audit context", ThreadlineRefusalKind.InvalidContext)]
    public void Threadlines_refusals_are_found_even_when_wrapped(string sqlState, string message, ThreadlineRefusalKind kind)
    {
        var error = Postgres(sqlState, message);

        Assert.Equal(kind, ThreadlineErrors.FindRefusal(error)?.Kind);
        var wrapped = ThreadlineErrors.FindRefusal(new InvalidOperationException("EF Core", new InvalidOperationException("again", error)));
        Assert.Equal((kind, sqlState), (wrapped?.Kind, wrapped?.SqlState));
    }

    [Theory]
    [InlineData("42501", "permission denied for table posts")]
    [InlineData("42501", "new row violates row-level security policy for table \"posts\"")]
    [InlineData("42501", "threadline: the role admin installs the audit schema but is not a member of threadline_owner, and may not make itself one")]
    [InlineData("22023", "invalid value for parameter \"TimeZone\": \"Mars\"")]
    [InlineData("22P02", "invalid input syntax for type json")]
    [InlineData("23505", "duplicate key value violates unique constraint \"posts_pkey\"")]
    public void Other_errors_with_the_same_codes_are_not_Threadlines_refusals(string sqlState, string message) =>
        Assert.Null(ThreadlineErrors.FindRefusal(Postgres(sqlState, message)));

    private static PostgresException Postgres(string sqlState, string message) => new(message, "ERROR", "ERROR", sqlState);
}
