namespace Threadline.Schema;

/// <summary>
/// One function, procedure or aggregate of the audit schema with its current definition (a file of Sql/Functions):
/// <c>CREATE OR REPLACE</c>, owner and grants. The installer applies every one on each install and upgrade, after the
/// version scripts, so a function has exactly one definition however the schema was installed.
/// </summary>
/// <param name="Name">The object's name, which is also its file name (for example <c>ensure_transaction_actor</c>).</param>
/// <param name="Sql">The file's SQL, with the schema and role placeholders not yet filled in.</param>
public sealed record SchemaFunction(string Name, string Sql);
