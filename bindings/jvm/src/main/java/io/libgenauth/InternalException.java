package io.libgenauth;

import java.util.Map;

/** A bug caught at the boundary ({@code internal}), a blocking call from a library callback thread ({@code reentrant_call}), or a code this version does not know. */
public class InternalException extends GenAuthException {
    private static final long serialVersionUID = 1L;

    InternalException(String code, String message, Integer httpStatus, String oauthError, String oauthErrorDescription,
          String reason, Map<String, Object> raw, String refreshToken) {
        super(code, message, httpStatus, oauthError, oauthErrorDescription, reason, raw, refreshToken);
    }
}
