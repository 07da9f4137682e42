package io.libgenauth;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

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
    public @Nullable String getAccessToken() { return Json.string(raw, "access_token"); }

    /** {@code token_type}, normally {@code "Bearer"}. */
    public @Nullable String getTokenType() { return Json.string(raw, "token_type"); }

    /** {@code expires_in} in seconds (a server's {@code expire_in} is renamed), or null. */
    public @Nullable Long getExpiresIn() { return Json.number(raw, "expires_in"); }

    /** {@code expires_at}: Unix seconds of receipt plus {@code expires_in}, or null. */
    public @Nullable Long getExpiresAt() { return Json.number(raw, "expires_at"); }

    /** {@code refresh_token}, or null. After a refresh, store this one when it is set (rotation). */
    public @Nullable String getRefreshToken() { return Json.string(raw, "refresh_token"); }

    /** {@code id_token}, or null. */
    public @Nullable String getIdToken() { return Json.string(raw, "id_token"); }

    /** {@code scope}, or null. */
    public @Nullable String getScope() { return Json.string(raw, "scope"); }

    /** The verified id_token payload ({@code id_token_claims}); empty when none was verified. */
    public @NotNull Map<String, Object> getIdTokenClaims() {
        Map<String, Object> claims = Json.object(raw, "id_token_claims");
        return claims == null ? Collections.<String, Object>emptyMap() : claims;
    }

    /** Every field as the library returned it, unmodifiable. */
    public @NotNull Map<String, Object> getRaw() { return raw; }

    /**
     * The whole {@code tokens} object as JSON, e.g. to persist it (it holds the tokens: keep it
     * in encrypted storage); {@link GenAuthClient#session(String)} and {@link #fromJson} read it back.
     */
    public @NotNull String toJson() { return Json.write(raw); }

    /** Tokens from a {@code tokens} object or a whole result document ({@code {"ok": true, "tokens": ...}}). */
    public static @NotNull Tokens fromJson(@NotNull String json) {
        Map<String, Object> doc = Json.parseObject(json);
        Map<String, Object> inner = Boolean.TRUE.equals(doc.get("ok")) ? Json.object(doc, "tokens") : null;
        return new Tokens(inner != null ? inner : doc);
    }

    @Override
    public String toString() {
        return "Tokens{fields=" + raw.keySet() + ", tokenType=" + getTokenType()
                + ", expiresAt=" + getExpiresAt() + ", scope=" + getScope() + "}";
    }
}
