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

    /** {@code genauth_log_fn}: {@code void (*)(void *user_data, int32_t level, const char *message)}. */
    interface LogCallback extends Callback {
        /** One redacted line at {@code level} (1 error … 5 trace), on whatever thread logged it. */
        void invoke(Pointer userData, int level, String message);
    }

    /** {@code genauth_url_fn}: {@code void (*)(void *user_data, const char *url)}. */
    interface UrlCallback extends Callback {
        /** The login URL to open, on the calling thread; must return at once. */
        void invoke(Pointer userData, String url);
    }

    /** {@code char *genauth_client_login_loopback(client, options_json, on_url, user_data)}. */
    Pointer genauth_client_login_loopback(Pointer client, String optionsJson, UrlCallback onUrl, Pointer userData);

    /** {@code char *genauth_client_credentials(client, options_json)}. */
    Pointer genauth_client_credentials(Pointer client, String optionsJson);

    /** {@code int32_t genauth_client_credentials_async(client, options_json, cb, user_data)}. */
    int genauth_client_credentials_async(Pointer client, String optionsJson, ResultCallback cb, Pointer userData);

    /** {@code char *genauth_client_logout_url(client, options_json)}. */
    Pointer genauth_client_logout_url(Pointer client, String optionsJson);

    /** {@code int32_t genauth_client_logout_url_async(client, options_json, cb, user_data)}. */
    int genauth_client_logout_url_async(Pointer client, String optionsJson, ResultCallback cb, Pointer userData);

    /** {@code char *genauth_client_device_start(client, options_json)}. */
    Pointer genauth_client_device_start(Pointer client, String optionsJson);

    /** {@code int32_t genauth_client_device_start_async(client, options_json, cb, user_data)}. */
    int genauth_client_device_start_async(Pointer client, String optionsJson, ResultCallback cb, Pointer userData);

    /** {@code char *genauth_client_device_poll(client, device_code, uint32_t max_wait_seconds)}. */
    Pointer genauth_client_device_poll(Pointer client, String deviceCode, int maxWaitSeconds);

    /**
     * {@code int32_t genauth_client_device_poll_async(client, device_code, uint32_t
     * max_wait_seconds, cb, user_data)}.
     */
    int genauth_client_device_poll_async(Pointer client, String deviceCode, int maxWaitSeconds,
                                         ResultCallback cb, Pointer userData);

    /** {@code void genauth_set_log_callback(fn, user_data, int32_t max_level)}. */
    void genauth_set_log_callback(LogCallback fn, Pointer userData, int maxLevel);

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

    /** {@code char *genauth_client_revoke(client, token, token_type_hint)}. */
    Pointer genauth_client_revoke(Pointer client, String token, String tokenTypeHint);

    /** {@code char *genauth_client_introspect(client, token)}. */
    Pointer genauth_client_introspect(Pointer client, String token);

    /** {@code char *genauth_client_userinfo(client, access_token)}. */
    Pointer genauth_client_userinfo(Pointer client, String accessToken);

    /** {@code char *genauth_client_authorize_url(client, options_json)}. */
    Pointer genauth_client_authorize_url(Pointer client, String optionsJson);

    /** {@code char *genauth_client_parse_callback(client, callback_url, expected_state)}. */
    Pointer genauth_client_parse_callback(Pointer client, String callbackUrl, String expectedState);

    /** {@code int32_t genauth_client_exchange_code_async(client, code, options_json, cb, user_data)}. */
    int genauth_client_exchange_code_async(Pointer client, String code, String optionsJson,
                                           ResultCallback cb, Pointer userData);

    /** {@code int32_t genauth_client_refresh_async(client, refresh_token, cb, user_data)}. */
    int genauth_client_refresh_async(Pointer client, String refreshToken,
                                     ResultCallback cb, Pointer userData);

    /** {@code int32_t genauth_client_revoke_async(client, token, token_type_hint, cb, user_data)}. */
    int genauth_client_revoke_async(Pointer client, String token, String tokenTypeHint,
                                    ResultCallback cb, Pointer userData);

    /** {@code int32_t genauth_client_introspect_async(client, token, cb, user_data)}. */
    int genauth_client_introspect_async(Pointer client, String token, ResultCallback cb, Pointer userData);

    /** {@code int32_t genauth_client_userinfo_async(client, access_token, cb, user_data)}. */
    int genauth_client_userinfo_async(Pointer client, String accessToken, ResultCallback cb, Pointer userData);

    /** {@code int32_t genauth_client_authorize_url_async(client, options_json, cb, user_data)}. */
    int genauth_client_authorize_url_async(Pointer client, String optionsJson, ResultCallback cb, Pointer userData);

    /** {@code int32_t genauth_client_parse_callback_async(client, callback_url, expected_state, cb, user_data)}. */
    int genauth_client_parse_callback_async(Pointer client, String callbackUrl, String expectedState,
                                            ResultCallback cb, Pointer userData);

    /** {@code char *genauth_build_authorize_url(config_json, options_json)}. */
    Pointer genauth_build_authorize_url(String configJson, String optionsJson);

    /** {@code char *genauth_parse_callback(config_json, callback_url, expected_state)}. */
    Pointer genauth_parse_callback(String configJson, String callbackUrl, String expectedState);

    /** {@code char *genauth_exchange_code(config_json, code, code_verifier)}. */
    Pointer genauth_exchange_code(String configJson, String code, String codeVerifier);

    /** {@code char *genauth_refresh(config_json, refresh_token)}. */
    Pointer genauth_refresh(String configJson, String refreshToken);

    /** {@code genauth_session *genauth_session_new(client, tokens_json, char **error_json)}. */
    Pointer genauth_session_new(Pointer client, String tokensJson, PointerByReference errorJson);

    /** {@code char *genauth_session_fresh_tokens(session, uint32_t min_valid_seconds)}. */
    Pointer genauth_session_fresh_tokens(Pointer session, int minValidSeconds);

    /** {@code int32_t genauth_session_fresh_tokens_async(session, min_valid_seconds, cb, user_data)}. */
    int genauth_session_fresh_tokens_async(Pointer session, int minValidSeconds,
                                           ResultCallback cb, Pointer userData);

    /** {@code char *genauth_session_tokens(const genauth_session *session)}. */
    Pointer genauth_session_tokens(Pointer session);

    /** {@code void genauth_session_free(genauth_session *session)}; NULL is a no-op. */
    void genauth_session_free(Pointer session);

    /** {@code void genauth_string_free(char *s)}; NULL is a no-op. */
    void genauth_string_free(Pointer s);

    /** {@code const char *genauth_version(void)}: static, never freed. */
    String genauth_version();

    /**
     * {@code int32_t genauth_android_init(JNIEnv *env, jobject context)}: exported by Android
     * builds only, so it is mapped apart ({@link AndroidTls}), with JNA's object passing on.
     */
    interface Android extends Library {
        /** {@code env} is {@link com.sun.jna.JNIEnv#CURRENT}; {@code context} an Android Context. */
        int genauth_android_init(com.sun.jna.JNIEnv env, Object context);
    }
}
