package io.libgenauth;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.io.File;
import java.util.Collections;
import java.util.Map;

/**
 * Loads libgenauth once per process and owns the few helpers that touch raw native strings.
 *
 * <p>Where the library is looked for, first match wins:
 * <ol>
 *   <li>system property {@code genauth.library.path}, then environment variable
 *       {@code GENAUTH_LIBRARY}: either the library file itself or the directory holding it;</li>
 *   <li>otherwise JNA's usual search by the name {@code genauth}: {@code jna.library.path},
 *       the system's library path, the classpath ({@code linux-x86-64/libgenauth.so}), and on
 *       Android the APK's {@code jniLibs/<abi>/libgenauth.so}.</li>
 * </ol>
 */
public final class GenAuthNative {
    /** The library's base name: {@code libgenauth.so}, {@code libgenauth.dylib}, {@code genauth.dll}. */
    public static final String LIBRARY_NAME = "genauth";
    /** System property naming the library file or its directory. */
    public static final String PATH_PROPERTY = "genauth.library.path";
    /** Environment variable naming the library file or its directory. */
    public static final String PATH_ENV = "GENAUTH_LIBRARY";

    private GenAuthNative() {}

    private static final class Holder {
        static final GenAuthLibrary LIBRARY = load();
    }

    /** The loaded library (loaded on first use). */
    public static GenAuthLibrary library() {
        return Holder.LIBRARY;
    }

    private static GenAuthLibrary load() {
        Map<String, Object> options =
                Collections.<String, Object>singletonMap(Library.OPTION_STRING_ENCODING, "UTF-8");
        String explicit = firstNonEmpty(System.getProperty(PATH_PROPERTY), System.getenv(PATH_ENV));
        try {
            if (explicit == null) {
                return Native.load(LIBRARY_NAME, GenAuthLibrary.class, options);
            }
            File location = new File(explicit);
            if (location.isDirectory()) {
                NativeLibrary.addSearchPath(LIBRARY_NAME, location.getAbsolutePath());
                return Native.load(LIBRARY_NAME, GenAuthLibrary.class, options);
            }
            return Native.load(location.getAbsolutePath(), GenAuthLibrary.class, options);
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError clearer = new UnsatisfiedLinkError(
                    "libgenauth could not be loaded (" + (explicit == null
                            ? "set -D" + PATH_PROPERTY + " or " + PATH_ENV
                              + " to the library or its directory, or jna.library.path"
                            : PATH_PROPERTY + "/" + PATH_ENV + " = " + explicit)
                    + "): " + e.getMessage());
            clearer.initCause(e);
            throw clearer;
        }
    }

    private static String firstNonEmpty(String a, String b) {
        if (a != null && !a.trim().isEmpty()) return a.trim();
        if (b != null && !b.trim().isEmpty()) return b.trim();
        return null;
    }

    /**
     * Reads a string the library returned and releases it: exactly once, whatever happens.
     * Returns null for a NULL pointer.
     */
    static String take(Pointer s) {
        if (s == null) return null;
        try {
            return s.getString(0, "UTF-8");
        } finally {
            library().genauth_string_free(s);
        }
    }
}
