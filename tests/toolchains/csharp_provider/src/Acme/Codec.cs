// Copyright (c) Acme Tools. All rights reserved.
// Licensed under the MIT License.

#region usings
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
#endregion

[assembly: System.Reflection.AssemblyTitle("Acme.Text")]

namespace Acme.Text
{
    /// <summary>Thrown when a text is not a number.</summary>
    [Serializable]
    public sealed class InvalidInput : FormatException
    {
        public InvalidInput(string message) : base(message)
        {
        }
    }

    /// <summary>A generic cache nobody exports: generics elsewhere in the file.</summary>
    /// <typeparam name="TKey">the key</typeparam>
    internal sealed class Cache<TKey, TValue> where TKey : IEquatable<TKey>
    {
        private readonly Dictionary<TKey, TValue> items = new Dictionary<TKey, TValue>();

        public bool TryGet(TKey key, out TValue value) => items.TryGetValue(key, out value);

        public static int Count() => 0; // a generic class: its methods cannot be served
    }

    /// <summary>
    /// Text and number codecs, as a service library would write them.
    /// </summary>
    public static class Codec
    {
        private static readonly Dictionary<string, string> Words = new Dictionary<string, string>
        {
            ["one"] = "1",
            ["two"] = "2",
        };

        private static int touched;

        /// <summary>Adds two numbers (wrapping on overflow).</summary>
        /// <param name="a">the first</param>
        /// <param name="b">the second</param>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static int Add(int a, int b)
        {
            return unchecked(a + b);
        }

        /* a block comment: internal methods are served too */
        internal static long Scale(long value, long factor) => unchecked(value * factor);

        public static float Half(float x) => x / 2;

        public static double Mean(double a, double b) => (a + b) / 2;

        /// <summary>An extension method is a static method like others.</summary>
        public static bool IsBlank(this string text) => text.Trim().Length == 0;

        public static bool Not(bool value) => !value;

        public static string Shout(string text) => text.ToUpperInvariant() + "!";

        public static byte[] Reverse(byte[] data)
        {
            var copy = (byte[])data.Clone();
            Array.Reverse(copy);
            return copy;
        }

        /// <summary>Counts calls; returns nothing.</summary>
        public static void Touch() => Interlocked.Increment(ref touched);

        public static int Touched() => Volatile.Read(ref touched);

        /// <summary>The digit of a word, or null (not a valid result).</summary>
        public static string Lookup(string word) => Words.TryGetValue(word, out var digit) ? digit : null;

        public static string Repeat(string text, int times) => string.Concat(Enumerable.Repeat(text, times));

        /// <summary>A string that is not valid UTF-16 (an unpaired surrogate).</summary>
        public static string Broken() => "ok\ud800";

        public static byte[] Blob(int size) => size < 0 ? null : new byte[size];

        /// <summary>Parses a number.</summary>
        /// <exception cref="InvalidInput">when it is not one</exception>
        [Obsolete("use int.Parse")]
        public static int ParseNumber(string text)
        {
            int value;
            if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
            {
                throw new InvalidInput("not a number: '" + text + "'");
            }
            return value;
        }

        /// <summary>Always fails, with text repeated as the message.</summary>
        public static void Complain(string text, int times)
        {
            throw new ArgumentException(string.Concat(Enumerable.Repeat(text, times)));
        }

        /// <summary>Sleeps, then answers (for the SIGTERM test).</summary>
        public static int Slow(int ms)
        {
            Thread.Sleep(ms);
            return ms;
        }

        // instance-like overloads elsewhere do not make Add ambiguous: see Calculator
#if DEBUG
        public static int DebugOnly() => 1;
#endif

        /// <summary>Units, nested.</summary>
        public static class Units
        {
            internal static class Temperature
            {
                public static double ToCelsius(double fahrenheit) => (fahrenheit - 32) * 5 / 9;
            }
        }
    }

    /// <summary>A class with an instance overload of a static method.</summary>
    public class Calculator
    {
        private readonly StringBuilder log = new StringBuilder();

        public int Mul(int a, int b)
        {
            log.Append('*');
            return a * b;
        }

        protected static int Mul(int a, int b, int c) => a * b * c;

        public override string ToString() => log.ToString();
    }

    /// <summary>The library's own command line (a Main of its own: the provider picks its entry point).</summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            Console.WriteLine(Codec.Add(args.Length, 1));
            return 0;
        }
    }
}
