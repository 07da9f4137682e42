package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Client credentials, the logout URL and the log sink against the development provider. */
class GrantsTest {
    @Test
    void clientCredentialsLogoutUrlAndLogging() throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        GenAuth.setLogCallback((level, message) -> lines.add(message), 4);
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            Tokens tokens = client.clientCredentials("openid");
            assertFalse(tokens.getAccessToken().isEmpty());
            assertTrue(tokens.getIdTokenClaims().isEmpty());
            Tokens again = client.clientCredentialsAsync(null).get(30, TimeUnit.SECONDS);
            assertFalse(again.getAccessToken().isEmpty());

            String url = client.logoutUrl(null, "http://127.0.0.1:8976/bye", "s-1");
            assertTrue(url.contains("/oidc/session/end?"), url);
            assertTrue(url.contains("state=s-1"), url);
        } finally {
            GenAuth.setLogCallback(null, 0);
        }
        assertFalse(lines.isEmpty(), "no log line at level 4");
        for (String line : lines) {
            assertFalse(line.contains("app-post-secret"), line);
        }
    }
}
