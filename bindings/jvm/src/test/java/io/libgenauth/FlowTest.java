package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.json.JSONObject;
import org.junit.jupiter.api.Test;

/**
 * The whole flow against the development provider: a login started from the library's URL,
 * the callback, sessions, userinfo, revocation, introspection; blocking and CompletableFuture.
 */
class FlowTest {
    static final String SCOPE = "openid profile email offline_access";

    @Test
    void loginFlowEndToEnd() {
        String appHost = Dev.url();
        String redirectUri = Dev.REDIRECT_URI;
        // readme-example:login:start
        GenAuthClient client = new GenAuthClient(GenAuthConfig.builder().appId("app-public")
                .appHost(appHost).redirectUri(redirectUri).tokenEndPointAuthMethod(GenAuthConfig.AUTH_NONE).build());
        AuthorizeRequest request = client.authorizeUrl(AuthorizeOptions.scope("openid profile email offline_access"));
        // Open request.getUrl() in the browser; keep the request until the callback.
        String callbackUrl = Dev.loginUrl(request.getUrl()).getString("callback_url");
        // The browser came back to redirectUri: check the callback, exchange its code.
        Callback callback = client.parseCallback(callbackUrl, request.getState());
        Tokens tokens = client.exchangeCode(callback.getCode(),
                ExchangeOptions.of(request.getCodeVerifier(), request.getNonce()));
        Session session = client.session(tokens);             // fresh tokens from now on
        UserInfo user = client.userinfo(session.freshTokens().getAccessToken());
        // ... and at logout:
        client.revoke(session.tokens().getRefreshToken(), "refresh_token");
        Introspection after = client.introspect(session.tokens().getRefreshToken()); // not active
        session.close();
        client.close();
        // readme-example:login:end
        assertEquals("user-1", user.getSub());
        assertEquals("Alice Example", user.getName());
        assertEquals("alice@example.com", user.getEmail());
        assertEquals(Boolean.TRUE, user.getEmailVerified());
        assertFalse(after.isActive(), "a revoked refresh token is inactive");
        assertTrue(request.getUrl().startsWith(appHost + "/oidc/auth?"), request.getUrl());
        assertFalse(request.toString().contains(request.getCodeVerifier()));
        assertFalse(callback.toString().contains(callback.getCode()));
        assertEquals(request.getNonce(), tokens.getIdTokenClaims().get("nonce"));
        assertEquals("user-1", tokens.getIdTokenClaims().get("sub"));
        assertTrue(tokens.getScope().contains("offline_access"));
        // app-public requires PKCE: the exchange carried the verifier, or it would have failed.
        // The grant is gone: its refresh token no longer works.
        try (GenAuthClient again = new GenAuthClient(Dev.config("app-public").build())) {
            OAuthException dead = assertThrows(OAuthException.class, () -> again.refresh(tokens.getRefreshToken()));
            assertEquals("invalid_grant", dead.getOauthError());
        }
    }

