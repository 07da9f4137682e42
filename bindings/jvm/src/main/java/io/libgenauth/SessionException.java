package io.libgenauth;

import java.util.Map;

/** A {@link Session} cannot produce fresh tokens by itself: {@code no_refresh_token}. The user must sign in again. */
public class SessionException extends GenAuthException {
    private static final long serialVersionUID = 1L;

    SessionException(String code, String message, Integer httpStatus, String oauthError, String oauthErrorDescription,
          String reason, Map<String, Object> raw, String refreshToken) {
        super(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
    }
}
