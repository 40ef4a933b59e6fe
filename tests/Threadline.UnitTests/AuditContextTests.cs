namespace Threadline.UnitTests;

public sealed class AuditContextTests
{
    [Fact]
    public void Json_has_a_fixed_key_order_and_omits_missing_values()
    {
        var context = new AuditContext(ActorRef.User("7"))
        {
            OnBehalfOf = ActorRef.ServiceAccount("gateway"),
            RequestId = "r",
            CorrelationId = "c",
            TraceId = "t",
            JobId = "j",
            Source = "http",
        };

        Assert.Equal(
            """{"actor":{"type":"user","id":"7"},"on_behalf_of":{"type":"service_account","id":"gateway"},"request_id":"r","correlation_id":"c","trace_id":"t","job_id":"j","source":"http"}""",
            context.ToJson());
        Assert.Equal("""{"actor":{"type":"anonymous"}}""", new AuditContext(ActorRef.Anonymous).ToJson());
        Assert.Equal(context, AuditContext.Parse(context.ToJson()));
    }

    [Fact]
    public void Quotes_and_unicode_in_ids_are_escaped_not_injected()
    {
        var context = new AuditContext(ActorRef.User("o'brien \"x\" é")) { RequestId = "'); DROP TABLE posts; --" };

        var json = context.ToJson();

        Assert.DoesNotContain("'", json, StringComparison.Ordinal);
        Assert.Equal(context, AuditContext.Parse(json));
    }

    [Fact]
    public void Invalid_values_are_rejected_before_reaching_the_database()
    {
        Assert.Throws<AuditContextException>(() => new AuditContext(null!));
        Assert.Throws<AuditContextException>(() => new AuditContext(ActorRef.Anonymous) { CorrelationId = new string('c', 257) });
        Assert.Throws<AuditContextException>(() => new AuditContext(ActorRef.Anonymous) { RequestId = "line\nbreak" });
        Assert.Throws<AuditContextException>(() => AuditContext.Parse("""{"actor":{"type":"user","id":"1"},"tenant":"x"}"""));
        Assert.Throws<AuditContextException>(() => AuditContext.Parse("""{"request_id":"x"}"""));
    }

    [Fact]
    public async Task Accessor_scopes_nest_and_never_leak_to_other_async_flows()
    {
        var accessor = new AuditContextAccessor();
        var outer = new AuditContext(ActorRef.User("outer"));
        var inner = new AuditContext(ActorRef.User("inner"));

        using (accessor.Begin(outer))
        {
            var other = Task.Run(() => accessor.Current);
            using (accessor.Begin(inner))
            {
                Assert.Same(inner, accessor.Current);
            }

            Assert.Same(outer, accessor.Current);
            Assert.Same(outer, await other);
        }

        Assert.Null(accessor.Current);
        Assert.Null(await Task.Run(() => accessor.Current));
    }
}
