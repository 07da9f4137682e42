package io.libgenauth;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Collections;
import java.util.Map;

/**
 * A failed call: the library's error document ({@code {"ok": false, "error": {...}}}) as an
 * unchecked exception.
 *
 * <p>{@link #getCode()} is one of the library's stable codes ({@code oauth_error},
 * {@code connect_failed}, {@code invalid_config}, {@code timeout}, ...); the subclass names its
 * family ({@link OAuthException}, {@link NetworkException}, ...). The message is the library's,
 * which never contains a secret, code, verifier or token.
 *
 * <p>{@link #getRefreshToken()} is set when the provider accepted the grant and the call failed
 * afterwards (the id_token did not verify, the deadline passed): it is the refresh token of the
 * provider's reply, possibly a rotated one and then the only one still valid, so store it as you
 * would a successful result's. Neither {@link #toString()} nor {@link #getMessage()} shows it.
 */
public class GenAuthException extends RuntimeException {
    private static final long serialVersionUID = 2L;

    private final String code;
    private final String libraryMessage;
    private final Integer httpStatus;
    private final String oauthError;
    private final String oauthErrorDescription;
    private final String reason;
    private final transient Map<String, Object> raw;
    private final transient String refreshToken;

    public GenAuthException(@NotNull String code, @NotNull String message) {
        this(code, message, null, null, null, null, Collections.<String, Object>emptyMap(), null);
    }

    public GenAuthException(@NotNull String code, @NotNull String message, @Nullable Integer httpStatus,
                            @Nullable String oauthError, @Nullable String oauthErrorDescription,
                            @Nullable String reason, @Nullable Map<String, Object> raw) {
        this(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, null);
    }

    public GenAuthException(@NotNull String code, @NotNull String message, @Nullable Integer httpStatus,
                            @Nullable String oauthError, @Nullable String oauthErrorDescription,
                            @Nullable String reason, @Nullable Map<String, Object> raw,
                            @Nullable String refreshToken) {
        super(code + ": " + message);
        this.code = code;
        this.libraryMessage = message;
        this.httpStatus = httpStatus;
        this.oauthError = oauthError;
        this.oauthErrorDescription = oauthErrorDescription;
        this.reason = reason;
        this.raw = raw == null ? Collections.<String, Object>emptyMap() : raw;
        this.refreshToken = refreshToken;
    }

    /**
     * The exception of the right family for an error object's fields: {@link ConfigException},
     * {@link NetworkException}, {@link OAuthException}, {@link ProviderException},
     * {@link IdTokenException}, {@link CallbackException}, {@link SessionException}, or
     * {@link InternalException} (also for a code this version does not know).
     */
    public static @NotNull GenAuthException of(@NotNull String code, @NotNull String message,
                                               @Nullable Integer httpStatus, @Nullable String oauthError,
                                               @Nullable String oauthErrorDescription, @Nullable String reason,
                                               @Nullable Map<String, Object> raw, @Nullable String refreshToken) {
        switch (code) {
            case "invalid_config":
            case "null_argument":
            case "invalid_utf8":
            case "invalid_argument":
            case "insecure_transport":
                return new ConfigException(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
            case "timeout":
            case "connect_failed":
            case "tls":
                return new NetworkException(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
            case "oauth_error":
                return new OAuthException(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
            case "http_status":
            case "invalid_response":
                return new ProviderException(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
            case "id_token_invalid":
                return new IdTokenException(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
            case "state_mismatch":
            case "issuer_mismatch":
                return new CallbackException(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
            case "no_refresh_token":
                return new SessionException(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
            default:
                return new InternalException(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
        }
    }

    /** The stable error code, e.g. {@code "oauth_error"}. */
    public @NotNull String getCode() { return code; }

    /** The library's one-sentence message, without the code prefix of {@link #getMessage()}. */
    public @NotNull String getLibraryMessage() { return libraryMessage; }

    /** The HTTP status the provider answered, or null when there was no reply. */
    public @Nullable Integer getHttpStatus() { return httpStatus; }

    /** The RFC 6749 {@code error} of the provider (e.g. {@code invalid_grant}), or null. */
    public @Nullable String getOauthError() { return oauthError; }

    /** The provider's {@code error_description}, or null. */
    public @Nullable String getOauthErrorDescription() { return oauthErrorDescription; }

    /** Which check failed, for {@code id_token_invalid} (e.g. {@code "nonce"}), or null. */
    public @Nullable String getReason() { return reason; }

    /**
     * The refresh token of a reply the provider sent before the call failed (see the class
     * comment), or null. Store it: after a rotation it is the only valid one.
     */
    public @Nullable String getRefreshToken() { return refreshToken; }

    /** The whole {@code error} object, unmodifiable (fields this class does not name included). */
    public @NotNull Map<String, Object> getRaw() { return raw; }
}
