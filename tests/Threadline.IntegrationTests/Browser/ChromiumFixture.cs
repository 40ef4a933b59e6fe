using Microsoft.Playwright;
using Threadline.IntegrationTests.Infrastructure;

namespace Threadline.IntegrationTests.Browser;

/// <summary>
/// One Playwright driver and one headless Chromium-family browser, shared by the browser tests. Nothing is downloaded:
/// the driver (with its node) ships in the Microsoft.Playwright package, and the browser is the first of
/// <see cref="Candidates"/> that exists: Debian's <c>chromium</c> package, or the Google Chrome that GitHub's Ubuntu
/// runners ship (Ubuntu has no <c>chromium</c> deb). When none exists, Debian's <c>chromium</c> is installed here (as
/// root; otherwise the message names the command). Anything else missing fails the tests with a message; never a skip.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium package.</summary>
    public const string DebianChromium = "/usr/bin/chromium";

    /// <summary>Where the browser is looked for, in order (issue 29: the GitHub runner image has Chrome, not chromium).</summary>
    public static readonly IReadOnlyList<string> Candidates = [DebianChromium, "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not started.");

    /// <summary>The browser executable in use.</summary>
    public string ExecutablePath { get; private set; } = DebianChromium;

    public async Task InitializeAsync()
    {
        if (Candidates.FirstOrDefault(File.Exists) is { } found)
        {
            ExecutablePath = found;
        }
        else
        {
            await DebianPackage.EnsureAsync("chromium", DebianChromium, "the browser tests");
        }

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
