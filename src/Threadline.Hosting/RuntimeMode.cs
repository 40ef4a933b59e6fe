namespace Threadline.Hosting;

/// <summary>How infrastructure resources run: as containers, or as local executables from the operating system's packages.</summary>
public enum RuntimeMode
{
    Container,
    Local,
}
