package io.libgenauth;

import org.jetbrains.annotations.NotNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A login request: the URL to send the browser to, and what to keep until its callback.
 *
 * <p>{@link #getUrl()} is the provider's authorize URL with every parameter ({@code state},
 * {@code nonce} and the S256 {@code code_challenge} included). Keep {@link #getState()} for
 * {@link GenAuthClient#parseCallback}, and {@link #getCodeVerifier()} and {@link #getNonce()} for
 * the exchange ({@link GenAuthClient#exchangeCallback} does both). The verifier is the PKCE
 * secret: keep it on the device or server, never in a URL or a log. {@link #toString()} hides it;
 * {@link #toJson()} and {@link #fromJson(String)} carry the request across an app restart.
 */
public final class AuthorizeRequest {
    private final String url;
    private final String state;
    private final String nonce;
    private final String codeVerifier;

    public AuthorizeRequest(@NotNull String url, @NotNull String state, @NotNull String nonce,
                            @NotNull String codeVerifier) {
        this.url = requireText(url, "url");
        this.state = requireText(state, "state");
        this.nonce = requireText(nonce, "nonce");
        this.codeVerifier = requireText(codeVerifier, "code_verifier");
    }

    static AuthorizeRequest of(Map<String, Object> authorize) {
        String url = Json.string(authorize, "url");
        String state = Json.string(authorize, "state");
        String nonce = Json.string(authorize, "nonce");
        String verifier = Json.string(authorize, "code_verifier");
        if (url == null || state == null || nonce == null || verifier == null) {
            throw Results.internal("the library's authorize object lacks a field");
        }
        return new AuthorizeRequest(url, state, nonce, verifier);
    }

    /** Reads back what {@link #toJson()} wrote (the library's {@code authorize} object). */
    public static @NotNull AuthorizeRequest fromJson(@NotNull String json) {
        Map<String, Object> m = Json.parseObject(json);
        return new AuthorizeRequest(str(m, "url"), str(m, "state"), str(m, "nonce"), str(m, "code_verifier"));
    }

    /** The URL to open in the browser (a Custom Tab on Android). */
    public @NotNull String getUrl() { return url; }

    /** The value the callback must carry back. */
    public @NotNull String getState() { return state; }

    /** The value the id_token must carry. */
    public @NotNull String getNonce() { return nonce; }

    /** The PKCE verifier of this login (a secret). */
    public @NotNull String getCodeVerifier() { return codeVerifier; }

    /** {@code {"url", "state", "nonce", "code_verifier"}}; it holds the PKCE secret. */
    public @NotNull String toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("url", url);
        m.put("state", state);
        m.put("nonce", nonce);
        m.put("code_verifier", codeVerifier);
        return Json.write(m);
    }

    @Override
    public String toString() {
        return "AuthorizeRequest{url=" + url + ", state=" + state + ", nonce=" + nonce + ", codeVerifier=(hidden)}";
    }

    private static String str(Map<String, Object> m, String key) {
        String v = Json.string(m, key);
        if (v == null) throw new IllegalArgumentException("an AuthorizeRequest needs a string \"" + key + "\"");
        return v;
    }

    private static String requireText(String v, String name) {
        if (v == null) throw new NullPointerException(name);
        return v;
    }
}
