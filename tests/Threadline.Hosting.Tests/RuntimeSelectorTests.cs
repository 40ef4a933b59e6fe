using Microsoft.Extensions.Configuration;

namespace Threadline.Hosting.Tests;

/// <summary>How Threadline:Runtime chooses containers or local executables before the model is built.</summary>
public sealed class RuntimeSelectorTests
{
    [Theory]
    [InlineData("container", RuntimeMode.Container)]
    [InlineData("containers", RuntimeMode.Container)]
    [InlineData(" Container ", RuntimeMode.Container)]
    [InlineData("local", RuntimeMode.Local)]
    [InlineData("LOCAL", RuntimeMode.Local)]
    public void A_configured_runtime_is_used_without_asking_a_container_runtime(string configured, RuntimeMode expected)
    {
        var (mode, reason) = RuntimeSelector.Select(Configuration(configured));

        Assert.Equal(expected, mode);
        Assert.StartsWith(RuntimeSelector.ConfigurationKey + "=", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_runtime_fails_naming_the_key_and_the_choices()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RuntimeSelector.Select(Configuration("kubernetes")));

        Assert.Contains(RuntimeSelector.ConfigurationKey, error.Message, StringComparison.Ordinal);
        Assert.Contains("auto, container or local", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string runtime) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(RuntimeSelector.ConfigurationKey, runtime)]).Build();
}
