// The C# stub without a provider: argument checks, timeouts, channel files.
//
//     mono offline.exe args        bad arguments (nothing may reach the channel); one line per call
//     mono offline.exe call MS     Stubs.Add(1, 2) with a timeout of MS ms (-1: the default)
//     mono offline.exe threads MS  two threads call Stubs.Add(1, 2) with a timeout of MS ms at once
//
// Each call prints "<code> <elapsed ms> <message>" on its own line (code 0: no error).
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Metropipe;

static class Offline
{
    static readonly Stream Stdout = Console.OpenStandardOutput();
    static readonly object Gate = new object();

    static void Print(string line)
    {
        byte[] data = new UTF8Encoding(false).GetBytes(line + "\n");
        lock (Gate)
        {
            Stdout.Write(data, 0, data.Length);
            Stdout.Flush();
        }
    }

    static void Report(Action call)
    {
        long t0 = Stopwatch.GetTimestamp();
        string line;
        try
        {
            call();
            line = "0 " + Elapsed(t0) + " ";
        }
        catch (MetropipeException e)
        {
            line = e.Code + " " + Elapsed(t0) + " " + e.Message;
        }
        Print(line);
    }

    static string Elapsed(long t0)
    {
        double ms = (Stopwatch.GetTimestamp() - t0) * 1000.0 / Stopwatch.Frequency;
        return ms.ToString("F1", CultureInfo.InvariantCulture);
    }

    static void BadArguments()
    {
        byte[] blob = new byte[1];
        Report(() => Stubs.EveryType(1, 2, 1f, 2, true, new string('x', 253), blob));
        Report(() => Stubs.EveryType(1, 2, 1f, 2, true, new string('\u00e9', 127), blob));
        Report(() => Stubs.EveryType(1, 2, 1f, 2, true, "ok \ud800 no", blob));
        Report(() => Stubs.EveryType(1, 2, 1f, 2, true, "\udc00", blob));
        Report(() => Stubs.EveryType(1, 2, 1f, 2, true, "fits", new byte[4093]));
        Report(() => Stubs.EveryType(1, 2, 1f, 2, true, null, blob));
        Report(() => Stubs.EveryType(1, 2, 1f, 2, true, "fits", null));
        Report(() => Stubs.EveryType(1, 2, 1f, 2, true, "fits", blob, TimeSpan.Zero));
        Report(() => Stubs.EveryType(1, 2, 1f, 2, true, "fits", blob, TimeSpan.FromSeconds(-1)));
        Report(() => Stubs.Echo(new byte[4097]));
        Report(() => Stubs.Echo(null));
    }

    static void Call(int ms)
    {
        Report(() =>
        {
            if (ms < 0)
            {
                Stubs.Add(1, 2);
            }
            else
            {
                Stubs.Add(1, 2, TimeSpan.FromMilliseconds(ms));
            }
        });
    }

    static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "args")
        {
            BadArguments();
        }
        else if (args.Length == 2 && args[0] == "call")
        {
            Call(int.Parse(args[1], CultureInfo.InvariantCulture));
        }
        else if (args.Length == 2 && args[0] == "threads")
        {
            int ms = int.Parse(args[1], CultureInfo.InvariantCulture);
            Thread[] threads = { new Thread(() => Call(ms)), new Thread(() => Call(ms)) };
            foreach (Thread t in threads)
            {
                t.Start();
            }
            foreach (Thread t in threads)
            {
                t.Join();
            }
        }
        else
        {
            Console.Error.WriteLine("usage: offline.exe args | call MS | threads MS");
            return 2;
        }
        return 0;
    }
}
