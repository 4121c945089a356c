/* The conformance scenario (tests/fixtures/matrix/scenario.py) from Java. */
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import metropipe.MetropipeException;
import metropipe.boom.Boom;
import metropipe.echo_bytes.EchoBytes;
import metropipe.every.Every;
import metropipe.ping.Ping;

public final class Client {
    private Client() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        out.print("every: " + Every.every(-5, 4611686018427387904L, 1.5f, -0.1, true, "h\u00e9llo \u2713",
                new byte[] {0, (byte) 0xff}) + "\n");
        try {
            Boom.boom("kaput");
            out.print("boom: no error\n");
        } catch (MetropipeException e) {
            out.print("boom: " + e.kind() + " " + e.getMessage() + "\n");
        }
        try {
            Every.every(0, 0, 0f, 0, false, "x".repeat(300), new byte[0]);
            out.print("oversized: sent\n");
        } catch (MetropipeException e) {
            out.print("oversized: " + e.kind() + "\n");
        }
        byte[] data = new byte[4092];
        for (int i = 0; i < 3840; i++) {
            data[i] = (byte) i;
        }
        byte[] echoed = EchoBytes.echoBytes(data);
        long sum = 0;
        for (byte b : echoed) {
            sum += b & 0xFF;
        }
        out.print("echo_bytes: " + echoed.length + " " + sum + "\n");
        Ping.ping();
        out.print("ping: ok\n");
    }
}
