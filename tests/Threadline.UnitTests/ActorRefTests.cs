namespace Threadline.UnitTests;

public sealed class ActorRefTests
{
    [Theory]
    [InlineData(ActorType.User, "42", """{"type":"user","id":"42"}""")]
    [InlineData(ActorType.Admin, "root", """{"type":"admin","id":"root"}""")]
    [InlineData(ActorType.ServiceAccount, "importer", """{"type":"service_account","id":"importer"}""")]
    [InlineData(ActorType.Job, "nightly", """{"type":"job","id":"nightly"}""")]
    [InlineData(ActorType.System, "migrations", """{"type":"system","id":"migrations"}""")]
    public void Json_form_is_stable_and_round_trips(ActorType type, string id, string json)
    {
        var actor = ActorRef.Create(type, id);

        Assert.Equal(json, actor.ToJson());
        Assert.Equal(actor, ActorRef.Parse(json));
    }

    [Fact]
    public void Anonymous_has_no_id()
    {
        Assert.Equal("""{"type":"anonymous"}""", ActorRef.Anonymous.ToJson());
        Assert.Same(ActorRef.Anonymous, ActorRef.Parse("""{"type":"anonymous"}"""));
        Assert.Throws<AuditContextException>(() => ActorRef.Create(ActorType.Anonymous, "someone"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Non_anonymous_actor_needs_an_id(string? id)
    {
        var error = Assert.Throws<AuditContextException>(() => ActorRef.Create(ActorType.User, id));
        Assert.Contains("'user' needs a non-empty id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Id_with_control_characters_or_too_long_is_rejected()
    {
        Assert.Contains("control character", Assert.Throws<AuditContextException>(() => ActorRef.User("a\u0000b")).Message, StringComparison.Ordinal);
        Assert.Contains("limit is 256", Assert.Throws<AuditContextException>(() => ActorRef.User(new string('x', 257))).Message, StringComparison.Ordinal);
        Assert.Equal(256, ActorRef.User(new string('x', 256)).Id!.Length);
    }

    [Theory]
    [InlineData("""{"type":"robot","id":"1"}""", "Unknown actor type \"robot\"")]
    [InlineData("""{"type":"User","id":"1"}""", "Unknown actor type \"User\"")]
    [InlineData("""{"id":"1"}""", "Unknown actor type \"(none)\"")]
    [InlineData("""{"type":"user","id":1}""", "must be a string")]
    [InlineData("""{"type":"user"}""", "needs a non-empty id")]
    [InlineData("""{"type":"user","id":"1","role":"x"}""", "unknown property \"role\"")]
    [InlineData("""["user","1"]""", "must be a JSON object")]
    [InlineData("not json", "not valid JSON")]
    public void Malformed_json_fails_with_the_reason(string json, string reason)
    {
        Assert.False(ActorRef.TryParse(json, out var actor, out var error));
        Assert.Null(actor);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Throws<AuditContextException>(() => ActorRef.Parse(json));
    }
}