    @Test
    void introspectionOfALiveToken() {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            Tokens tokens = logIn(client);
            Introspection live = client.introspect(tokens.getAccessToken());
            assertTrue(live.isActive());
            assertEquals("app-post", live.getClientId());
            assertEquals("user-1", live.getSub());
            assertNotNull(live.getExp());
            client.revoke(tokens.getAccessToken());
            assertFalse(client.introspect(tokens.getAccessToken()).isActive());
            client.revoke("a-token-the-provider-never-issued"); // RFC 7009: no error
        }
    }

    @Test
    void completableFutureVariants() {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-public").build())) {
            // readme-example:async:start
            CompletableFuture<Introspection> done = client.authorizeUrlAsync(AuthorizeOptions.scope(SCOPE))
                    .thenCompose(request -> client.exchangeCallbackAsync(
                            Dev.loginUrl(request.getUrl()).getString("callback_url"), request))
                    .thenCompose(tokens -> client.userinfoAsync(tokens.getAccessToken())
                            .thenCompose(user -> client.revokeAsync(tokens.getRefreshToken(), "refresh_token"))
                            .thenCompose(revoked -> client.introspectAsync(tokens.getRefreshToken())));
            // readme-example:async:end
            assertFalse(done.orTimeout(30, TimeUnit.SECONDS).join().isActive());

            AuthorizeRequest request = client.authorizeUrlAsync(null).orTimeout(20, TimeUnit.SECONDS).join();
            String callbackUrl = Dev.loginUrl(request.getUrl()).getString("callback_url");
            Callback callback = client.parseCallbackAsync(callbackUrl, request.getState())
                    .orTimeout(20, TimeUnit.SECONDS).join();
            Tokens tokens = client.exchangeCodeAsync(callback.getCode(),
                    ExchangeOptions.of(request.getCodeVerifier(), request.getNonce()))
                    .orTimeout(20, TimeUnit.SECONDS).join();
            assertNull(tokens.getRefreshToken(), "no offline_access: no refresh token");
            UserInfo user = client.userinfoAsync(tokens.getAccessToken()).orTimeout(20, TimeUnit.SECONDS).join();
            assertEquals("user-1", user.getSub());

            CompletionException e = assertThrows(CompletionException.class, () -> client
                    .parseCallbackAsync(callbackUrl, "another-login-state").orTimeout(20, TimeUnit.SECONDS).join());
            assertEquals("state_mismatch", ((CallbackException) e.getCause()).getCode());
        }
        assertEquals(0, AsyncCalls.pendingCount());
    }

    @Test
    void sessionFreshTokensAsyncSharesOneRefresh() {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-public").build())) {
            Tokens tokens = logIn(client);
            int before = Dev.refreshGrants("app-public");
            try (Session session = client.session(stale(tokens, null))) {
                List<CompletableFuture<Tokens>> calls = new ArrayList<>();
                for (int i = 0; i < 16; i++) calls.add(session.freshTokensAsync());
                CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).orTimeout(30, TimeUnit.SECONDS).join();
                assertEquals(1, calls.stream().map(f -> f.join().getAccessToken()).distinct().count());
                assertEquals(before + 1, Dev.refreshGrants("app-public"), "exactly one refresh");
                Tokens now = session.tokens();
                assertNotEquals(tokens.getRefreshToken(), now.getRefreshToken(), "rotated, and kept");
                assertNotNull(client.refresh(now.getRefreshToken()).getAccessToken(), "the grant is alive");
            }
        }
    }

    @Test
    void callbackChecks() {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            AuthorizeRequest request = client.authorizeUrl(AuthorizeOptions.scope(SCOPE));
            String callbackUrl = Dev.loginUrl(request.getUrl()).getString("callback_url");
            CallbackException forged = assertThrows(CallbackException.class,
                    () -> client.parseCallback(callbackUrl, "not-this-logins-state"));
            assertEquals("state_mismatch", forged.getCode());
            String denied = Dev.REDIRECT_URI + "?error=access_denied&error_description=no&state="
                    + request.getState() + "&iss=" + Dev.url() + "/oidc";
            OAuthException e = assertThrows(OAuthException.class, () -> client.parseCallback(denied, request.getState()));
            assertEquals("access_denied", e.getOauthError());
            assertNull(e.getHttpStatus());
            assertEquals("invalid_argument", assertThrows(ConfigException.class,
                    () -> client.parseCallback(callbackUrl, "")).getCode());
            // None of that spent the code.
            Tokens tokens = client.exchangeCallback(callbackUrl, request);
            assertEquals(request.getNonce(), tokens.getIdTokenClaims().get("nonce"));
            // A stored request survives a round trip through JSON.
            AuthorizeRequest back = AuthorizeRequest.fromJson(request.toJson());
            assertEquals(request.getCodeVerifier(), back.getCodeVerifier());
            assertEquals(request.getUrl(), back.getUrl());
        }
    }

    @Test
    void oneShotLoginHelpers() {
        GenAuthConfig config = Dev.config("app-public").build();
        AuthorizeRequest request = GenAuth.buildAuthorizeUrl(config,
                AuthorizeOptions.scope("openid email").withExtraParam("login_hint", "alice"));
        assertTrue(request.getUrl().contains("login_hint=alice"), request.getUrl());
        JSONObject login = Dev.loginUrl(request.getUrl());
        Callback callback = GenAuth.parseCallback(config, login.getString("callback_url"), request.getState());
        assertEquals(login.getString("code"), callback.getCode());
        assertEquals("invalid_argument", assertThrows(ConfigException.class, () -> GenAuth.buildAuthorizeUrl(config,
                AuthorizeOptions.scope(SCOPE).withPrompt("none"))).getCode());
    }

    @Test
    void aFailureAfterTheGrantCarriesTheRotatedRefreshToken() {
        // app-public rotates on every use and kills the grant when a rotated-away token comes
        // back. The provider accepts this refresh (and rotates), then the library refuses its
        // id_token: it names the real user, not the "someone-else" of the session's tokens.
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-public").build())) {
            Tokens tokens = logIn(client);
            try (Session session = client.session(stale(tokens, "someone-else"))) {
                GenAuthException failure = null;
                String storedRefreshToken = null;
                // readme-example:errors:start
                try {
                    session.freshTokens();
                } catch (OAuthException e) {
                    // "invalid_grant".equals(e.getOauthError()): the grant is over, sign in again
                    throw e;
                } catch (GenAuthException e) {
                    // e.getCode(), e.getReason(), e.getHttpStatus() say what failed. When the
                    // provider had accepted the grant, its (maybe rotated) refresh token is kept:
                    if (e.getRefreshToken() != null) storedRefreshToken = e.getRefreshToken();
                    failure = e;
                }
                // readme-example:errors:end
                IdTokenException e = assertInstanceOf(IdTokenException.class, failure);
                assertEquals("sub", e.getReason());
                String rotated = e.getRefreshToken();
                assertEquals(rotated, storedRefreshToken);
                assertNotNull(rotated);
                assertNotEquals(tokens.getRefreshToken(), rotated);
                assertFalse(e.toString().contains(rotated) || e.getMessage().contains(rotated)
                        || String.valueOf(e.getRaw()).contains(rotated), "never printed");
                assertEquals(rotated, session.tokens().getRefreshToken(), "the session kept it");
                assertNotNull(client.refresh(rotated).getAccessToken(), "the grant is alive");
            }
        }
    }

    @Test
    void sessionsPersistAndResume() {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            Tokens tokens = logIn(client);
            String saved;
            Tokens refreshed;
            try (Session session = client.session(tokens)) {
                assertEquals(tokens.getAccessToken(), session.freshTokens().getAccessToken());
                refreshed = session.freshTokens(7 * 24 * 3600); // more life than it has: refresh
                assertNotEquals(tokens.getAccessToken(), refreshed.getAccessToken());
                // readme-example:persist:start
                saved = session.tokens().toJson();         // into encrypted storage
                // readme-example:persist:end
            }
            // readme-example:resume:start
            try (Session resumed = client.session(saved)) { // at the next start
                String accessToken = resumed.freshTokens().getAccessToken();
                // readme-example:resume:end
                assertEquals(refreshed.getAccessToken(), accessToken);
                assertEquals(refreshed.getAccessToken(), Tokens.fromJson(saved).getAccessToken());
            }
            Map<String, Object> noRefresh = new LinkedHashMap<>(tokens.getRaw());
            noRefresh.remove("refresh_token");
            noRefresh.put("expires_at", System.currentTimeMillis() / 1000);
            try (Session stale = client.session(Json.write(noRefresh))) {
                assertEquals("no_refresh_token", assertThrows(SessionException.class, stale::freshTokens).getCode());
            }
            assertEquals("invalid_argument", assertThrows(ConfigException.class, () -> client.session("[]")).getCode());
        }
    }

    @Test
    void sessionsOutliveTheirClientAndCloseTwice() {
        GenAuthClient client = new GenAuthClient(Dev.config("app-post").build());
        Tokens tokens = logIn(client);
        Session session = client.session(stale(tokens, null));
        client.close();
        assertNotEquals(tokens.getAccessToken(), session.freshTokens().getAccessToken());
        session.close();
        session.close();
        assertTrue(session.isClosed());
        assertThrows(IllegalStateException.class, session::tokens);
        assertThrows(IllegalStateException.class, () -> client.introspect("x"));
    }

    /** A login with offline_access through the library's own URL. */
    static Tokens logIn(GenAuthClient client) {
        AuthorizeRequest request = client.authorizeUrl(AuthorizeOptions.scope(SCOPE));
        return client.exchangeCallback(Dev.loginUrl(request.getUrl()).getString("callback_url"), request);
    }

    /** The tokens document with expires_at now (a session must refresh), and another sub if given. */
    static String stale(Tokens tokens, String sub) {
        Map<String, Object> doc = new LinkedHashMap<>(tokens.getRaw());
        doc.put("expires_at", System.currentTimeMillis() / 1000);
        if (sub != null) {
            Map<String, Object> claims = new LinkedHashMap<>(tokens.getIdTokenClaims());
            claims.put("sub", sub);
            doc.put("id_token_claims", claims);
        }
        return Json.write(doc);
    }
}
