package io.libgenauth;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Map;

/**
 * A device authorization (RFC 8628) from {@link GenAuthClient#deviceStart(String)}: show
 * {@link #getUserCode()} and {@link #getVerificationUri()} to the user, then
 * {@link GenAuthClient#devicePoll(String, int)} with {@link #getDeviceCode()}.
 */
public final class DeviceAuthorization {
    private final Map<String, Object> raw;

    DeviceAuthorization(Map<String, Object> raw) {
        this.raw = raw;
    }

    /** {@code device_code}: what to poll with (keep it to yourself). */
    public @NotNull String getDeviceCode() { return nonNull("device_code"); }

    /** {@code user_code}: what the user types at the verification URI. */
    public @NotNull String getUserCode() { return nonNull("user_code"); }

    /** {@code verification_uri}. */
    public @NotNull String getVerificationUri() { return nonNull("verification_uri"); }

    /** {@code verification_uri_complete} (with the user code in it), or null. */
    public @Nullable String getVerificationUriComplete() { return Json.string(raw, "verification_uri_complete"); }

    /** {@code expires_in} (seconds), or null. */
    public @Nullable Long getExpiresIn() { return Json.number(raw, "expires_in"); }

    /** {@code interval} (seconds between polls), or null. */
    public @Nullable Long getInterval() { return Json.number(raw, "interval"); }

    private String nonNull(String key) {
        String value = Json.string(raw, key);
        return value == null ? "" : value;
    }

    @Override
    public String toString() {
        return "DeviceAuthorization(userCode=" + getUserCode() + ", verificationUri=" + getVerificationUri() + ")";
    }
}
