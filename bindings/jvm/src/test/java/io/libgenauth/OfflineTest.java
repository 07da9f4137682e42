package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Everything that needs the native library but no provider. */
class OfflineTest {

    @Test
    void versionIsSemver() {
        assertTrue(GenAuth.version().matches("\\d+\\.\\d+\\.\\d+.*"), GenAuth.version());
    }

    @Test
    void unknownKeyIsInvalidConfig() {
        GenAuthException e = assertThrows(GenAuthException.class, () -> new GenAuthClient(
                "{\"appId\":\"a\",\"appSecret\":\"s3cret-value\",\"appHost\":\"https://x.example\",\"appid\":\"typo\"}"));
        assertEquals("invalid_config", e.getCode());
        assertNull(e.getHttpStatus());
        assertTrue(e.getMessage().startsWith("invalid_config: "), e.getMessage());
    }

    @Test
    void notJsonAndMissingKeysAreInvalidConfig() {
        assertEquals("invalid_config",
                assertThrows(GenAuthException.class, () -> new GenAuthClient("not json")).getCode());
        assertEquals("invalid_config", assertThrows(GenAuthException.class, () -> new GenAuthClient(
                GenAuthConfig.builder().appHost("https://x.example").appSecret("s3cret-value").build())).getCode());
        assertEquals("invalid_config", assertThrows(GenAuthException.class, () -> new GenAuthClient(
                GenAuthConfig.builder().appId("a").appSecret("s3cret-value").appHost("https://x.example")
                        .timeoutMs(0).build())).getCode());
        assertEquals("invalid_config", assertThrows(GenAuthException.class,
                () -> GenAuth.exchangeCode("{}", "code", null)).getCode());
        assertEquals("null_argument", assertThrows(GenAuthException.class,
                () -> GenAuth.refresh((String) null, "rt")).getCode());
    }

    @Test
    void plainHttpToARemoteHostIsRefused() {
        GenAuthException e = assertThrows(GenAuthException.class, () -> new GenAuthClient(
                GenAuthConfig.builder().appId("a").appSecret("top-secret-value")
                        .appHost("http://login.example.com").build()));
        assertEquals("insecure_transport", e.getCode());
        assertFalse(e.getMessage().contains("top-secret-value"));
    }

    @Test
    void closedPortIsConnectFailed() throws Exception {
        GenAuthConfig config = GenAuthConfig.builder().appId("app-post").appSecret("app-post-secret")
                .appHost("http://127.0.0.1:" + Dev.closedPort()).redirectUri(Dev.REDIRECT_URI)
                .timeoutMs(5000).build();
        try (GenAuthClient client = new GenAuthClient(config)) {
            GenAuthException e = assertThrows(GenAuthException.class,
                    () -> client.exchangeCode("some-code", (String) null));
            assertEquals("connect_failed", e.getCode());
            assertNull(e.getHttpStatus());
            assertNull(e.getOauthError());

            CompletionException async = assertThrows(CompletionException.class,
                    () -> client.refreshAsync("some-refresh-token").orTimeout(10, TimeUnit.SECONDS).join());
            assertEquals("connect_failed", ((GenAuthException) async.getCause()).getCode());
        }
        assertEquals("connect_failed", assertThrows(GenAuthException.class,
                () -> GenAuth.refresh(config, "some-refresh-token")).getCode());
    }

    @Test
    void argumentErrorsArriveAsExceptions() {
        try (GenAuthClient client = new GenAuthClient(GenAuthConfig.builder().appId("a").appSecret("s3cret-value")
                .appHost("http://127.0.0.1:" + Dev.closedPort()).redirectUri(Dev.REDIRECT_URI).build())) {
            assertEquals("invalid_argument", assertThrows(GenAuthException.class,
                    () -> client.exchangeCode("", (String) null)).getCode());
            assertEquals("null_argument", assertThrows(GenAuthException.class,
                    () -> client.refresh(null)).getCode());
            // Argument errors of the async calls come through the future, not a throw.
            CompletionException e = assertThrows(CompletionException.class,
                    () -> client.exchangeCodeAsync("", (String) null).orTimeout(10, TimeUnit.SECONDS).join());
            assertEquals("invalid_argument", ((GenAuthException) e.getCause()).getCode());
        }
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseIsRefused() {
        GenAuthClient client = new GenAuthClient(GenAuthConfig.builder().appId("a").appSecret("s3cret-value")
                .appHost("https://x.example").build());
        assertFalse(client.isClosed());
        client.close();
        client.close();
        assertTrue(client.isClosed());
        assertThrows(IllegalStateException.class, () -> client.refresh("rt"));
        assertThrows(IllegalStateException.class, () -> client.refreshAsync("rt"));
    }

    @Test
    void toStringsHideSecrets() {
        GenAuthConfig config = GenAuthConfig.builder().appId("a").appSecret("top-secret-value")
                .appHost("https://x.example").build();
        assertFalse(config.toString().contains("top-secret-value"), config.toString());
        assertTrue(config.toJson().contains("\"appSecret\":\"top-secret-value\""), "the JSON carries it");
        assertFalse(ExchangeOptions.of("the-verifier", "the-nonce").toString().contains("the-verifier"));
        Tokens tokens = Results.tokens("{\"ok\":true,\"tokens\":{\"access_token\":\"AT-value\","
                + "\"refresh_token\":\"RT-value\",\"expires_in\":7200,\"expires_at\":4102444800}}");
        assertFalse(tokens.toString().contains("AT-value") || tokens.toString().contains("RT-value"));
        assertEquals(7200L, tokens.getExpiresIn());
        assertEquals(4102444800L, tokens.getExpiresAt());
        assertTrue(tokens.getIdTokenClaims().isEmpty());
        assertNull(tokens.getIdToken());
    }
}
