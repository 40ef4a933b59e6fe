using Threadline.Platform;
using Threadline.Platform.Outbox;

namespace Threadline.UnitTests.Outbox;

public sealed class OutboxOptionsTests
{
    [Fact]
    public void A_registered_message_type_is_found_under_its_stored_name()
    {
        var options = new OutboxOptions().AddMessage<PostChanged>();

        Assert.Equal("PostChanged", OutboxMessageTypeName.Of(typeof(PostChanged)));
        Assert.Equal(typeof(PostChanged), options.MessageType("PostChanged"));
    }

    [Fact]
    public void An_unregistered_message_type_is_not_found()
    {
        var options = new OutboxOptions().AddMessage<PostChanged>();

        Assert.Null(options.MessageType("PostDeleted"));
        Assert.Null(options.MessageType("postchanged"));
    }
}
