package io.libgenauth;

import java.util.Map;

/** The call's input was refused before any request: {@code invalid_config}, {@code null_argument}, {@code invalid_utf8}, {@code invalid_argument} or {@code insecure_transport}. */
public class ConfigException extends GenAuthException {
    private static final long serialVersionUID = 1L;

    ConfigException(String code, String message, Integer httpStatus, String oauthError, String oauthErrorDescription,
          String reason, Map<String, Object> raw, String refreshToken) {
        super(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
    }
}
