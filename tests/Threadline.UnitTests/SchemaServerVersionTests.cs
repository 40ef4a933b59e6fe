using Threadline.Schema;

namespace Threadline.UnitTests;

/// <summary>
/// The installer's PostgreSQL version check (issue 29): the schema needs PostgreSQL 14 (multiranges), and an older server
/// is refused with a message naming its version and the minimum, before anything is changed. No PostgreSQL older than 14
/// can be installed on the development machine (Debian 12 ships 15 only), so the decision is tested here on
/// <c>server_version_num</c> values; the integration tests run the same check against every real server they start.
/// </summary>
public sealed class SchemaServerVersionTests
{
    [Theory]
    [InlineData(90624, "9.6.24")]
    [InlineData(120022, "12.22")]
    [InlineData(130014, "13.14")]
    [InlineData(130022, "13.22 (Debian 13.22-1.pgdg120+1)")]
    public void A_server_older_than_14_is_refused_naming_its_version_and_the_minimum(int versionNum, string version)
    {
        var message = SchemaInstaller.UnsupportedServerMessage(versionNum, version);

        Assert.NotNull(message);
        Assert.Contains($"PostgreSQL {version}", message, StringComparison.Ordinal);
        Assert.Contains($"server_version_num {versionNum}", message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL 14 or later", message, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(140000, "14.0")]
    [InlineData(140019, "14.19")]
    [InlineData(150018, "15.18 (Debian 15.18-0+deb12u1)")]
    [InlineData(160010, "16.10")]
    [InlineData(170006, "17.6")]
    [InlineData(180000, "18.0")]
    [InlineData(190000, "19devel")]
    public void PostgreSQL_14_and_later_is_accepted(int versionNum, string version) =>
        Assert.Null(SchemaInstaller.UnsupportedServerMessage(versionNum, version));

    [Fact]
    public void The_minimum_is_14() => Assert.Equal(14, SchemaInstaller.MinimumPostgresMajorVersion);
}
