using System.Diagnostics;
using System.Globalization;

namespace Omnibus.Bench.EndToEnd;

/// <summary>
/// The disk's raw ceiling for the batching the engine achieved: records of the engine's size appended to one file
/// in batches of the engine's records-per-fsync, with an fsync (<c>FileStream.Flush(true)</c>, as the log does)
/// after each batch. No encoding, no checksums, no threads: what the disk allows at that batch size.
/// </summary>
internal static class DiskCeiling
{
    public static async Task<ScenarioResult> RunAsync(BenchSettings settings, string caseName, double recordsPerFsync, double bytesPerRecord, double engineRate)
    {
        var batchRecords = Math.Max(1, (int)Math.Round(recordsPerFsync));
        var recordBytes = Math.Max(1, (int)Math.Round(bytesPerRecord));
        var rates = new List<double>();
        for (var r = 0; r < settings.RunCount; r++)
        {
            rates.Add(await Task.Run(() => Measure(settings, batchRecords, recordBytes, settings.Messages)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"disk ceiling for {caseName}, run {r + 1}: {rates[^1]:#,0} records/s ({batchRecords} records of {recordBytes} bytes per fsync)"));
        }

        var ceiling = new ScenarioResult("", "", rates).Median;
        var note = string.Create(CultureInfo.InvariantCulture,
            $"{batchRecords} x {recordBytes}-byte records per fsync (engine's median); engine/ceiling = {engineRate / ceiling:0.00}");
        return new ScenarioResult($"  disk ceiling, {caseName} batching", "records/s", rates, Note: note);
    }

    private static double Measure(BenchSettings settings, int batchRecords, int recordBytes, int records)
    {
        var directory = settings.NewDataDirectory("ceiling");
        try
        {
            var batch = new byte[batchRecords * recordBytes];
            Random.Shared.NextBytes(batch);
            using var file = new FileStream(Path.Combine(directory, "ceiling.log"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 0, FileOptions.None);
            var position = 0L;
            var written = 0;
            var clock = Stopwatch.StartNew();
            while (written < records)
            {
                RandomAccess.Write(file.SafeFileHandle, batch, position);
                position += batch.Length;
                written += batchRecords;
                file.Flush(flushToDisk: true);
            }

            return written / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
