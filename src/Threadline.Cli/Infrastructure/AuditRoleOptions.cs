using System.CommandLine;
using Threadline.Schema;

namespace Threadline.Cli;

/// <summary>
/// The audit schema's role names (ThreadlineSchemaOptions), on the commands that create roles or make objects owned
/// by them: only needed for an install that was made with other role names than threadline_*.
/// </summary>
internal sealed class AuditRoleOptions
{
    private static readonly ThreadlineSchemaOptions Defaults = ThreadlineSchemaOptions.Default;

    private AuditRoleOptions(bool groupRoles)
    {
        Owner = Options.Identifier("--audit-owner-role", $"The role that owns the audit tables and the capture functions (default {Defaults.OwnerRole}).", "role");
        if (groupRoles)
        {
            Reader = Options.Identifier("--audit-reader-role", $"The role that may read the audit tables (default {Defaults.ReaderRole}).", "role");
            Retention = Options.Identifier("--audit-retention-role", $"The role that may read and purge audit rows (default {Defaults.RetentionRole}).", "role");
            Writer = Options.Identifier("--audit-writer-role", $"The group application roles join to record actions (default {Defaults.WriterRole}).", "role");
        }
    }

    public Option<string?> Owner { get; }

    public Option<string?>? Reader { get; }

    public Option<string?>? Retention { get; }

    public Option<string?>? Writer { get; }

    /// <summary>Reader, retention and writer too: the schema commands, which create the roles and grant to them.</summary>
    public bool HasGroupRoles => Reader is not null;

    /// <summary>Only the owner role: capture, whose functions are owned by it.</summary>
    public static AuditRoleOptions OwnerOnly() => new(groupRoles: false);

    /// <summary>Every role: installing and upgrading the schema.</summary>
    public static AuditRoleOptions All() => new(groupRoles: true);

    public void AddTo(Command command)
    {
        foreach (var option in new[] { Owner, Reader, Retention, Writer })
        {
            if (option is not null)
            {
                command.Options.Add(option);
            }
        }
    }

    /// <summary>The given role names on top of <paramref name="schema"/>; a role not given keeps its default.</summary>
    public ThreadlineSchemaOptions Apply(CliContext context, ThreadlineSchemaOptions schema) => schema with
    {
        OwnerRole = context.Value(Owner) ?? schema.OwnerRole,
        ReaderRole = (Reader is null ? null : context.Value(Reader)) ?? schema.ReaderRole,
        RetentionRole = (Retention is null ? null : context.Value(Retention)) ?? schema.RetentionRole,
        WriterRole = (Writer is null ? null : context.Value(Writer)) ?? schema.WriterRole,
    };
}
