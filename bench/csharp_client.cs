// Round-trip latency of a C# client calling add(int32, int32) -> int32.
//
// Build against the generated stub (OUT holds metropipe/add/stub.cs and the runtime,
// metropipe/Metropipe.Runtime.cs), with Mono:
//     mcs -unsafe -langversion:7.2 -out:csharp_client.exe bench/csharp_client.cs \
//         OUT/metropipe/add/stub.cs OUT/metropipe/Metropipe.Runtime.cs
// Run with a provider of add serving the channel:
//     mono csharp_client.exe N GAP_US
// first makes min(N, 20000) unmeasured calls (the JIT compiles the call path), then N calls
// add(i, 1), checking each result, GAP_US microseconds apart (0: back to back; the gap is a
// busy wait, as in bench/c_client.c), and prints {"p50_us": ..., "p99_us": ..., "n": N} on
// stdout. Exit status 1 on any failed or wrong call (the message goes to stderr), 2 on bad
// arguments.
using System;
using System.Diagnostics;
using System.Globalization;
using Metropipe;

static class CsharpClient
{
    // The q-quantile of sorted samples (nearest rank), in microseconds.
    static double QuantileUs(long[] sorted, double q)
    {
        int rank = (int)Math.Ceiling(q * sorted.Length);
        rank = Math.Max(1, Math.Min(sorted.Length, rank));
        return sorted[rank - 1] * 1e6 / Stopwatch.Frequency;
    }

    static long Parse(string text, string what, long min)
    {
        long v;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out v) && v >= min)
        {
            return v;
        }
        Console.Error.WriteLine("csharp_client: " + what + " must be an integer >= " + min + ", not '" + text + "'");
        Environment.Exit(2);
        return 0;
    }

    static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: mono csharp_client.exe N GAP_US");
            return 2;
        }
        int n = (int)Math.Min(Parse(args[0], "N", 1), int.MaxValue);
        long gapTicks = Parse(args[1], "GAP_US", 0) * Stopwatch.Frequency / 1000000;
        long[] samples = new long[n];
        try
        {
            for (int i = 0; i < Math.Min(n, 20000); i++)
            {
                Stubs.Add(i, 1);
            }
            for (int i = 0; i < n; i++)
            {
                int a = i % 1000000;
                if (gapTicks > 0)
                {
                    long until = Stopwatch.GetTimestamp() + gapTicks;
                    while (Stopwatch.GetTimestamp() < until)
                    {
                    }
                }
                long t0 = Stopwatch.GetTimestamp();
                int sum = Stubs.Add(a, 1);
                long t1 = Stopwatch.GetTimestamp();
                if (sum != a + 1)
                {
                    Console.Error.WriteLine("csharp_client: call " + i + ": add(" + a + ", 1) returned " + sum);
                    return 1;
                }
                samples[i] = t1 - t0;
            }
        }
        catch (MetropipeException e)
        {
            Console.Error.WriteLine("csharp_client: add failed: " + e.Message + " (" + e.Kind + ")");
            return 1;
        }
        Array.Sort(samples);
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{{\"p50_us\": {0:F3}, \"p99_us\": {1:F3}, \"n\": {2}}}",
                                        QuantileUs(samples, 0.50), QuantileUs(samples, 0.99), n));
        return 0;
    }
}
