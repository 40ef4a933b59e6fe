using Threadline.Benchmarks.Investigation;

namespace Threadline.UnitTests.Benchmarks;

public sealed class ProcessMemoryTests
{
    [Fact]
    public void Gnu_time_peak_is_read_in_bytes()
    {
        const string report = """
                Command being timed: "dotnet Threadline.Cli.dll export"
                Elapsed (wall clock) time (h:mm:ss or m:ss): 0:04.12
                Maximum resident set size (kbytes): 87412
                Exit status: 0
            """;

        Assert.Equal(87412L * 1024, ProcessMemory.ParseGnuTimePeak(report));
    }

    [Fact]
    public void A_report_without_the_peak_gives_null()
    {
        Assert.Null(ProcessMemory.ParseGnuTimePeak("Command exited with non-zero status 1"));
    }
}
