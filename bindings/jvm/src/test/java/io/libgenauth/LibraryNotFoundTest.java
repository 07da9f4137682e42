package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A library that cannot be found is reported clearly on every call, not only the first: run in
 * a fresh JVM (this one has the library loaded already) pointed at a path that does not exist.
 */
class LibraryNotFoundTest {

    /** The child JVM: calls through Java and Kotlin, twice each, and prints what it got. */
    public static void main(String[] args) {
        List<Runnable> calls = new ArrayList<>();
        calls.add(GenAuth::version);
        calls.add(() -> new GenAuthClient("{}"));
        calls.add(GenAuth::version);
        calls.add(io.libgenauth.kotlin.GenAuth.INSTANCE::version);
        calls.add(() -> new io.libgenauth.kotlin.Client(
                new io.libgenauth.kotlin.ClientConfig("a", "https://x.example", null, null, null, null, null, null,
                        null, null, null), null));
        for (Runnable call : calls) {
            try {
                call.run();
                System.out.println("no error");
            } catch (Throwable t) {
                System.out.println(t.getClass().getName() + ": " + t.getMessage());
            }
        }
    }

    @Test
    void everyCallSaysTheLibraryIsMissing() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        String missing = new File("target/no-such-dir/libgenauth.so").getAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", classPath,
                "-Dgenauth.library.path=" + missing, LibraryNotFoundTest.class.getName());
        pb.environment().remove("GENAUTH_LIBRARY");
        pb.redirectErrorStream(true);
        Process child = pb.start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        String[] lines = out.trim().split("\n");
        assertEquals(5, lines.length, out);
        for (String line : lines) {
            assertTrue(line.startsWith(LibraryNotFoundError.class.getName()
                    + ": libgenauth could not be loaded (genauth.library.path/GENAUTH_LIBRARY = " + missing + ")"),
                    "every call, the same clear error: " + out);
        }
    }
}
