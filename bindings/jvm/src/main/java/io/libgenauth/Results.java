package io.libgenauth;

import com.sun.jna.Pointer;

import java.util.Map;

/** Turns the library's result documents into {@link Tokens} or a {@link GenAuthException}. */
final class Results {
    private Results() {}

    /** Reads and frees a returned document, then interprets it. */
    static Tokens take(Pointer document) {
        String text = GenAuthNative.take(document);
        if (text == null) {
            throw new GenAuthException("internal", "the library returned NULL instead of a result document");
        }
        return tokens(text);
    }

    static Tokens tokens(String text) {
        Map<String, Object> doc = Json.parseObject(text);
        if (Boolean.TRUE.equals(doc.get("ok"))) {
            Map<String, Object> tokens = Json.object(doc, "tokens");
            if (tokens == null) {
                throw new GenAuthException("internal", "the library's success document has no tokens object");
            }
            return new Tokens(tokens);
        }
        throw error(doc);
    }

    static GenAuthException error(Map<String, Object> doc) {
        Map<String, Object> error = Json.object(doc, "error");
        if (error == null) {
            return new GenAuthException("internal", "the library's document is neither a success nor an error");
        }
        String code = Json.string(error, "code");
        String message = Json.string(error, "message");
        Long status = Json.number(error, "http_status");
        return new GenAuthException(
                code == null ? "internal" : code,
                message == null ? "(no message)" : message,
                status == null ? null : Integer.valueOf(status.intValue()),
                Json.string(error, "oauth_error"),
                Json.string(error, "oauth_error_description"),
                Json.string(error, "reason"),
                error);
    }

    /** Reads and frees an error document from {@code genauth_client_new}. */
    static GenAuthException takeError(Pointer document) {
        String text = GenAuthNative.take(document);
        if (text == null) {
            return new GenAuthException("internal", "the library refused the config without an error document");
        }
        return error(Json.parseObject(text));
    }
}
