package io.libgenauth;

import java.util.Map;

/** The id_token failed verification ({@code id_token_invalid}); {@link #getReason()} names the check. */
public class IdTokenException extends GenAuthException {
    private static final long serialVersionUID = 1L;

    IdTokenException(String code, String message, Integer httpStatus, String oauthError, String oauthErrorDescription,
          String reason, Map<String, Object> raw, String refreshToken) {
        super(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
    }
}
