package io.libgenauth;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * The raw JNA mapping of every function {@code genauth.h} exports, one method per C function.
 *
 * <p>Most code wants {@link GenAuthClient} or {@link GenAuth} instead. When using this interface
 * directly, keep the C rules: every returned {@code char *} is a {@link Pointer} that must be read
 * (with {@code getString(0, "UTF-8")}) and then released exactly once with
 * {@link #genauth_string_free}; a {@link ResultCallback} passed to an {@code _async} function
 * must stay strongly reachable until it has fired, or the JVM may collect it while native code
 * still holds its address. {@code genauth_version} returns a static string, never freed.
 *
 * <p>Obtain the loaded instance with {@link GenAuthNative#library()}.
 */
public interface GenAuthLibrary extends Library {

    /** {@code genauth_callback}: {@code void (*)(void *user_data, char *result_json)}. */
    interface ResultCallback extends Callback {
        /** Runs once per accepted call on a library thread; owns {@code resultJson}. */
        void invoke(Pointer userData, Pointer resultJson);
    }

    /** {@code genauth_client *genauth_client_new(const char *config_json, char **error_json)}. */
    Pointer genauth_client_new(String configJson, PointerByReference errorJson);

    /** {@code void genauth_client_free(genauth_client *client)}; NULL is a no-op. */
    void genauth_client_free(Pointer client);

    /** {@code char *genauth_client_exchange_code(client, code, code_verifier)}. */
    Pointer genauth_client_exchange_code(Pointer client, String code, String codeVerifier);

    /** {@code char *genauth_client_exchange_code_with(client, code, options_json)}. */
    Pointer genauth_client_exchange_code_with(Pointer client, String code, String optionsJson);

    /** {@code char *genauth_client_refresh(client, refresh_token)}. */
    Pointer genauth_client_refresh(Pointer client, String refreshToken);

    /** {@code int32_t genauth_client_exchange_code_async(client, code, options_json, cb, user_data)}. */
    int genauth_client_exchange_code_async(Pointer client, String code, String optionsJson,
                                           ResultCallback cb, Pointer userData);

    /** {@code int32_t genauth_client_refresh_async(client, refresh_token, cb, user_data)}. */
    int genauth_client_refresh_async(Pointer client, String refreshToken,
                                     ResultCallback cb, Pointer userData);

    /** {@code char *genauth_exchange_code(config_json, code, code_verifier)}. */
    Pointer genauth_exchange_code(String configJson, String code, String codeVerifier);

    /** {@code char *genauth_refresh(config_json, refresh_token)}. */
    Pointer genauth_refresh(String configJson, String refreshToken);

    /** {@code void genauth_string_free(char *s)}; NULL is a no-op. */
    void genauth_string_free(Pointer s);

    /** {@code const char *genauth_version(void)}: static, never freed. */
    String genauth_version();
}
