package io.libgenauth;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options of a code exchange: the PKCE {@code codeVerifier} of the login and the {@code nonce}
 * its authorize request carried (the id_token must carry the same). Either may be null.
 */
public final class ExchangeOptions {
    private final String codeVerifier;
    private final String nonce;

    private ExchangeOptions(String codeVerifier, String nonce) {
        this.codeVerifier = codeVerifier;
        this.nonce = nonce;
    }

    public static @NotNull ExchangeOptions none() {
        return new ExchangeOptions(null, null);
    }

    public static @NotNull ExchangeOptions of(@Nullable String codeVerifier, @Nullable String nonce) {
        return new ExchangeOptions(codeVerifier, nonce);
    }

    public @NotNull ExchangeOptions withCodeVerifier(@Nullable String codeVerifier) {
        return new ExchangeOptions(codeVerifier, nonce);
    }

    public @NotNull ExchangeOptions withNonce(@Nullable String nonce) {
        return new ExchangeOptions(codeVerifier, nonce);
    }

    public @Nullable String getCodeVerifier() { return codeVerifier; }

    public @Nullable String getNonce() { return nonce; }

    /** {@code {"codeVerifier": ..., "nonce": ...}} with the keys that are set. */
    public @NotNull String toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("codeVerifier", codeVerifier);
        m.put("nonce", nonce);
        return Json.write(m);
    }

    @Override
    public String toString() {
        return "ExchangeOptions{codeVerifier=" + (codeVerifier == null ? "none" : "(hidden)")
                + ", nonce=" + (nonce == null ? "none" : "(hidden)") + "}";
    }
}
