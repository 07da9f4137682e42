package io.libgenauth;

import com.sun.jna.JNIEnv;
import com.sun.jna.Platform;

/**
 * {@code genauth_android_init} through JNA: {@link JNIEnv#CURRENT} and the app's Context, once
 * per process, on Android only. See {@link GenAuth#initAndroid(Object)}.
 */
final class AndroidTls {
    private AndroidTls() {}

    private static final Object LOCK = new Object();
    private static boolean done;

    static boolean init(Object context) {
        return init(context, Platform.isAndroid(), null);
    }

    /**
     * {@code android} and {@code libraryPath} (null: libgenauth itself) are parameters so the
     * desktop tests can drive the Android path against a stand-in library.
     */
    static boolean init(Object context, boolean android, String libraryPath) {
        if (!android) return false;
        if (context == null) throw new NullPointerException("context");
        synchronized (LOCK) {
            if (done) return true;
            Object application = applicationContext(context);
            GenAuthLibrary.Android lib;
            try {
                lib = GenAuthNative.loadWithObjects(GenAuthLibrary.Android.class, libraryPath);
            } catch (LibraryNotFoundError e) {
                throw e;
            } catch (UnsatisfiedLinkError e) {
                throw new LibraryNotFoundError("libgenauth was loaded but has no genauth_android_init:"
                        + " it is not an Android build of the library", e);
            }
            int status;
            try {
                status = lib.genauth_android_init(JNIEnv.CURRENT, application);
            } catch (UnsatisfiedLinkError e) {
                throw new LibraryNotFoundError("libgenauth was loaded but has no genauth_android_init:"
                        + " it is not an Android build of the library", e);
            }
            if (status != 0) {
                throw new InternalException("internal", "genauth_android_init failed (" + status + "): "
                        + (status == -1 ? "no JNIEnv or Context" : "the JVM refused a call (is the Context valid?)"),
                        null, null, null, null, null, null);
            }
            done = true;
            return true;
        }
    }

    /** {@code context.getApplicationContext()} when it has one (an Activity's outlives nothing). */
    private static Object applicationContext(Object context) {
        try {
            Object app = context.getClass().getMethod("getApplicationContext").invoke(context);
            return app != null ? app : context;
        } catch (ReflectiveOperationException e) {
            return context;
        } catch (RuntimeException e) {
            return context;
        }
    }

    /** Forgets a done initialisation (tests only). */
    static void reset() {
        synchronized (LOCK) {
            done = false;
        }
    }

    static boolean isInitialized() {
        synchronized (LOCK) {
            return done;
        }
    }
}
