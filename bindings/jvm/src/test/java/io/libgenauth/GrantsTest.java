package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * Client credentials, the logout URL, the device flow, the loopback login and the log sink
 * against the development provider, blocking and with futures.
 */
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

    @Test
    void logoutUrlWithoutBlocking() throws Exception {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            String url = client.logoutUrlAsync("a.b.c", null, "s-1").get(30, TimeUnit.SECONDS);
            assertEquals(Dev.url() + "/oidc/session/end?client_id=app-post&id_token_hint=a.b.c&state=s-1", url);
            assertEquals(url, client.logoutUrl("a.b.c", null, "s-1"));
            GenAuthException refused = failure(client.logoutUrlAsync(null, "not a url", null));
            assertInstanceOf(ConfigException.class, refused);
            assertEquals("invalid_argument", refused.getCode());
        }
    }

    @Test
    void deviceFlowApprovedAfterPending() throws Exception {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            DeviceAuthorization device = client.deviceStart("openid offline_access");
            assertEquals(5L, device.getInterval()); // oidc-provider gives none: RFC 8628's default
            assertEquals(Dev.url() + "/oidc/device", device.getVerificationUri());
            assertFalse(device.toString().contains(device.getDeviceCode()));
            // Not approved yet: the wait ends first, with nothing polled before the interval.
            GenAuthException pending = assertThrows(GenAuthException.class,
                    () -> client.devicePoll(device.getDeviceCode(), 1));
            assertEquals("authorization_pending", pending.getCode());

            Thread user = new Thread(() -> {
                sleep(1000);
                Dev.approveDevice(device.getUserCode(), false);
            });
            user.start();
            long begun = System.nanoTime();
            Tokens tokens = client.devicePoll(device.getDeviceCode(), 30);
            user.join();
            assertTrue(System.nanoTime() - begun >= TimeUnit.SECONDS.toNanos(3), "the interval was kept");
            assertNotNull(tokens.getRefreshToken());
            assertEquals("user-1", tokens.getIdTokenClaims().get("sub"));
        }
    }

    @Test
    void deviceFlowWithoutBlocking() throws Exception {
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-basic").build())) {
            DeviceAuthorization device = client.deviceStartAsync("openid").get(30, TimeUnit.SECONDS);
            GenAuthException pending = failure(client.devicePollAsync(device.getDeviceCode(), 1));
            assertEquals("authorization_pending", pending.getCode());

            // The library polls on its own threads: this thread approves while it waits.
            CompletableFuture<Tokens> polled = client.devicePollAsync(device.getDeviceCode(), 30);
            Thread.sleep(500);
            assertFalse(polled.isDone());
            Dev.approveDevice(device.getUserCode(), false);
            Tokens tokens = polled.get(60, TimeUnit.SECONDS);
            assertEquals("user-1", tokens.getIdTokenClaims().get("sub"));

            // No scope, Basic authentication: an empty form, which must still reach the provider.
            DeviceAuthorization denied = client.deviceStartAsync(null).get(30, TimeUnit.SECONDS);
            Dev.approveDevice(denied.getUserCode(), true);
            GenAuthException refused = failure(client.devicePollAsync(denied.getDeviceCode(), 30));
            assertInstanceOf(OAuthException.class, refused);
            assertEquals("access_denied", refused.getOauthError());
            assertFalse(refused.toString().contains(denied.getDeviceCode()));

            // Argument errors complete the future, as every other error.
            assertEquals("null_argument", failure(client.devicePollAsync(null, 1)).getCode());
            assertEquals("invalid_argument", failure(client.devicePollAsync("", 1)).getCode());
            // A negative wait counts as 0 (the C argument is unsigned): pending at once.
            long begun = System.nanoTime();
            assertEquals("authorization_pending", failure(client.devicePollAsync("unknown", -1)).getCode());
            assertTrue(System.nanoTime() - begun < TimeUnit.SECONDS.toNanos(3));
        }
    }

    /**
     * The loopback login with the dev provider's headless login as the browser: {@code onUrl}
     * starts a "browser" thread that signs in at the URL and follows the redirect to the
     * library's listener.
     */
    @Test
    void loginLoopbackWithTheHeadlessDevLogin() throws Exception {
        AtomicReference<String> opened = new AtomicReference<>();
        AtomicReference<HttpResponse<String>> page = new AtomicReference<>();
        AtomicReference<Thread> browser = new AtomicReference<>();
        // The dev provider registers http://127.0.0.1:8976/callback only: the login listens there.
        String options = "{\"scope\":\"openid profile offline_access\",\"prompt\":\"consent\","
                + "\"port\":8976,\"timeoutSeconds\":30}";
        Tokens tokens;
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            try {
                tokens = client.loginLoopback(options, url -> {
                    opened.set(url);
                    Thread t = new Thread(() -> page.set(Dev.getAbsolute(
                            Dev.loginUrl(url).getString("callback_url"))));
                    browser.set(t);
                    t.start();
                });
            } finally {
                if (browser.get() != null) browser.get().join();
            }
            assertTrue(opened.get().startsWith(Dev.url() + "/oidc/auth?"), opened.get());
            assertNotNull(tokens.getRefreshToken());
            assertEquals("user-1", tokens.getIdTokenClaims().get("sub"));
            assertEquals(200, page.get().statusCode());
            assertTrue(page.get().body().contains("You are signed in"), page.get().body());
            assertFalse(page.get().body().contains(tokens.getAccessToken()));

            // Nobody comes back: login_timeout once timeoutSeconds end.
            GenAuthException late = assertThrows(GenAuthException.class,
                    () -> client.loginLoopback("{\"port\":8976,\"timeoutSeconds\":1}", url -> { }));
            assertEquals("login_timeout", late.getCode());
        }
    }

    /** The exception a future completed with (it must fail within 60 s). */
    private static GenAuthException failure(CompletableFuture<?> future) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(60, TimeUnit.SECONDS));
        return assertInstanceOf(GenAuthException.class, e.getCause());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
