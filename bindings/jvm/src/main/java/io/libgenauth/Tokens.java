package io.libgenauth;

import java.util.Collections;
import java.util.Map;

/**
 * The {@code tokens} object of a successful result: every field the provider sent, with typed
 * getters for the usual ones. Absent fields are null (and {@link #getIdTokenClaims()} empty).
 *
 * <p>{@link #toString()} never shows a token value.
 */
public final class Tokens {
    private final Map<String, Object> raw;

    Tokens(Map<String, Object> raw) {
        this.raw = raw;
    }

    /** {@code access_token}. */
    public String getAccessToken() { return Json.string(raw, "access_token"); }

    /** {@code token_type}, normally {@code "Bearer"}. */
    public String getTokenType() { return Json.string(raw, "token_type"); }

    /** {@code expires_in} in seconds (a server's {@code expire_in} is renamed), or null. */
    public Long getExpiresIn() { return Json.number(raw, "expires_in"); }

    /** {@code expires_at}: Unix seconds of receipt plus {@code expires_in}, or null. */
    public Long getExpiresAt() { return Json.number(raw, "expires_at"); }

    /** {@code refresh_token}, or null. After a refresh, store this one when it is set (rotation). */
    public String getRefreshToken() { return Json.string(raw, "refresh_token"); }

    /** {@code id_token}, or null. */
    public String getIdToken() { return Json.string(raw, "id_token"); }

    /** {@code scope}, or null. */
    public String getScope() { return Json.string(raw, "scope"); }

    /** The verified id_token payload ({@code id_token_claims}); empty when none was verified. */
    public Map<String, Object> getIdTokenClaims() {
        Map<String, Object> claims = Json.object(raw, "id_token_claims");
        return claims == null ? Collections.<String, Object>emptyMap() : claims;
    }

    /** Every field as the library returned it, unmodifiable. */
    public Map<String, Object> getRaw() { return raw; }

    @Override
    public String toString() {
        return "Tokens{fields=" + raw.keySet() + ", tokenType=" + getTokenType()
                + ", expiresAt=" + getExpiresAt() + ", scope=" + getScope() + "}";
    }
}
