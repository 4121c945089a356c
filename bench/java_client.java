/* Round-trip latency of a Java client calling add(int32, int32) -> int32.
 *
 * Build against the generated stub (OUT holds metropipe/add/Add.java and the runtime,
 * metropipe/MetropipeChannel.java and metropipe/MetropipeException.java):
 *     javac -d classes -sourcepath OUT bench/java_client.java
 * Run with a provider of add serving the channel:
 *     java -cp classes JavaClient N GAP_US
 * (or, without javac: java -cp classes-of-the-stub bench/java_client.java N GAP_US)
 * first makes min(N, 20000) unmeasured calls (the JIT compiles the call path), then N calls
 * add(i, 1), checking each result, GAP_US microseconds apart (0: back to back; the gap is a
 * busy wait, as in bench/c_client.c), and prints {"p50_us": ..., "p99_us": ..., "n": N} on
 * stdout. Exit status 1 on any failed or wrong call (the message goes to stderr), 2 on bad
 * arguments.
 */
import java.util.Arrays;
import metropipe.MetropipeException;
import metropipe.add.Add;

final class JavaClient {
    private JavaClient() {
    }

    /** The q-quantile of sorted samples (nearest rank), in microseconds. */
    private static double quantileUs(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        rank = Math.max(1, Math.min(sorted.length, rank));
        return sorted[rank - 1] / 1000.0;
    }

    private static long parse(String text, String what, long min) {
        try {
            long v = Long.parseLong(text);
            if (v >= min) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        System.err.println("java_client: " + what + " must be an integer >= " + min + ", not '" + text + "'");
        System.exit(2);
        return 0;
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: java JavaClient N GAP_US");
            System.exit(2);
        }
        int n = (int) Math.min(parse(args[0], "N", 1), Integer.MAX_VALUE);
        long gapNs = parse(args[1], "GAP_US", 0) * 1000;
        long[] samples = new long[n];
        try {
            for (int i = 0; i < Math.min(n, 20000); i++) {
                Add.add(i, 1);
            }
            for (int i = 0; i < n; i++) {
                int a = i % 1000000;
                if (gapNs > 0) {
                    long until = System.nanoTime() + gapNs;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
                long t0 = System.nanoTime();
                int sum = Add.add(a, 1);
                long t1 = System.nanoTime();
                if (sum != a + 1) {
                    System.err.println("java_client: call " + i + ": add(" + a + ", 1) returned " + sum);
                    System.exit(1);
                }
                samples[i] = t1 - t0;
            }
        } catch (MetropipeException e) {
            System.err.println("java_client: add failed: " + e.getMessage() + " (" + e.kind() + ")");
            System.exit(1);
        }
        Arrays.sort(samples);
        System.out.printf("{\"p50_us\": %.3f, \"p99_us\": %.3f, \"n\": %d}%n", quantileUs(samples, 0.50),
                quantileUs(samples, 0.99), n);
    }
}
