package io.libgenauth;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Map;

/** The user's claims from the provider's userinfo endpoint. Absent claims are null. */
public final class UserInfo {
    private final Map<String, Object> raw;

    UserInfo(Map<String, Object> raw) {
        this.raw = raw;
    }

    /** {@code sub}: the user's identifier at the provider. */
    public @Nullable String getSub() { return Json.string(raw, "sub"); }

    /** {@code name}, or null (scope {@code profile}). */
    public @Nullable String getName() { return Json.string(raw, "name"); }

    /** {@code email}, or null (scope {@code email}). */
    public @Nullable String getEmail() { return Json.string(raw, "email"); }

    /** {@code email_verified}, or null. */
    public @Nullable Boolean getEmailVerified() {
        Object v = raw.get("email_verified");
        return v instanceof Boolean ? (Boolean) v : null;
    }

    /** Any claim by name, or null. */
    public @Nullable Object get(@NotNull String claim) { return raw.get(claim); }

    /** Every claim, unmodifiable. */
    public @NotNull Map<String, Object> getRaw() { return raw; }

    @Override
    public String toString() {
        return "UserInfo{sub=" + getSub() + ", claims=" + raw.keySet() + "}";
    }
}
