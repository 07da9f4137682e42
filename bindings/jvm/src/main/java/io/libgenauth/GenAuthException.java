package io.libgenauth;

import java.util.Collections;
import java.util.Map;

/**
 * A failed call: the library's error document ({@code {"ok": false, "error": {...}}}) as an
 * unchecked exception.
 *
 * <p>{@link #getCode()} is one of the library's stable codes ({@code oauth_error},
 * {@code connect_failed}, {@code invalid_config}, {@code timeout}, ...). The message is the
 * library's, which never contains a secret, code, verifier or token.
 */
public class GenAuthException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    private final Integer httpStatus;
    private final String oauthError;
    private final String oauthErrorDescription;
    private final String reason;
    private final transient Map<String, Object> raw;

    public GenAuthException(String code, String message) {
        this(code, message, null, null, null, null, Collections.<String, Object>emptyMap());
    }

    public GenAuthException(String code, String message, Integer httpStatus, String oauthError,
                            String oauthErrorDescription, String reason, Map<String, Object> raw) {
        super(code + ": " + message);
        this.code = code;
        this.httpStatus = httpStatus;
        this.oauthError = oauthError;
        this.oauthErrorDescription = oauthErrorDescription;
        this.reason = reason;
        this.raw = raw == null ? Collections.<String, Object>emptyMap() : raw;
    }

    /** The stable error code, e.g. {@code "oauth_error"}. */
    public String getCode() { return code; }

    /** The HTTP status the provider answered, or null when there was no reply. */
    public Integer getHttpStatus() { return httpStatus; }

    /** The RFC 6749 {@code error} of the provider (e.g. {@code invalid_grant}), or null. */
    public String getOauthError() { return oauthError; }

    /** The provider's {@code error_description}, or null. */
    public String getOauthErrorDescription() { return oauthErrorDescription; }

    /** Which check failed, for {@code id_token_invalid} (e.g. {@code "nonce"}), or null. */
    public String getReason() { return reason; }

    /** The whole {@code error} object, unmodifiable (fields this class does not name included). */
    public Map<String, Object> getRaw() { return raw; }
}
