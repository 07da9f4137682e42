package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;

import org.json.JSONObject;
import org.junit.jupiter.api.Test;

/** Blocking exchange and refresh against the development provider. */
class ExchangeTest {

    @Test
    void exchangeAndRefreshWithClientSecretPost() {
        String appHost = Dev.url();
        String redirectUri = Dev.REDIRECT_URI;
        String code = Dev.code("app-post");
        long before = System.currentTimeMillis() / 1000;
        // readme-example:start
        GenAuthClient client = new GenAuthClient(GenAuthConfig.builder().appId("app-post")
                .appSecret("app-post-secret").appHost(appHost).redirectUri(redirectUri).build());
        Tokens tokens = client.exchangeCode(code);                 // code from the login callback
        Tokens fresh = client.refresh(tokens.getRefreshToken());  // then store fresh.getRefreshToken()
        client.close();
        // readme-example:end
        assertUsable(tokens, before);
        assertUsable(fresh, before);
        assertEquals("user-1", tokens.getIdTokenClaims().get("sub"));
        assertEquals("app-post", tokens.getIdTokenClaims().get("aud"));
        assertEquals(tokens.getRefreshToken(), fresh.getRefreshToken(), "confidential clients keep theirs");
        assertNotEquals(tokens.getAccessToken(), fresh.getAccessToken());
        JSONObject wire = Dev.lastTokenRequest();
        assertEquals("refresh_token", wire.getString("grant_type"));
        assertEquals("post", wire.getString("auth"));
    }

    @Test
    void exchangeAndRefreshWithClientSecretBasic() {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-basic").build())) {
            long before = System.currentTimeMillis() / 1000;
            Tokens tokens = client.exchangeCode(Dev.code("app-basic"));
            assertUsable(tokens, before);
            assertEquals("basic", Dev.lastTokenRequest().getString("auth"));
            Tokens fresh = client.refresh(tokens.getRefreshToken());
            assertUsable(fresh, before);
            JSONObject wire = Dev.lastTokenRequest();
            assertEquals("refresh_token", wire.getString("grant_type"));
            assertEquals("basic", wire.getString("auth"));
        }
    }

    @Test
    void pkceWithPublicClientRotatesRefreshTokens() {
        String verifier = Dev.verifier();
        assertEquals(43, verifier.length());
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-public").build())) {
            long before = System.currentTimeMillis() / 1000;
            Tokens tokens = client.exchangeCode(Dev.pkceCode(verifier), verifier);
            assertUsable(tokens, before);
            assertEquals("none", Dev.lastTokenRequest().getString("auth"));
            Tokens first = client.refresh(tokens.getRefreshToken());
            assertNotEquals(tokens.getRefreshToken(), first.getRefreshToken(), "rotated");
            Tokens second = client.refresh(first.getRefreshToken());
            assertUsable(second, before);
            assertNotEquals(first.getRefreshToken(), second.getRefreshToken(), "rotated again");
        }
    }

    @Test
    void pkceWithoutTheVerifierIsRejected() {
        String verifier = Dev.verifier();
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-public").build())) {
            GenAuthException e = assertThrows(GenAuthException.class,
                    () -> client.exchangeCode(Dev.pkceCode(verifier), Dev.verifier()));
            assertEquals("oauth_error", e.getCode());
            assertEquals("invalid_grant", e.getOauthError());
            assertEquals(400, e.getHttpStatus());
        }
    }

    @Test
    void exchangeOptionsCarryVerifierAndNonce() {
        String verifier = Dev.verifier();
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-public").build())) {
            String code = Dev.login(Map.of("client_id", "app-public", "nonce", "nonce-42",
                    "code_challenge", Dev.challenge(verifier))).getString("code");
            Tokens tokens = client.exchangeCode(code, ExchangeOptions.of(verifier, "nonce-42"));
            assertEquals("nonce-42", tokens.getIdTokenClaims().get("nonce"));

            String other = Dev.login(Map.of("client_id", "app-public", "nonce", "nonce-43",
                    "code_challenge", Dev.challenge(verifier))).getString("code");
            GenAuthException e = assertThrows(GenAuthException.class,
                    () -> client.exchangeCode(other, ExchangeOptions.none().withCodeVerifier(verifier)
                            .withNonce("nonce-42")));
            assertEquals("id_token_invalid", e.getCode());
            assertEquals("nonce", e.getReason());
        }
    }

    @Test
    void oneShotCalls() {
        String config = Dev.config("app-post").build().toJson();
        long before = System.currentTimeMillis() / 1000;
        Tokens tokens = GenAuth.exchangeCode(config, Dev.code("app-post"), null);
        assertUsable(tokens, before);
        assertUsable(GenAuth.refresh(config, tokens.getRefreshToken()), before);
        String verifier = Dev.verifier();
        GenAuthConfig publicConfig = Dev.config("app-public").build();
        Tokens pkce = GenAuth.exchangeCode(publicConfig, Dev.pkceCode(verifier), verifier);
        assertUsable(GenAuth.refresh(publicConfig, pkce.getRefreshToken()), before);
    }

    @Test
    void withoutValidationNoClaims() {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").validateIdToken(false).build())) {
            Tokens tokens = client.exchangeCode(Dev.code("app-post"));
            assertNotNull(tokens.getIdToken());
            assertTrue(tokens.getIdTokenClaims().isEmpty());
        }
    }

    @Test
    void oneClientManyThreads() throws Exception {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-basic").build())) {
            String rt = client.exchangeCode(Dev.code("app-basic")).getRefreshToken();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                java.util.List<java.util.concurrent.Future<Tokens>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < 16; i++) calls.add(pool.submit(() -> client.refresh(rt)));
                for (java.util.concurrent.Future<Tokens> f : calls) {
                    assertEquals(rt, f.get(30, java.util.concurrent.TimeUnit.SECONDS).getRefreshToken());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    static void assertUsable(Tokens t, long before) {
        assertNotNull(t.getAccessToken());
        assertFalse(t.getAccessToken().isEmpty());
        assertEquals("Bearer", t.getTokenType());
        assertNotNull(t.getRefreshToken());
        assertNotNull(t.getIdToken());
        assertEquals(3600L, t.getExpiresIn());
        long now = System.currentTimeMillis() / 1000;
        assertTrue(t.getExpiresAt() >= before + 3600 - 1 && t.getExpiresAt() <= now + 3600 + 1,
                "expires_at " + t.getExpiresAt());
        assertTrue(t.getScope().contains("offline_access"), t.getScope());
        assertEquals(t.getAccessToken(), t.getRaw().get("access_token"));
        assertFalse(t.toString().contains(t.getAccessToken()));
    }
}
