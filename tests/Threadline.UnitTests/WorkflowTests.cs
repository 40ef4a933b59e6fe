using System.Diagnostics;
using System.Text.RegularExpressions;
using Threadline.Schema;
using Threadline.UnitTests.DocsTests;

namespace Threadline.UnitTests;

/// <summary>
/// Keeps the GitHub workflows correct by construction (issue 29), since GitHub Actions cannot run here: every action
/// pinned by commit, no apt chromium (Ubuntu has no such deb), a hang timeout on every test run, the container job's
/// PostgreSQL matrix covering the supported range with the images Dependabot updates, and a release that checks its tag
/// and changelog before anything is built and publishes only from a separate, protected job.
/// </summary>
public sealed partial class WorkflowTests
{
    private static readonly string[] Workflows = ["ci.yml", "release.yml"];

    public static TheoryData<string> WorkflowFiles => new(Workflows);

    [Theory]
    [MemberData(nameof(WorkflowFiles))]
    public void Every_action_is_pinned_by_a_commit_with_its_tag_in_a_comment(string workflow)
    {
        var uses = Lines(workflow).Where(l => UsesLine().IsMatch(l)).ToList();

        Assert.NotEmpty(uses);
        Assert.All(uses, l => Assert.Matches(PinnedUses(), l));
    }

    [Theory]
    [MemberData(nameof(WorkflowFiles))]
    public void No_apt_install_of_chromium_and_every_job_has_a_timeout(string workflow)
    {
        var text = Repository.Read($".github/workflows/{workflow}");

        Assert.DoesNotMatch(@"apt(-get)?\s+install[^\n]*chromium", text);
        var jobs = JobNames(text);
        Assert.NotEmpty(jobs);
        Assert.Equal(jobs.Count, TimeoutLine().Matches(text).Count);
    }

    [Fact]
    public void Every_test_run_in_CI_has_a_hang_timeout()
    {
        var files = Workflows.Select(w => $".github/workflows/{w}").Append(".ci/run").ToList();
        var runs = 0;
        foreach (var file in files)
        {
            var code = string.Join('\n', File.ReadAllLines(Repository.PathOf(file)).Where(l => !l.TrimStart().StartsWith('#')));
            var tests = Regex.Matches(code, @"dotnet test\s").Count;
            Assert.True(tests == Regex.Matches(code, @"--blame-hang-timeout \d+m --blame-hang-dump-type mini").Count, $"{file}: a dotnet test without --blame-hang-timeout");
            runs += tests;
        }

        Assert.True(runs >= 4, $"only {runs} test runs found");
        // The container job leaves out the tests that need the local runtime (trait Runtime=Local, RuntimeTrait).
        Assert.Contains("--filter \"Runtime!=Local\"", Repository.Read(".github/workflows/ci.yml"), StringComparison.Ordinal);
    }

    [Fact]
    public void CI_has_a_concurrency_group_and_a_NuGet_cache()
    {
        var ci = Repository.Read(".github/workflows/ci.yml");

        Assert.Matches(@"(?m)^concurrency:\n  group: ", ci);
        Assert.Contains("NUGET_PACKAGES:", ci, StringComparison.Ordinal);
        Assert.Equal(JobNames(ci).Count, Regex.Matches(ci, @"uses: actions/cache@").Count);
    }

