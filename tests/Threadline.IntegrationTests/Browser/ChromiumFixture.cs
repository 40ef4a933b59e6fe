using Microsoft.Playwright;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Browser;

/// <summary>
/// One Playwright driver and one headless Debian Chromium, shared by the browser tests. Nothing is downloaded: the
/// driver (with its node) ships in the Microsoft.Playwright package, and the browser is the distribution's
/// <c>chromium</c> package, installed here when missing (as root; otherwise the message names the command). Anything
/// else missing fails the tests with a message; never a skip.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not started.");

    public async Task InitializeAsync()
    {
        await DebianPackage.EnsureAsync("chromium", ExecutablePath, "the browser tests");

        try
        {
            _playwright = await Playwright.CreateAsync();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                "The Playwright driver did not start. It ships in the Microsoft.Playwright package and is copied to " +
                $".playwright/ beside the test assembly ({AppContext.BaseDirectory}); rebuild the test project. {ex.Message}", ex);
        }

        try
        {
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Timeout = 60_000,
            });
        }
        catch (PlaywrightException ex)
        {
            throw new InvalidOperationException($"{ExecutablePath} did not start under Playwright: {ex.Message}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
