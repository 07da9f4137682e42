package io.libgenauth;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * One-shot calls ({@code genauth_exchange_code}, {@code genauth_refresh},
 * {@code genauth_build_authorize_url}, {@code genauth_parse_callback}): the config is parsed on
 * every call and connections come from a process-wide pool. A {@link GenAuthClient} validates
 * the config once instead, and its login helpers use the provider's discovery. All methods block
 * (the login helpers only compute) and are safe from any thread.
 */
public final class GenAuth {
    private GenAuth() {}

    /** The native library's version, e.g. {@code "0.1.0"}. */
    public static @NotNull String version() {
        String v = GenAuthNative.library().genauth_version();
        return v == null ? "" : v;
    }

    /**
     * On Android, prepares TLS certificate verification ({@code genauth_android_init} with the
     * current thread's {@code JNIEnv} and the application context of {@code context}, an
     * {@code android.content.Context}); call it once, e.g. in {@code Application.onCreate}, before
     * the first {@code https://} request. Later calls do nothing. Elsewhere it does nothing and
     * returns false.
     *
     * @return true when the Android verifier is ready, false when not running on Android
     * @throws LibraryNotFoundError when the library, or its Android entry point, is missing
     * @throws GenAuthException {@code internal} when the JVM refused a call
     */
    public static boolean initAndroid(@NotNull Object context) {
        return AndroidTls.init(context);
    }

    /** Exchanges an authorization code; {@code codeVerifier} is null unless the login used PKCE. */
    public static @NotNull Tokens exchangeCode(@Nullable String configJson, @Nullable String code,
                                               @Nullable String codeVerifier) {
        return Results.take(GenAuthNative.library().genauth_exchange_code(configJson, code, codeVerifier));
    }

    /** As {@link #exchangeCode(String, String, String)} with a built config. */
    public static @NotNull Tokens exchangeCode(@NotNull GenAuthConfig config, @Nullable String code,
                                               @Nullable String codeVerifier) {
        return exchangeCode(config.toJson(), code, codeVerifier);
    }

    /** Exchanges a refresh token. */
    public static @NotNull Tokens refresh(@Nullable String configJson, @Nullable String refreshToken) {
        return Results.take(GenAuthNative.library().genauth_refresh(configJson, refreshToken));
    }

    /** As {@link #refresh(String, String)} with a built config. */
    public static @NotNull Tokens refresh(@NotNull GenAuthConfig config, @Nullable String refreshToken) {
        return refresh(config.toJson(), refreshToken);
    }

    /**
     * The URL that starts a login, with a fresh state, nonce and S256 PKCE pair; no network call
     * (the endpoint is discovery's when this process already fetched it, else
     * {@code {appHost}/{protocol}/auth}). Prefer {@link GenAuthClient#authorizeUrl}.
     */
    public static @NotNull AuthorizeRequest buildAuthorizeUrl(@NotNull GenAuthConfig config,
                                                              @Nullable AuthorizeOptions options) {
        return Results.take(GenAuthNative.library().genauth_build_authorize_url(config.toJson(),
                options == null ? null : options.toJson()), Results.AUTHORIZE);
    }

    /**
     * Checks a login callback against the config's {@code redirectUri} and the login's state and
     * returns its code; no network call. Prefer {@link GenAuthClient#parseCallback}.
     */
    public static @NotNull Callback parseCallback(@NotNull GenAuthConfig config, @Nullable String callbackUrl,
                                                  @Nullable String expectedState) {
        return Results.take(GenAuthNative.library().genauth_parse_callback(config.toJson(), callbackUrl,
                expectedState), Results.CALLBACK);
    }

    /** Receives the library's log lines (see {@link #setLogCallback}). */
    public interface LogSink {
        /** One redacted line at {@code level} (1 error … 5 trace), on whatever thread logged it. */
        void log(int level, @NotNull String message);
    }

    // Every sink ever registered stays reachable: a line may be in flight on another thread
    // while it is replaced (the library keeps the C side the same way).
    private static final java.util.List<GenAuthLibrary.LogCallback> SINKS =
            java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    /**
     * Sends the library's log lines (already redacted: no secret, code or token) up to
     * {@code maxLevel} to {@code sink}; at level 4 each HTTP exchange. A null sink turns logging off.
     */
    public static void setLogCallback(@Nullable LogSink sink, int maxLevel) {
        GenAuthLibrary lib = GenAuthNative.library();
        if (sink == null) {
            lib.genauth_set_log_callback(null, null, maxLevel);
            return;
        }
        GenAuthLibrary.LogCallback callback = (userData, level, message) -> {
            try {
                sink.log(level, message == null ? "" : message);
            } catch (RuntimeException ignored) {
                // A sink's failure must not unwind into the library's thread.
            }
        };
        SINKS.add(callback);
        lib.genauth_set_log_callback(callback, null, maxLevel);
    }
}
