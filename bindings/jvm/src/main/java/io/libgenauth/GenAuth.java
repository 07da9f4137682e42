package io.libgenauth;

/**
 * One-shot calls ({@code genauth_exchange_code}, {@code genauth_refresh}): the config is parsed
 * on every call and connections come from a process-wide pool. A {@link GenAuthClient} validates
 * the config once instead. All methods block and are safe from any thread.
 */
public final class GenAuth {
    private GenAuth() {}

    /** The native library's version, e.g. {@code "0.1.0"}. */
    public static String version() {
        return GenAuthNative.library().genauth_version();
    }

    /** Exchanges an authorization code; {@code codeVerifier} is null unless the login used PKCE. */
    public static Tokens exchangeCode(String configJson, String code, String codeVerifier) {
        return Results.take(GenAuthNative.library().genauth_exchange_code(configJson, code, codeVerifier));
    }

    /** As {@link #exchangeCode(String, String, String)} with a built config. */
    public static Tokens exchangeCode(GenAuthConfig config, String code, String codeVerifier) {
        return exchangeCode(config.toJson(), code, codeVerifier);
    }

    /** Exchanges a refresh token. */
    public static Tokens refresh(String configJson, String refreshToken) {
        return Results.take(GenAuthNative.library().genauth_refresh(configJson, refreshToken));
    }

    /** As {@link #refresh(String, String)} with a built config. */
    public static Tokens refresh(GenAuthConfig config, String refreshToken) {
        return refresh(config.toJson(), refreshToken);
    }
}
