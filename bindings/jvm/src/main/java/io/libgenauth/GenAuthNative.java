package io.libgenauth;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.io.File;
import java.util.HashMap;
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
 *
 * <p>When it cannot be loaded, every call that needs it throws a {@link LibraryNotFoundError}
 * saying where it looked, the first time and every time after (the load is tried again on each
 * call until it succeeds, so setting the path later works).
 */
public final class GenAuthNative {
    /** The library's base name: {@code libgenauth.so}, {@code libgenauth.dylib}, {@code genauth.dll}. */
    public static final String LIBRARY_NAME = "genauth";
    /** System property naming the library file or its directory. */
    public static final String PATH_PROPERTY = "genauth.library.path";
    /** Environment variable naming the library file or its directory. */
    public static final String PATH_ENV = "GENAUTH_LIBRARY";

    private GenAuthNative() {}

    private static final Object LOCK = new Object();
    private static volatile GenAuthLibrary library;
    /** The name or path the library was loaded by, for the Android entry point's own mapping. */
    private static volatile String loadedBy;

    /**
     * The loaded library (loaded on first use).
     *
     * @throws LibraryNotFoundError when it cannot be loaded (on every call, not only the first)
     */
    public static @NotNull GenAuthLibrary library() {
        GenAuthLibrary loaded = library;
        if (loaded != null) return loaded;
        synchronized (LOCK) {
            if (library == null) {
                String explicit = firstNonEmpty(System.getProperty(PATH_PROPERTY), System.getenv(PATH_ENV));
                String name = nameFor(explicit);
                try {
                    GenAuthLibrary loadedNow = Native.load(name, GenAuthLibrary.class, options(false));
                    loadedBy = name; // before `library`, which readers check without the lock
                    library = loadedNow;
                } catch (UnsatisfiedLinkError e) {
                    throw notFound(explicit, e);
                } catch (LinkageError e) { // JNA's own native part missing or broken
                    throw notFound(explicit, e);
                }
            }
            return library;
        }
    }

    /** The library's name for JNA: the path of a file, or the base name (a directory is added to the search). */
    private static String nameFor(@Nullable String explicit) {
        if (explicit == null) return LIBRARY_NAME;
        File location = new File(explicit);
        if (location.isDirectory()) {
            NativeLibrary.addSearchPath(LIBRARY_NAME, location.getAbsolutePath());
            return LIBRARY_NAME;
        }
        return location.getAbsolutePath();
    }

    private static Map<String, Object> options(boolean allowObjects) {
        Map<String, Object> options = new HashMap<String, Object>();
        options.put(Library.OPTION_STRING_ENCODING, "UTF-8");
        if (allowObjects) options.put(Library.OPTION_ALLOW_OBJECTS, Boolean.TRUE);
        return options;
    }

    private static LibraryNotFoundError notFound(@Nullable String explicit, Throwable cause) {
        String where = explicit == null
                ? "set -D" + PATH_PROPERTY + " or " + PATH_ENV + " to the library or its directory, or jna.library.path"
                : PATH_PROPERTY + "/" + PATH_ENV + " = " + explicit;
        return new LibraryNotFoundError("libgenauth could not be loaded (" + where + "): " + reasonOf(cause), cause);
    }

    /**
     * The loader's reason on one line, without JNA's list of the classpath it also searched
     * (still in the cause); each distinct line once.
     */
    private static String reasonOf(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        StringBuilder out = new StringBuilder();
        java.util.Set<String> seen = new java.util.HashSet<String>();
        for (String line : message.split("\\r?\\n")) {
            String l = line.trim();
            if (l.isEmpty() || l.startsWith("Native library (") || !seen.add(l)) continue;
            if (out.length() > 0) out.append(' ');
            out.append(l);
        }
        return out.toString();
    }

    /**
     * A second mapping of the same library for {@code genauth_android_init}, which takes a
     * {@code jobject}: JNA passes a Java object as one only when objects are allowed.
     */
    static <T extends Library> T loadWithObjects(Class<T> type, @Nullable String path) {
        if (path != null) return Native.load(path, type, options(true));
        library(); // the library itself first, with its clear error
        return Native.load(loadedBy, type, options(true));
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
    static @Nullable String take(@Nullable Pointer s) {
        if (s == null) return null;
        try {
            return s.getString(0, "UTF-8");
        } finally {
            library().genauth_string_free(s);
        }
    }
}
