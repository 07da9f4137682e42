package io.libgenauth;

import com.sun.jna.Pointer;

import java.util.Map;

/** Turns the library's result documents into typed results or a {@link GenAuthException}. */
final class Results {
    private Results() {}

    /** Parses one kind of success document; throws the error of an error document. */
    interface Parser<T> {
        T parse(String document);
    }

    static final Parser<Tokens> TOKENS = new Parser<Tokens>() {
        @Override public Tokens parse(String document) { return tokens(document); }
    };
    static final Parser<AuthorizeRequest> AUTHORIZE = new Parser<AuthorizeRequest>() {
        @Override public AuthorizeRequest parse(String document) {
            return AuthorizeRequest.of(member(document, "authorize"));
        }
    };
    static final Parser<Callback> CALLBACK = new Parser<Callback>() {
        @Override public Callback parse(String document) { return Callback.of(member(document, "callback")); }
    };
    static final Parser<Introspection> INTROSPECTION = new Parser<Introspection>() {
        @Override public Introspection parse(String document) {
            return new Introspection(member(document, "introspection"));
        }
    };
    static final Parser<UserInfo> USERINFO = new Parser<UserInfo>() {
        @Override public UserInfo parse(String document) { return new UserInfo(member(document, "userinfo")); }
    };
    static final Parser<DeviceAuthorization> DEVICE = new Parser<DeviceAuthorization>() {
        @Override public DeviceAuthorization parse(String document) {
            return new DeviceAuthorization(member(document, "device"));
        }
    };
    static final Parser<String> LOGOUT = new Parser<String>() {
        @Override public String parse(String document) {
            String url = Json.string(member(document, "logout"), "url");
            if (url == null) throw internal("the library's logout object has no url");
            return url;
        }
    };
    static final Parser<Void> OK = new Parser<Void>() {
        @Override public Void parse(String document) {
            success(document);
            return null;
        }
    };

    /** Reads and frees a returned document, then interprets it. */
    static <T> T take(Pointer document, Parser<T> parser) {
        String text = GenAuthNative.take(document);
        if (text == null) {
            throw new InternalException("internal", "the library returned NULL instead of a result document",
                    null, null, null, null, null, null);
        }
        return parser.parse(text);
    }

    /** Reads and frees a returned token document. */
    static Tokens take(Pointer document) {
        return take(document, TOKENS);
    }

    static Tokens tokens(String text) {
        return new Tokens(member(text, "tokens"));
    }

    /** The whole success document, or its error thrown. */
    static Map<String, Object> success(String text) {
        Map<String, Object> doc = Json.parseObject(text);
        if (Boolean.TRUE.equals(doc.get("ok"))) return doc;
        throw error(doc);
    }

    /** The object {@code key} of a success document. */
    static Map<String, Object> member(String text, String key) {
        Map<String, Object> member = Json.object(success(text), key);
        if (member == null) {
            throw internal("the library's success document has no " + key + " object");
        }
        return member;
    }

    static GenAuthException error(Map<String, Object> doc) {
        Map<String, Object> error = Json.object(doc, "error");
        if (error == null) {
            return internal("the library's document is neither a success nor an error");
        }
        String code = Json.string(error, "code");
        String message = Json.string(error, "message");
        Long status = Json.number(error, "http_status");
        return GenAuthException.of(
                code == null ? "internal" : code,
                message == null ? "(no message)" : message,
                status == null ? null : Integer.valueOf(status.intValue()),
                Json.string(error, "oauth_error"),
                Json.string(error, "oauth_error_description"),
                Json.string(error, "reason"),
                error,
                Json.string(doc, "refresh_token"));
    }

    static GenAuthException internal(String message) {
        return new InternalException("internal", message, null, null, null, null, null, null);
    }

    /** Reads and frees an error document from {@code genauth_client_new} or {@code genauth_session_new}. */
    static GenAuthException takeError(Pointer document) {
        String text = GenAuthNative.take(document);
        if (text == null) {
            return internal("the library refused the call without an error document");
        }
        return error(Json.parseObject(text));
    }
}
