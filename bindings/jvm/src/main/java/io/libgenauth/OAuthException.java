package io.libgenauth;

import java.util.Map;

/** The provider answered with an RFC 6749 error ({@code oauth_error}): see {@link #getOauthError()} (e.g. {@code invalid_grant}: log the user in again) and {@link #getHttpStatus()} (null for a login callback's {@code error=}). */
public class OAuthException extends GenAuthException {
    private static final long serialVersionUID = 1L;

    OAuthException(String code, String message, Integer httpStatus, String oauthError, String oauthErrorDescription,
          String reason, Map<String, Object> raw, String refreshToken) {
        super(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
    }
}
