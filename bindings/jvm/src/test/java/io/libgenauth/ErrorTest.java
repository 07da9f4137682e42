package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Provider-side failures: codes, statuses, and what the messages must never contain. */
class ErrorTest {

    @Test
    void spentCodeIsInvalidGrant() {
        String code = Dev.code("app-post");
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            client.exchangeCode(code);
            GenAuthException e = assertThrows(GenAuthException.class, () -> client.exchangeCode(code));
            assertEquals("oauth_error", e.getCode());
            assertEquals("invalid_grant", e.getOauthError());
            assertEquals(400, e.getHttpStatus());
            assertNotNull(e.getOauthErrorDescription());
            assertEquals("oauth_error", e.getRaw().get("code"));
            assertClean(e, code, "app-post-secret");
        }
    }

    @Test
    void unknownRefreshTokenIsInvalidGrant() {
        String bogus = "not-a-real-refresh-token-0123456789";
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-basic").build())) {
            GenAuthException e = assertThrows(GenAuthException.class, () -> client.refresh(bogus));
            assertEquals("oauth_error", e.getCode());
            assertEquals("invalid_grant", e.getOauthError());
            assertEquals(400, e.getHttpStatus());
            assertClean(e, bogus, "app-basic-secret");
        }
    }

    @Test
    void wrongSecretIsInvalidClientAndNotSpendingTheCode() {
        String code = Dev.code("app-post");
        String wrong = "wrong-secret-abcdef";
        GenAuthException e = assertThrows(GenAuthException.class, () -> GenAuth.exchangeCode(
                Dev.config("app-post").appSecret(wrong).build(), code, null));
        assertEquals("oauth_error", e.getCode());
        assertEquals("invalid_client", e.getOauthError());
        assertEquals(401, e.getHttpStatus());
        assertClean(e, code, wrong);
        // The code survived the failed attempt.
        assertNotNull(GenAuth.exchangeCode(Dev.config("app-post").build(), code, null).getAccessToken());
    }

    @Test
    void refreshTokenOfAnotherClientLeaksNothing() {
        String rt;
        try (GenAuthClient post = new GenAuthClient(Dev.config("app-post").build())) {
            rt = post.exchangeCode(Dev.code("app-post")).getRefreshToken();
        }
        try (GenAuthClient basic = new GenAuthClient(Dev.config("app-basic").build())) {
            GenAuthException e = assertThrows(GenAuthException.class, () -> basic.refresh(rt));
            assertEquals("oauth_error", e.getCode());
            assertEquals("invalid_grant", e.getOauthError());
            assertClean(e, rt, "app-basic-secret");
        }
    }

    /** Nothing secret in the message, the whole exception text, or any of its fields. */
    static void assertClean(GenAuthException e, String... secrets) {
        String everything = e.toString() + "|" + e.getMessage() + "|" + e.getOauthErrorDescription()
                + "|" + e.getRaw();
        for (String s : secrets) {
            assertFalse(everything.contains(s), () -> "error text leaks a secret: " + everything);
        }
    }
}
