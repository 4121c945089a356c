/* The Java stub without a provider: argument checks, timeouts, channel files.
 *
 *     java Offline args        bad arguments (nothing may reach the channel); one line per call
 *     java Offline call MS     Add.add(1, 2) with a timeout of MS ms (-1: the default)
 *     java Offline threads MS  two threads call Add.add(1, 2) with a timeout of MS ms at once
 *
 * Each call prints "<code> <elapsed ms> <message>" on its own line (code 0: no error).
 */
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import metropipe.MetropipeException;
import metropipe.add.Add;
import metropipe.echo.Echo;
import metropipe.every_type.EveryType;

public final class Offline {
    private static final PrintStream OUT =
            new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

    private Offline() {
    }

    private static synchronized void print(String line) {
        OUT.print(line + "\n");
    }

    private static void report(Runnable call) {
        long t0 = System.nanoTime();
        String line;
        try {
            call.run();
            line = "0 " + elapsed(t0) + " ";
        } catch (MetropipeException e) {
            line = e.code() + " " + elapsed(t0) + " " + e.getMessage();
        }
        print(line);
    }

    private static String elapsed(long t0) {
        return String.format("%.1f", (System.nanoTime() - t0) / 1e6);
    }

    private static void badArguments() {
        byte[] blob = new byte[1];
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, "x".repeat(253), blob));
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, "\u00e9".repeat(127), blob));
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, "ok \ud800 no", blob));
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, "\udc00", blob));
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, "fits", new byte[4093]));
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, null, blob));
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, "fits", null));
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, "fits", blob, Duration.ZERO));
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, "fits", blob, Duration.ofSeconds(-1)));
        report(() -> EveryType.everyType(1, 2, 1f, 2, true, "fits", blob, null));
        report(() -> Echo.echo(new byte[4097]));
        report(() -> Echo.echo(null));
    }

    private static void call(int ms) {
        report(() -> {
            if (ms < 0) {
                Add.add(1, 2);
            } else {
                Add.add(1, 2, Duration.ofMillis(ms));
            }
        });
    }

    private static void threads(int ms) throws InterruptedException {
        Thread[] threads = new Thread[2];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> call(ms));
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length == 1 && args[0].equals("args")) {
            badArguments();
        } else if (args.length == 2 && args[0].equals("call")) {
            call(Integer.parseInt(args[1]));
        } else if (args.length == 2 && args[0].equals("threads")) {
            threads(Integer.parseInt(args[1]));
        } else {
            System.err.println("usage: Offline args | call MS | threads MS");
            System.exit(2);
        }
    }
}
