namespace Threadline.UnitTests.DocsTests;

/// <summary>
/// One statement of a docs SQL block as the docs tests run it: its text, whether it is a psql <c>\copy ... TO</c>
/// turned into <c>COPY ... TO STDOUT</c>, and the placeholders to bind (<c>$1</c>, or <c>@name</c> as Npgsql's named
/// parameters) in order of first use.
/// </summary>
internal sealed record SqlStep(string Sql, bool CopyOut, IReadOnlyList<string> Placeholders);
