using Threadline.EntityFrameworkCore;

namespace Threadline.UnitTests;

public sealed class SqlStatementKindTests
{
    [Theory]
    [InlineData("INSERT INTO posts (title) VALUES (@p0) RETURNING id", true)]
    [InlineData("UPDATE posts SET title = @p0 WHERE id = @p1", true)]
    [InlineData("-- tag\nDELETE FROM posts WHERE id = 1", true)]
    [InlineData("/* comment */ WITH x AS (SELECT 1) UPDATE posts SET title = 'a'", true)]
    [InlineData("SELECT p.id FROM posts AS p", false)]
    [InlineData("  select 1", false)]
    [InlineData("SELECT 1; UPDATE posts SET title = 'x'", true)]
    [InlineData("COMMIT", false)]
    [InlineData("", false)]
    public void Only_commands_that_may_write_are_stamped(string sql, bool mayWrite) =>
        Assert.Equal(mayWrite, SqlStatementKind.MayWrite(sql));
}
