// Many calls from one client process, in two threads: every result must be its own.
//
//     mono hammer.exe K N    calls Add(K * 1000000 + t * 100000 + i, i) N/2 times in each of two threads
//
// Prints "ok N" when every call returned the right sum; else the first failure goes to
// stderr and the exit status is 1.
using System;
using System.Globalization;
using System.Threading;
using Metropipe;

static class Hammer
{
    static string failure;

    static int Main(string[] args)
    {
        int k = int.Parse(args[0], CultureInfo.InvariantCulture);
        int n = int.Parse(args[1], CultureInfo.InvariantCulture);
        Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.Length; t++)
        {
            int start = k * 1000000 + t * 100000;
            int calls = n / 2 + (t == 0 ? n % 2 : 0);
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < calls; i++)
                {
                    int a = start + i;
                    try
                    {
                        int sum = Stubs.Add(a, i);
                        if (sum != a + i)
                        {
                            Interlocked.CompareExchange(ref failure, "Add(" + a + ", " + i + ") returned " + sum, null);
                        }
                    }
                    catch (MetropipeException e)
                    {
                        Interlocked.CompareExchange(ref failure, "Add(" + a + ", " + i + "): " + e.Kind + " " + e.Message, null);
                    }
                }
            });
            threads[t].Start();
        }
        foreach (Thread t in threads)
        {
            t.Join();
        }
        if (failure != null)
        {
            Console.Error.WriteLine("client " + k + ": " + failure);
            return 1;
        }
        Console.WriteLine("ok " + n);
        return 0;
    }
}
