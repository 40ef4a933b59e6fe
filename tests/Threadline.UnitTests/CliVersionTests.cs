using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Threadline.Cli;
using Threadline.UnitTests.DocsTests;

namespace Threadline.UnitTests;

/// <summary>`threadline --version` prints the package version: the one shared version of Directory.Build.props, SemVer, no build metadata.</summary>
public sealed partial class CliVersionTests
{
    [Fact]
    public async Task The_version_option_prints_the_package_version()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await Cli.Program.RunAsync(["--version"], output, error);

        Assert.Equal(0, code);
        Assert.Equal("", error.ToString());
        var printed = output.ToString().Trim();
        Assert.Matches(SemVer(), printed);
        Assert.Equal(ToolVersion.Value, printed);
        // The same version as the library packages, which are built from the same property.
        var library = typeof(AuditContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        Assert.Equal(library, printed);
    }

    [Fact]
    public void One_VersionPrefix_in_Directory_Build_props_versions_every_package()
    {
        var props = XDocument.Parse(Repository.Read("Directory.Build.props"));
        var prefixes = props.Descendants("VersionPrefix").Select(e => e.Value).ToList();

        Assert.Matches(@"^\d+\.\d+\.\d+$", Assert.Single(prefixes));
        var projects = Directory.EnumerateFiles(Repository.PathOf("src"), "*.csproj", SearchOption.AllDirectories);
        Assert.All(projects, p => Assert.DoesNotMatch("<(Version|VersionPrefix|PackageVersion)>", File.ReadAllText(p)));
    }

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemVer();
}
