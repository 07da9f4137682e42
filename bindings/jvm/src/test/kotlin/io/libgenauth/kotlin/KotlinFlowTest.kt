package io.libgenauth.kotlin

import io.libgenauth.CallbackException
import io.libgenauth.Dev
import io.libgenauth.GenAuthException
import io.libgenauth.KotlinBridge
import io.libgenauth.OAuthException
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.Collections
import kotlin.concurrent.thread
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The Kotlin API against the development provider: suspend functions over the `_async` calls. */
class KotlinFlowTest {
    private val scope = "openid profile email offline_access"

    private fun publicConfig() = ClientConfig(
        appId = "app-public",
        appHost = Dev.url(),
        redirectUri = Dev.REDIRECT_URI,
        tokenEndPointAuthMethod = "none",
    )

    /** The tokens document with expires_at now: a session must refresh it. */
    private fun stale(tokens: Tokens): String {
        val doc = JSONObject(tokens.toJson())
        doc.put("expires_at", System.currentTimeMillis() / 1000)
        return doc.toString()
    }

    private suspend fun logIn(client: Client): Tokens {
        val request = client.authorizeUrl(scope = scope)
        return client.exchangeCallback(Dev.loginUrl(request.url).getString("callback_url"), request)
    }

    @Test
    fun loginFlowEndToEnd() = runBlocking {
        val appHost = Dev.url()
        val redirectUri = Dev.REDIRECT_URI
        // readme-example:kotlin-login:start
        val client = Client(ClientConfig(appId = "app-public", appHost = appHost, redirectUri = redirectUri,
            tokenEndPointAuthMethod = "none"))
        val request = client.authorizeUrl(scope = "openid profile email offline_access")
        // Open request.url in a Custom Tab; keep the request (request.toJson()) until the callback.
        val callbackUrl = Dev.loginUrl(request.url).getString("callback_url")
        val callback = client.parseCallback(callbackUrl, request.state)
        val tokens = client.exchangeCode(callback.code, codeVerifier = request.codeVerifier, nonce = request.nonce)
        val session = client.session(tokens)                  // fresh tokens from now on
        val user = client.userinfo(session.freshTokens().accessToken)
        // ... and at logout:
        client.revoke(session.tokens().refreshToken!!, tokenTypeHint = "refresh_token")
        val after = client.introspect(session.tokens().refreshToken!!) // after.active == false
        session.close()
        client.close()
        // readme-example:kotlin-login:end
        assertEquals("user-1", user.sub)
        assertEquals("alice@example.com", user.email)
        assertEquals(true, user.emailVerified)
        assertFalse(after.active)
        assertEquals(request.nonce, tokens.idTokenClaims["nonce"])
        assertFalse(tokens.toString().contains(tokens.accessToken))
        assertFalse(request.toString().contains(request.codeVerifier))
        assertFalse(callback.toString().contains(callback.code))
        Client(publicConfig()).use { again ->
            val dead = runCatching { again.refresh(tokens.refreshToken!!) }.exceptionOrNull()
            assertTrue(dead is OAuthException, "$dead")
            assertEquals("invalid_grant", (dead as OAuthException).oauthError)
        }
    }

    @Test
    fun thirtyTwoCoroutinesShareOneRefresh() = runBlocking {
        Client(publicConfig()).use { client ->
            val tokens = logIn(client)
            val before = Dev.refreshGrants("app-public")
            client.session(stale(tokens)).use { session ->
                // readme-example:kotlin-session:start
                val results = (1..32).map {
                    async(Dispatchers.Default) { session.freshTokens(minValidSeconds = 60) }
                }.awaitAll()
                // readme-example:kotlin-session:end
                assertEquals(1, results.map { it.accessToken }.distinct().size)
                assertNotEquals(tokens.accessToken, results[0].accessToken)
                assertEquals(before + 1, Dev.refreshGrants("app-public"), "exactly one refresh")
                // app-public rotates: a second refresh with the old token would have killed the
                // grant. The rotated one is the session's, and it works.
                val rotated = session.tokens().refreshToken!!
                assertNotEquals(tokens.refreshToken, rotated)
                assertTrue(client.refresh(rotated).accessToken.isNotEmpty())
            }
        }
        assertEquals(0, KotlinBridge.pendingCount())
    }

    @Test
    fun errorsAreTheJavaExceptions() = runBlocking {
        Client(publicConfig()).use { client ->
            val request = client.authorizeUrl()
            val callbackUrl = Dev.loginUrl(request.url).getString("callback_url")
            val forged = runCatching { client.parseCallback(callbackUrl, "not-this-login") }.exceptionOrNull()
            assertTrue(forged is CallbackException, "$forged")
            assertEquals("state_mismatch", (forged as CallbackException).code)
            val tokens = client.exchangeCallback(callbackUrl, AuthorizeRequest.fromJson(request.toJson()))
            assertNull(tokens.refreshToken, "no offline_access asked")
            assertEquals(Tokens.fromJson(tokens.toJson()), tokens)
        }
    }

