package io.libgenauth;

import java.util.Map;

/** No complete reply: {@code timeout}, {@code connect_failed} or {@code tls}. */
public class NetworkException extends GenAuthException {
    private static final long serialVersionUID = 1L;

    NetworkException(String code, String message, Integer httpStatus, String oauthError, String oauthErrorDescription,
          String reason, Map<String, Object> raw, String refreshToken) {
        super(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
    }
}
