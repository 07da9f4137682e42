package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JVM side of Android's TLS initialisation, on the desktop: off Android nothing happens; on
 * the Android path, JNA passes JNIEnv.CURRENT and the application context to
 * genauth_android_init (here a stand-in library built from src/test/c, since the real one
 * exists only in Android builds); a desktop libgenauth says it is not an Android build.
 */
class AndroidInitTest {

    /** An Android Context's two methods that the initialisation uses. */
    public static final class FakeApplication {
        static final AtomicInteger LOADER_CALLS = new AtomicInteger();

        public ClassLoader getClassLoader() {
            LOADER_CALLS.incrementAndGet();
            return FakeApplication.class.getClassLoader();
        }

        public FakeApplication getApplicationContext() {
            return this;
        }
    }

    /** An Activity: its application context is the one to keep. */
    public static final class FakeActivity {
        final FakeApplication application = new FakeApplication();

        public ClassLoader getClassLoader() {
            throw new AssertionError("the activity itself must not be handed over");
        }

        public FakeApplication getApplicationContext() {
            return application;
        }
    }

    @AfterEach
    void forget() {
        AndroidTls.reset();
    }

    @Test
    void offAndroidNothingHappens() {
        assertFalse(GenAuth.initAndroid(new FakeActivity()));
        assertFalse(AndroidTls.isInitialized());
    }

    @Test
    void aDesktopLibraryIsNoAndroidBuild() {
        LibraryNotFoundError e = assertThrows(LibraryNotFoundError.class,
                () -> AndroidTls.init(new FakeActivity(), true, null));
        assertTrue(e.getMessage().contains("not an Android build"), e.getMessage());
        assertFalse(AndroidTls.isInitialized());
    }

    @Test
    void jnaHandsOverTheJniEnvAndTheApplicationContext() throws Exception {
        String stub = buildStub();
        int before = FakeApplication.LOADER_CALLS.get();
        assertTrue(AndroidTls.init(new FakeActivity(), true, stub));
        assertEquals(before + 1, FakeApplication.LOADER_CALLS.get(), "getClassLoader ran on the application context");
        assertTrue(AndroidTls.init(new FakeActivity(), true, stub), "a second call");
        assertEquals(before + 1, FakeApplication.LOADER_CALLS.get(), "does nothing");
        AndroidTls.reset();
        InternalException e = assertThrows(InternalException.class, () -> AndroidTls.init(new Object(), true, stub));
        assertTrue(e.getMessage().contains("(-2)"), "a Context without getClassLoader: " + e.getMessage());
    }

    /** Compiles src/test/c/android_init_stub.c into target/ (skips the test without a C compiler). */
    private static String buildStub() throws Exception {
        File source = new File("src/test/c/android_init_stub.c").getAbsoluteFile();
        File out = new File("target/android-init-stub/libandroidstub.so").getAbsoluteFile();
        out.getParentFile().mkdirs();
        String javaHome = System.getProperty("java.home");
        File include = new File(javaHome, "include");
        assumeTrue(new File(include, "jni.h").isFile(), "no jni.h in " + include);
        Process cc;
        try {
            cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", out.getPath(),
                    "-I" + include, "-I" + new File(include, "linux"), source.getPath())
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException noCompiler) {
            assumeTrue(false, "no C compiler: " + noCompiler.getMessage());
            return null;
        }
        String log = new String(cc.getInputStream().readAllBytes());
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, cc.exitValue(), log);
        return out.getPath();
    }
}
