// The conformance scenario (tests/fixtures/matrix/scenario.py) from C#.
using System;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using Metropipe;

static class Client
{
    static readonly Stream Stdout = Console.OpenStandardOutput();

    static void Print(string line)
    {
        byte[] data = new UTF8Encoding(false).GetBytes(line + "\n");
        Stdout.Write(data, 0, data.Length);
    }

    // ErrorKind.LayoutMismatch -> "LAYOUT_MISMATCH", the wire's name for it.
    static string WireName(ErrorKind kind)
    {
        return Regex.Replace(kind.ToString(), "(?<=[a-z])([A-Z])", "_$1").ToUpperInvariant();
    }

    static void Main()
    {
        Print("every: " + Stubs.Every(-5, 4611686018427387904L, 1.5f, -0.1, true, "h\u00e9llo \u2713", new byte[] { 0, 0xff }));
        try
        {
            Stubs.Boom("kaput");
            Print("boom: no error");
        }
        catch (MetropipeException e)
        {
            Print("boom: " + WireName(e.Kind) + " " + e.Message);
        }
        try
        {
            Stubs.Every(0, 0, 0f, 0, false, new string('x', 300), new byte[0]);
            Print("oversized: sent");
        }
        catch (MetropipeException e)
        {
            Print("oversized: " + WireName(e.Kind));
        }
        byte[] data = new byte[4092];
        for (int i = 0; i < 3840; i++)
        {
            data[i] = (byte)i;
        }
        byte[] echoed = Stubs.EchoBytes(data);
        long sum = 0;
        foreach (byte b in echoed)
        {
            sum += b;
        }
        Print("echo_bytes: " + echoed.Length + " " + sum);
        Stubs.Ping();
        Print("ping: ok");
        Stdout.Flush();
    }
}
