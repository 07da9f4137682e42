package io.libgenauth;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.json.JSONArray;
import org.json.JSONObject;

/** The development provider: its URL, headless logins, the request log, PKCE helpers. */
public final class Dev {
    public static final String REDIRECT_URI = "http://127.0.0.1:8976/callback";
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Dev() {}

    /** GENAUTH_DEV_URL, or the calling test is skipped. */
    public static String url() {
        String url = System.getenv("GENAUTH_DEV_URL");
        assumeTrue(url != null && !url.isEmpty(),
                "GENAUTH_DEV_URL is unset: run under scripts/with-devprovider");
        return url;
    }

    /** A config builder for one of the provider's clients (secret from its table). */
    static GenAuthConfig.Builder config(String clientId) {
        GenAuthConfig.Builder b = GenAuthConfig.builder()
                .appId(clientId).appHost(url()).redirectUri(REDIRECT_URI);
        switch (clientId) {
            case "app-post": return b.appSecret("app-post-secret");
            case "app-basic": return b.appSecret("app-basic-secret")
                    .tokenEndPointAuthMethod(GenAuthConfig.AUTH_CLIENT_SECRET_BASIC);
            case "app-public": return b.tokenEndPointAuthMethod(GenAuthConfig.AUTH_NONE);
            default: throw new IllegalArgumentException(clientId);
        }
    }

    /** A fresh authorization code for {@code clientId} (scope includes offline_access). */
    static String code(String clientId) {
        return login(Map.of("client_id", clientId)).getString("code");
    }

    /** A fresh code for app-public bound to the S256 challenge of {@code verifier}. */
    static String pkceCode(String verifier) {
        return login(Map.of("client_id", "app-public", "code_challenge", challenge(verifier),
                "code_challenge_method", "S256")).getString("code");
    }

    static JSONObject login(Map<String, String> params) {
        StringBuilder q = new StringBuilder();
        for (Map.Entry<String, String> e : new LinkedHashMap<>(params).entrySet()) {
            q.append(q.length() == 0 ? "?" : "&")
             .append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
             .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        HttpResponse<String> r = get("/dev/login" + q);
        if (r.statusCode() != 200) {
            throw new AssertionError("dev login failed: HTTP " + r.statusCode() + " " + r.body());
        }
        return new JSONObject(r.body());
    }

    /**
     * Drives a complete authorize URL (e.g. one the library built) through the headless login:
     * {@code {"code", "state", "iss", "callback_url"}}. A login ending in an error callback
     * answers HTTP 500 with the {@code callback_url} carrying {@code error=}: returned as is.
     */
    public static JSONObject loginUrl(String authorizeUrl) {
        HttpResponse<String> r = get("/dev/login?authorize_url="
                + URLEncoder.encode(authorizeUrl, StandardCharsets.UTF_8));
        JSONObject body = new JSONObject(r.body());
        if (r.statusCode() == 200 || (r.statusCode() == 500 && body.has("callback_url"))) return body;
        throw new AssertionError("dev login failed: HTTP " + r.statusCode() + " " + r.body());
    }

    /** How many refresh_token grants {@code clientId} sent to the token endpoint so far. */
    public static int refreshGrants(String clientId) {
        JSONArray all = new JSONArray(get("/dev/requests").body());
        int n = 0;
        for (int i = 0; i < all.length(); i++) {
            JSONObject r = all.getJSONObject(i);
            if ("/oidc/token".equals(r.optString("path")) && "refresh_token".equals(r.optString("grant_type"))
                    && clientId.equals(r.optString("client_id"))) {
                n++;
            }
        }
        return n;
    }

    /** The provider's summary of the last token-endpoint request. */
    static JSONObject lastTokenRequest() {
        JSONArray all = new JSONArray(get("/dev/requests").body());
        return all.getJSONObject(all.length() - 1);
    }

    /**
     * The dev provider's user approves (or, with {@code deny}, denies) a pending device
     * authorization, without any page.
     */
    public static void approveDevice(String userCode, boolean deny) {
        HttpResponse<String> r = get("/dev/device-approve?user_code="
                + URLEncoder.encode(userCode, StandardCharsets.UTF_8) + (deny ? "&deny=1" : ""));
        if (r.statusCode() != 200 || new JSONObject(r.body()).getBoolean("approved") == deny) {
            throw new AssertionError("device-approve failed: HTTP " + r.statusCode() + " " + r.body());
        }
    }

    private static HttpResponse<String> get(String path) {
        return getAbsolute(url() + path); // skips the test when there is no provider
    }

    /** A GET of a whole URL (e.g. a loopback login's callback, as a browser follows it). */
    public static HttpResponse<String> getAbsolute(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("unreachable: " + url + ": " + e, e);
        }
    }

    /** A PKCE verifier: 32 random bytes, base64url without padding (43 characters). */
    static String verifier() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** S256: base64url(SHA-256(ASCII(verifier))), no padding. */
    static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A loopback port nobody listens on (bound and released just now). */
    static int closedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
