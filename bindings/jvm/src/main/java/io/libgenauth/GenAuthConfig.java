package io.libgenauth;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A config document for the library, built with {@link #builder()}. Only the keys that were set
 * are sent, so the library's defaults apply to the rest; the library validates it (unknown
 * values, bad URLs, missing keys are {@code invalid_config}).
 *
 * <p>{@link #toString()} never shows the secret.
 */
public final class GenAuthConfig {
    public static final String AUTH_CLIENT_SECRET_POST = "client_secret_post";
    public static final String AUTH_CLIENT_SECRET_BASIC = "client_secret_basic";
    public static final String AUTH_NONE = "none";
    public static final String PROTOCOL_OIDC = "oidc";
    public static final String PROTOCOL_OAUTH = "oauth";

    private final Map<String, Object> entries;

    private GenAuthConfig(Map<String, Object> entries) {
        this.entries = new LinkedHashMap<String, Object>(entries);
    }

    public static @NotNull Builder builder() {
        return new Builder();
    }

    /** The config document, e.g. {@code {"appId":"...","appSecret":"...","appHost":"..."}}. */
    public @NotNull String toJson() {
        return Json.write(entries);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("GenAuthConfig{");
        String sep = "";
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            b.append(sep).append(e.getKey()).append('=');
            if (e.getKey().equals("appSecret")) b.append("(hidden)");
            else if (e.getKey().equals("caCertPem")) b.append("(PEM)");
            else if (e.getKey().equals("proxy")) b.append("(set)");
            else b.append(e.getValue());
            sep = ", ";
        }
        return b.append('}').toString();
    }

    /** Builds a {@link GenAuthConfig}; every setter is optional here, the library checks. */
    public static final class Builder {
        private final Map<String, Object> entries = new LinkedHashMap<String, Object>();

        private Builder set(String key, Object value) {
            if (value == null) entries.remove(key);
            else entries.put(key, value);
            return this;
        }

        /** {@code appId}: the client_id. Required. */
        public @NotNull Builder appId(@Nullable String appId) { return set("appId", appId); }

        /** {@code appSecret}: required unless the auth method is {@code none}. */
        public @NotNull Builder appSecret(@Nullable String appSecret) { return set("appSecret", appSecret); }

        /** {@code appHost}, e.g. {@code https://your-app.genauth.ai}. Required. */
        public @NotNull Builder appHost(@Nullable String appHost) { return set("appHost", appHost); }

        /** {@code redirectUri}: must equal the login request's. Required for code exchange. */
        public @NotNull Builder redirectUri(@Nullable String redirectUri) { return set("redirectUri", redirectUri); }

        /** {@code client_secret_post} (default), {@code client_secret_basic} or {@code none}. */
        public @NotNull Builder tokenEndPointAuthMethod(@Nullable String method) { return set("tokenEndPointAuthMethod", method); }

        /** {@code oidc} (default) or {@code oauth}: the endpoints' path prefix. */
        public @NotNull Builder protocol(@Nullable String protocol) { return set("protocol", protocol); }

        /** Deadline for the whole call, 1..300000 ms (default 10000). */
        public @NotNull Builder timeoutMs(@Nullable Integer timeoutMs) { return set("timeoutMs", timeoutMs); }

        /** Extra trusted root certificate(s), PEM, added to the OS trust store. */
        public @NotNull Builder caCertPem(@Nullable String pem) { return set("caCertPem", pem); }

        /** Verify every id_token (default true). */
        public @NotNull Builder validateIdToken(@Nullable Boolean validate) { return set("validateIdToken", validate); }

        /** Leeway for id_token times, 0..600 s (default 60). */
        public @NotNull Builder clockSkewSeconds(@Nullable Integer seconds) { return set("clockSkewSeconds", seconds); }

        /**
         * {@code proxy}: {@code "none"} (always direct) or an absolute {@code http://} or
         * {@code https://} proxy URL for {@code https://} requests; unset, the standard
         * {@code HTTPS_PROXY}/{@code ALL_PROXY}/{@code NO_PROXY} variables apply. Loopback is
         * never proxied.
         */
        public @NotNull Builder proxy(@Nullable String proxy) { return set("proxy", proxy); }

        public @NotNull GenAuthConfig build() {
            return new GenAuthConfig(entries);
        }
    }
}
