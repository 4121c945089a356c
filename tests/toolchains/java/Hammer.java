/* Many calls from one client process, in two threads: every result must be its own.
 *
 *     java Hammer K N    calls add(K * 1000000 + t * 100000 + i, i) N/2 times in each of two threads
 *
 * Prints "ok N" when every call returned the right sum; else the first failure goes to
 * stderr and the exit status is 1.
 */
import java.util.concurrent.atomic.AtomicReference;
import metropipe.MetropipeException;
import metropipe.add.Add;

public final class Hammer {
    private Hammer() {
    }

    public static void main(String[] args) throws InterruptedException {
        int k = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        AtomicReference<String> failure = new AtomicReference<>();
        Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++) {
            int base = k * 1000000 + t * 100000;
            int calls = n / 2 + (t == 0 ? n % 2 : 0);
            threads[t] = new Thread(() -> {
                for (int i = 0; i < calls; i++) {
                    int a = base + i;
                    try {
                        int sum = Add.add(a, i);
                        if (sum != a + i) {
                            failure.compareAndSet(null, "add(" + a + ", " + i + ") returned " + sum);
                        }
                    } catch (MetropipeException e) {
                        failure.compareAndSet(null, "add(" + a + ", " + i + "): " + e.kind() + " " + e.getMessage());
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            System.err.println("client " + k + ": " + failure.get());
            System.exit(1);
        }
        System.out.println("ok " + n);
    }
}
