using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Threadline.Query;

namespace Threadline.Cli.Commands;

/// <summary>threadline export: streams matching changes, oldest first, as CSV, NDJSON or JSON to a file or stdout.</summary>
internal static class ExportCommand
{
    public const int DefaultMaxRows = 100_000;

    public static Command Build(CliApplication app)
    {
        var filters = new FilterOptions();
        var format = new Option<string>("--format") { Description = "csv (RFC 4180, header row), ndjson (one JSON object per line) or json (one document with truncated, maxRows and items).", HelpName = "csv|ndjson|json", DefaultValueFactory = _ => "ndjson" };
        format.AcceptOnlyFromAmong("csv", "ndjson", "json");
        var output = new Option<string>("--out") { Description = "File to write, or - for standard output (the default). A file is written under a temporary name and renamed when complete.", HelpName = "file|-", DefaultValueFactory = _ => "-" };
        var maxRows = Options.WholeNumber("--max-rows", $"Write at most this many changes, the oldest first (default {DefaultMaxRows:N0}); more matches are reported as truncation.", 1, AuditExporter.MaxRowsLimit);
        var dryRun = new Option<bool>("--dry-run") { Description = "Only count the matching changes and say whether an export would be truncated." };
        var command = new Command("export", """
            Export audit changes matching the filters, oldest first, streamed from one read-only snapshot (one row in
            memory at a time). Filters combine with AND and take the same names and values as the admin HTTP API,
            either as options (--table, --actor-type, ...) or as --filter name=value. Truncation (more matches than
            --max-rows) is reported on standard error before the first byte, and in the --json summary. Redaction is
            whatever capture stored: masked and excluded columns never appear.
            """);
        filters.AddTo(command);
        command.Options.Add(format);
        command.Options.Add(output);
        command.Options.Add(maxRows);
        command.Options.Add(dryRun);
        app.SetExamples(command, """
              threadline export --table orders --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z --format csv --out orders-nov.csv
              threadline export --actor-type user --actor-id alice --op update,delete --format ndjson | jq .
              threadline export --filter correlationId=8f2c --filter op=insert --format json --out incident.json
              threadline export --table orders --dry-run                 # how many would it be?
            """);
        app.SetHandler(command, async (context, cancellationToken) =>
        {
            var filter = filters.Parse(context);
            var exportFormat = context.Value(format) switch
            {
                "csv" => AuditExportFormat.Csv,
                "json" => AuditExportFormat.Json,
                _ => AuditExportFormat.Ndjson,
            };
            var limit = context.Value(maxRows) ?? DefaultMaxRows;
            var target = context.Value(output) is { Length: > 0 } path ? path : "-";
            await using var dataSource = context.CreateDataSource();
            await context.RequireAuditSchemaAsync(dataSource, cancellationToken);

            if (context.Value(dryRun))
            {
                var count = await new AuditReader(dataSource, context.AuditSchema).CountAsync(filter, cancellationToken);
                var truncated = count > limit;
                if (context.Json)
                {
                    context.WriteJson(new { ok = true, dryRun = true, matchingRows = count, maxRows = limit, wouldTruncate = truncated });
                }
                else
                {
                    context.Out.WriteLine($"Dry run: {N(count)} change{(count == 1 ? "" : "s")} match; an export would write {N(Math.Min(count, limit))}{(truncated ? $" (TRUNCATED at --max-rows {N(limit)}; narrow the filters or raise --max-rows)" : "")}. Nothing was written.");
                }

                return ExitCodes.Success;
            }

            var exporter = new AuditExporter(dataSource, context.AuditSchema);
            var toStdout = target == "-";
            AuditExportResult result;
            var stopwatch = Stopwatch.StartNew();
            if (toStdout)
            {
                context.StdoutIsData = true;
                await using var stdout = context.Environment.OpenStandardOutput();
                result = await exporter.ExportAsync(filter, exportFormat, stdout, limit, truncated => ReportTruncation(context, truncated, limit), cancellationToken);
            }
            else
            {
                var file = Path.GetFullPath(target);
                var partial = file + ".partial";
                try
                {
                    await using (var stream = new ProgressStream(new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true), context.Err))
                    {
                        result = await exporter.ExportAsync(filter, exportFormat, stream, limit, truncated =>
                        {
                            context.Err.WriteLine($"Exporting to {target} ({context.Value(format)}, at most {N(limit)} rows)...");
                            return ReportTruncation(context, truncated, limit);
                        }, cancellationToken);
                        stream.Finish();
                    }

                    File.Move(partial, file, overwrite: true);
                }
                catch
                {
                    TryDelete(partial);
                    throw;
                }
            }

            var summary = $"Exported {N(result.Rows)} change{(result.Rows == 1 ? "" : "s")}{(toStdout ? "" : $" to {target}")} in {stopwatch.Elapsed.TotalSeconds:0.0}s{(result.Truncated ? $"; TRUNCATED at --max-rows {N(limit)}" : "")}.";
            if (context.Json)
            {
                var json = CliContext.ToJson(new { ok = true, rows = result.Rows, truncated = result.Truncated, maxRows = limit, format = context.Value(format), output = toStdout ? "-" : target });
                // Standard output carries the data when exporting to '-': the summary goes to standard error then.
                (toStdout ? context.Err : context.Out).WriteLine(json);
            }
            else
            {
                (toStdout ? context.Err : context.Out).WriteLine(summary);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Task ReportTruncation(CliContext context, bool truncated, int limit)
    {
        if (truncated)
        {
            context.Err.WriteLine($"threadline: warning: more than {N(limit)} changes match; only the oldest {N(limit)} are exported (TRUNCATED). Narrow the filters or raise --max-rows.");
            context.Err.Flush();
        }

        return Task.CompletedTask;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Counts bytes on their way to the file and reports progress on standard error at most once a second.</summary>
    private sealed class ProgressStream(Stream inner, TextWriter progress) : Stream
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _bytes;
        private TimeSpan _lastReport = TimeSpan.Zero;
        private bool _reported;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _bytes;

        public override long Position { get => _bytes; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Count(count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Count(buffer.Length);
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(buffer.AsMemory(offset, count), cancellationToken);
            Count(count);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        /// <summary>The last progress line, if any was shown.</summary>
        public void Finish()
        {
            if (_reported)
            {
                progress.WriteLine($"  {Size(_bytes)} written.");
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private void Count(int count)
        {
            _bytes += count;
            var now = _clock.Elapsed;
            if (now - _lastReport >= TimeSpan.FromSeconds(1))
            {
                _lastReport = now;
                _reported = true;
                progress.WriteLine($"  {Size(_bytes)} written ({now.TotalSeconds:0}s)...");
                progress.Flush();
            }
        }

        private static string Size(long bytes) => bytes switch
        {
            < 1024 => $"{bytes} B",
            < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
            _ => $"{bytes / (1024.0 * 1024):0.0} MiB",
        };
    }
}