    [Fact]
    public void The_container_matrix_runs_every_supported_PostgreSQL_major_from_images_Dependabot_updates()
    {
        var ci = Repository.Read(".github/workflows/ci.yml");
        var matrix = Regex.Match(ci, @"postgres: \[([^\]]*)\]");
        Assert.True(matrix.Success, "ci.yml has no postgres matrix");
        var majors = matrix.Groups[1].Value.Split(',').Select(v => int.Parse(v.Trim().Trim('\''), System.Globalization.CultureInfo.InvariantCulture)).ToList();

        Assert.Equal(Enumerable.Range(SchemaInstaller.MinimumPostgresMajorVersion, 5), majors);
        foreach (var major in majors)
        {
            Assert.Matches($@"(?m)^FROM docker\.io/library/postgres:{major}\.\d+$", Repository.Read($".github/images/postgres-{major}/Dockerfile"));
        }

        Assert.Contains("/.github/images/*", Repository.Read(".github/dependabot.yml"), StringComparison.Ordinal);
        foreach (var ecosystem in new[] { "github-actions", "nuget", "docker" })
        {
            Assert.Contains($"package-ecosystem: {ecosystem}", Repository.Read(".github/dependabot.yml"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Container_mode_runs_the_images_Dependabot_updates()
    {
        var postgres = ConstantIn("src/Threadline.Hosting/PostgresContainerImageTags.cs", "Tag");
        var major = postgres.Split('.')[0];
        Assert.Contains($"FROM docker.io/library/postgres:{postgres}\n", Repository.Read($".github/images/postgres-{major}/Dockerfile"), StringComparison.Ordinal);

        var pgbouncer = $"{ConstantIn("src/Threadline.Hosting/PgBouncerContainerImageTags.cs", "Registry")}/{ConstantIn("src/Threadline.Hosting/PgBouncerContainerImageTags.cs", "Image")}:{ConstantIn("src/Threadline.Hosting/PgBouncerContainerImageTags.cs", "Tag")}";
        Assert.Contains($"FROM {pgbouncer}\n", Repository.Read(".github/images/pgbouncer/Dockerfile"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_release_checks_before_it_builds_and_publishes_from_a_separate_protected_job()
    {
        var release = Repository.Read(".github/workflows/release.yml");
        var jobs = JobBlocks(release);

        Assert.Matches(@"(?m)^permissions: \{\}$", release);
        Assert.Equal(["validate", "build", "publish"], jobs.Keys);
        Assert.Contains(".ci/release-check", jobs["validate"], StringComparison.Ordinal);
        Assert.Contains("needs: validate", jobs["build"], StringComparison.Ordinal);
        Assert.Contains("needs: [validate, build]", jobs["publish"], StringComparison.Ordinal);
        Assert.DoesNotContain("write", jobs["validate"] + jobs["build"], StringComparison.Ordinal);
        Assert.Contains("dotnet pack", jobs["build"], StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet pack", jobs["publish"], StringComparison.Ordinal);
        Assert.Matches(@"environment:\n      name: release", jobs["publish"]);
        Assert.Contains("id-token: write", jobs["publish"], StringComparison.Ordinal);
        Assert.Contains("NuGet/login@", jobs["publish"], StringComparison.Ordinal);
        Assert.Contains("attest-build-provenance@", jobs["publish"], StringComparison.Ordinal);
        Assert.DoesNotContain("secrets.", release, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v0.3.0", true, "0.3.0", "false")]
    [InlineData("v0.3.0-preview.1", true, "0.3.0-preview.1", "true")]
    [InlineData("v0.4.0", false, null, null)]
    [InlineData("v0.3", false, null, null)]
    [InlineData("0.3.0", false, null, null)]
    [InlineData("v01.3.0", false, null, null)]
    [InlineData("v0.3.0+build.5", false, null, null)]
    [InlineData("v0.3.0-", false, null, null)]
    [InlineData("v0.2.0", false, null, null)]
    public async Task The_release_check_accepts_only_a_SemVer_tag_with_a_changelog_section(string tag, bool accepted, string? version, string? prerelease)
    {
        var folder = Directory.CreateTempSubdirectory("threadline-release-check-").FullName;
        try
        {
            var changelog = Path.Combine(folder, "CHANGELOG.md");
            await File.WriteAllTextAsync(changelog,
                "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [0.3.0-preview.1] - 2026-12-01\n\n- preview\n\n## [0.3.0] - 2026-12-08\n\n### Added\n\n- first release\n\n## 0.2.0 (never released)\n\n## [0.2.0]\n\n");
            var notes = Path.Combine(folder, "notes.md");
            var (code, output, error) = await RunAsync("bash", Repository.PathOf(".ci/release-check"), tag, changelog, notes);

            if (!accepted)
            {
                Assert.True(code != 0, $"{tag} was accepted: {output}");
                Assert.Contains(tag, error, StringComparison.Ordinal);
                return;
            }

            Assert.True(code == 0, $"{tag}: {error}");
            Assert.Equal($"version={version}\nprerelease={prerelease}\n", output);
            var written = await File.ReadAllTextAsync(notes);
            Assert.Contains(version == "0.3.0" ? "- first release" : "- preview", written, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(?m)^## ", written);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_repository_url_is_never_made_up()
    {
        var props = Repository.Read("Directory.Build.props");

        Assert.DoesNotContain("threadline-dotnet", props, StringComparison.Ordinal);
        Assert.Contains("$(GITHUB_SERVER_URL)/$(GITHUB_REPOSITORY)", props, StringComparison.Ordinal);
        Assert.DoesNotContain("threadline-dotnet", Repository.Read("docs/CHANGELOG.md"), StringComparison.Ordinal);
    }

    private static string[] Lines(string workflow) => File.ReadAllLines(Repository.PathOf($".github/workflows/{workflow}"));

    private static List<string> JobNames(string text)
    {
        var jobs = text[(text.IndexOf("\njobs:\n", StringComparison.Ordinal) + 7)..];
        return JobName().Matches(jobs).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>Each job's lines, by name, in file order.</summary>
    private static Dictionary<string, string> JobBlocks(string text)
    {
        var jobs = text[(text.IndexOf("\njobs:\n", StringComparison.Ordinal) + 7)..];
        var matches = JobName().Matches(jobs);
        var blocks = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < matches.Count; i++)
        {
            var end = i + 1 < matches.Count ? matches[i + 1].Index : jobs.Length;
            blocks[matches[i].Groups[1].Value] = jobs[matches[i].Index..end];
        }

        return blocks;
    }

    private static string ConstantIn(string file, string name)
    {
        var match = Regex.Match(Repository.Read(file), $@"const string {name} = ""([^""]+)"";");
        Assert.True(match.Success, $"{file} has no constant {name}");
        return match.Groups[1].Value;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string command, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"^\s*(-\s+)?uses:")]
    private static partial Regex UsesLine();

    /// <summary>owner/repo@ a full commit SHA, then the tag it was, e.g. <c># v4.2.2</c>.</summary>
    [GeneratedRegex(@"^\s*(-\s+)?uses: [A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$")]
    private static partial Regex PinnedUses();

    [GeneratedRegex(@"(?m)^    timeout-minutes: \d+$")]
    private static partial Regex TimeoutLine();

    [GeneratedRegex(@"(?m)^  ([A-Za-z0-9_-]+):$")]
    private static partial Regex JobName();
}
