package io.libgenauth;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Map;

/**
 * The provider's answer about a token (RFC 7662): {@link #isActive()} says whether it is usable;
 * a revoked or expired token is inactive, not an error. Absent fields are null.
 */
public final class Introspection {
    private final Map<String, Object> raw;

    Introspection(Map<String, Object> raw) {
        this.raw = raw;
    }

    /** {@code active}: whether the token is currently usable. */
    public boolean isActive() { return Boolean.TRUE.equals(raw.get("active")); }

    /** {@code scope}, or null. */
    public @Nullable String getScope() { return Json.string(raw, "scope"); }

    /** {@code client_id}, or null. */
    public @Nullable String getClientId() { return Json.string(raw, "client_id"); }

    /** {@code sub}, or null. */
    public @Nullable String getSub() { return Json.string(raw, "sub"); }

    /** {@code token_type}, or null. */
    public @Nullable String getTokenType() { return Json.string(raw, "token_type"); }

    /** {@code exp} (Unix seconds), or null. */
    public @Nullable Long getExp() { return Json.number(raw, "exp"); }

    /** {@code iat} (Unix seconds), or null. */
    public @Nullable Long getIat() { return Json.number(raw, "iat"); }

    /** {@code iss}, or null. */
    public @Nullable String getIss() { return Json.string(raw, "iss"); }

    /** Every field as the provider sent it, unmodifiable. */
    public @NotNull Map<String, Object> getRaw() { return raw; }

    @Override
    public String toString() {
        return "Introspection{active=" + isActive() + ", fields=" + raw.keySet() + "}";
    }
}
