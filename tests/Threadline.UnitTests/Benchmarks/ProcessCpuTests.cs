using Threadline.Benchmarks.Investigation;

namespace Threadline.UnitTests.Benchmarks;

public sealed class ProcessCpuTests
{
    [Fact]
    public void Gnu_time_cpu_is_user_plus_system()
    {
        const string report = """
                User time (seconds): 9.41
                System time (seconds): 1.09
                Percent of CPU this job got: 87%
            """;

        Assert.Equal(TimeSpan.FromSeconds(10.5), ProcessCpu.ParseGnuTime(report));
    }

    [Fact]
    public void A_report_without_cpu_times_gives_null()
    {
        Assert.Null(ProcessCpu.ParseGnuTime("Maximum resident set size (kbytes): 1"));
    }

    [Fact]
    public void The_own_process_has_used_some_cpu()
    {
        Assert.True(ProcessCpu.Of(Environment.ProcessId) > TimeSpan.Zero);
    }
}
