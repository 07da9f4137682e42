package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import org.junit.jupiter.api.Test;

/** The raw JNA interface keeps the C rules: NULLs, -1 for a NULL callback, error documents. */
class RawMappingTest {
    private final GenAuthLibrary lib = GenAuthNative.library();

    @Test
    void nullsAreHandled() {
        lib.genauth_client_free(null);
        lib.genauth_string_free(null);
        assertEquals(-1, lib.genauth_client_refresh_async(null, "rt", null, null));
        assertEquals(-1, lib.genauth_client_exchange_code_async(null, "code", null, null, null));
        Map<String, Object> doc = Json.parseObject(GenAuthNative.take(lib.genauth_client_refresh(null, "rt")));
        assertEquals(Boolean.FALSE, doc.get("ok"));
        assertEquals("null_argument", Json.object(doc, "error").get("code"));
    }

    @Test
    void clientNewWithoutErrorOutParameter() {
        assertNull(lib.genauth_client_new("nope", null));
        PointerByReference error = new PointerByReference();
        Pointer client = lib.genauth_client_new(
                "{\"appId\":\"a\",\"appSecret\":\"s3cret-value\",\"appHost\":\"https://x.example\"}", error);
        assertNotNull(client);
        assertNull(error.getValue());
        lib.genauth_client_free(client);
    }

    @Test
    void asyncArgumentErrorsArriveThroughTheCallback() {
        CompletableFuture<Tokens> f = AsyncCalls.submit(Runnable::run,
                (cb, userData) -> lib.genauth_client_refresh_async(null, "rt", cb, userData));
        Exception e = assertThrows(Exception.class, () -> f.orTimeout(10, TimeUnit.SECONDS).join());
        assertEquals("null_argument", ((GenAuthException) e.getCause()).getCode());
    }

    @Test
    void unknownExchangeOptionIsInvalidArgument() {
        Pointer client = lib.genauth_client_new(
                "{\"appId\":\"a\",\"appSecret\":\"s3cret-value\",\"appHost\":\"https://x.example\"}", null);
        try {
            GenAuthException e = assertThrows(GenAuthException.class, () -> Results.take(
                    lib.genauth_client_exchange_code_with(client, "code", "{\"code_verifier\":\"v\"}")));
            assertEquals("invalid_argument", e.getCode());
        } finally {
            lib.genauth_client_free(client);
        }
    }
}