    @Test
    fun oneShotCalls() = runBlocking {
        val config = publicConfig()
        val request = GenAuth.buildAuthorizeUrl(config, scope = scope)
        val login = Dev.loginUrl(request.url)
        val callback = GenAuth.parseCallback(config, login.getString("callback_url"), request.state)
        val tokens = GenAuth.exchangeCode(config, callback.code, request.codeVerifier)
        val fresh = GenAuth.refresh(config, tokens.refreshToken!!)
        assertNotEquals(tokens.refreshToken, fresh.refreshToken)
        assertTrue(GenAuth.version().isNotEmpty())
        val context: Any = Any() // on Android: the Application
        // readme-example:kotlin-android:start
        val ready = GenAuth.initAndroid(context) // in Application.onCreate; false off Android
        // readme-example:kotlin-android:end
        assertFalse(ready, "not Android: nothing to do")
    }

    @Test
    fun aCancelledCoroutineFreesItsCallAndTheCallbackStillLandsOnce() = runBlocking {
        // A server that accepts and never answers: the call stays in flight until its timeout.
        val silent = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
        val held = Collections.synchronizedList(mutableListOf<Socket>())
        val acceptor = thread(isDaemon = true) {
            try {
                while (true) held.add(silent.accept())
            } catch (_: Exception) {
            }
        }
        try {
            val config = ClientConfig(appId = "app-post", appSecret = "app-post-secret",
                appHost = "http://127.0.0.1:${silent.localPort}", timeoutMs = 2000)
            Client(config).use { client ->
                val pendingBefore = KotlinBridge.pendingCount()
                val deliveredBefore = KotlinBridge.deliveredCount()
                var outcome: Throwable? = null
                val job = launch(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
                    try {
                        client.refresh("some-refresh-token")
                    } catch (e: Throwable) {
                        outcome = e
                        throw e
                    }
                }
                delay(300)
                assertEquals(pendingBefore + 1, KotlinBridge.pendingCount(), "in flight")
                val started = System.nanoTime()
                job.cancelAndJoin()
                assertTrue(System.nanoTime() - started < 1_000_000_000L, "cancellation does not wait for the call")
                assertTrue(outcome is CancellationException, "$outcome")
                assertEquals(pendingBefore, KotlinBridge.pendingCount(), "the receiver is forgotten at once")
                // The native call still ends (timeout) and its callback frees the document, once.
                withTimeout(15_000) {
                    while (KotlinBridge.deliveredCount() == deliveredBefore) delay(50)
                }
                delay(500)
                assertEquals(deliveredBefore + 1, KotlinBridge.deliveredCount())
            }
        } finally {
            silent.close()
            acceptor.join(2000)
            held.forEach { it.close() }
        }
    }

    private fun postConfig() = ClientConfig(
        appId = "app-post",
        appSecret = "app-post-secret",
        appHost = Dev.url(),
        redirectUri = Dev.REDIRECT_URI,
    )

    @Test
    fun theGrantsAsSuspendFunctions() = runBlocking {
        Client(postConfig()).use { client ->
            val machine = client.clientCredentials(scope = "openid")
            assertTrue(machine.accessToken.isNotEmpty())
            assertNull(machine.refreshToken)
            assertEquals(
                "${Dev.url()}/oidc/session/end?client_id=app-post&id_token_hint=a.b.c&state=s-1",
                client.logoutUrl(idTokenHint = "a.b.c", state = "s-1"),
            )

            val device = client.deviceStart(scope = "openid offline_access")
            assertEquals(5L, device.interval)
            assertFalse(device.toString().contains(device.deviceCode))
            val pending = runCatching { client.devicePoll(device.deviceCode, maxWaitSeconds = 1) }
            assertEquals("authorization_pending", (pending.exceptionOrNull() as GenAuthException).code)
            // The user approves from another coroutine while this one is suspended in the poll.
            val user = launch(Dispatchers.IO) {
                delay(1000)
                Dev.approveDevice(device.userCode, false)
            }
            val tokens = client.devicePoll(device.deviceCode, maxWaitSeconds = 30)
            user.join()
            assertEquals("user-1", tokens.idTokenClaims["sub"])
            assertTrue(tokens.refreshToken != null)

            val denied = client.deviceStart()
            Dev.approveDevice(denied.userCode, true)
            val refused = runCatching { client.devicePoll(denied.deviceCode) }.exceptionOrNull()
            assertEquals("access_denied", (refused as OAuthException).oauthError)
        }
    }

    @Test
    fun loginLoopbackRunsOffTheCallersThread() = runBlocking {
        Client(postConfig()).use { client ->
            var page: String? = null
            var browser: Thread? = null
            // The dev provider registers http://127.0.0.1:8976/callback only: the login listens there.
            val tokens = try {
                client.loginLoopback(
                    scope = "openid profile offline_access", prompt = "consent", port = 8976,
                    timeoutSeconds = 30,
                ) { url ->
                    browser = thread {
                        page = Dev.getAbsolute(Dev.loginUrl(url).getString("callback_url")).body()
                    }
                }
            } finally {
                browser?.join()
            }
            assertEquals("user-1", tokens.idTokenClaims["sub"])
            assertTrue(page!!.contains("You are signed in"), page)
        }
    }
}
