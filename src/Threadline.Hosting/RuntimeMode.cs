namespace Threadline.Hosting;

/// <summary>How infrastructure resources run: as containers, or as local executables from the operating system's packages.</summary>
public enum RuntimeMode
{
    /// <summary>Containers through Docker or Podman; always used in publish mode.</summary>
    Container,
    /// <summary>The operating system's <c>postgres</c>, <c>pgbouncer</c> and <c>rabbitmq-server</c>, with data in a per-run folder.</summary>
    Local,
}
