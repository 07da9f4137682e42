package io.libgenauth;

import java.util.Map;

/** The provider's reply was unusable: {@code http_status} (a non-2xx without an error object) or {@code invalid_response}. */
public class ProviderException extends GenAuthException {
    private static final long serialVersionUID = 1L;

    ProviderException(String code, String message, Integer httpStatus, String oauthError, String oauthErrorDescription,
          String reason, Map<String, Object> raw, String refreshToken) {
        super(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
    }
}
