package io.libgenauth;

import java.util.Map;

/** The login callback is not this login's answer: {@code state_mismatch} or {@code issuer_mismatch}. Exchange nothing; start a new login. */
public class CallbackException extends GenAuthException {
    private static final long serialVersionUID = 1L;

    CallbackException(String code, String message, Integer httpStatus, String oauthError, String oauthErrorDescription,
          String reason, Map<String, Object> raw, String refreshToken) {
        super(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
    }
}
