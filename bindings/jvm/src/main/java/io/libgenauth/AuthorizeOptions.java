package io.libgenauth;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options of a login URL: {@code scope} (default {@code "openid profile"}; {@code offline_access}
 * in it adds {@code prompt=consent}, without which GenAuth issues no refresh token),
 * {@code prompt}, and extra query parameters (none of those the library sets itself).
 */
public final class AuthorizeOptions {
    private final String scope;
    private final String prompt;
    private final Map<String, String> extraParams;

    private AuthorizeOptions(String scope, String prompt, Map<String, String> extraParams) {
        this.scope = scope;
        this.prompt = prompt;
        this.extraParams = extraParams;
    }

    /** The library's defaults. */
    public static @NotNull AuthorizeOptions defaults() {
        return new AuthorizeOptions(null, null, Collections.<String, String>emptyMap());
    }

    /** With a scope, e.g. {@code "openid profile email offline_access"}. */
    public static @NotNull AuthorizeOptions scope(@Nullable String scope) {
        return defaults().withScope(scope);
    }

    public @NotNull AuthorizeOptions withScope(@Nullable String scope) {
        return new AuthorizeOptions(scope, prompt, extraParams);
    }

    public @NotNull AuthorizeOptions withPrompt(@Nullable String prompt) {
        return new AuthorizeOptions(scope, prompt, extraParams);
    }

    /** Adds one extra query parameter, e.g. {@code login_hint}. */
    public @NotNull AuthorizeOptions withExtraParam(@NotNull String key, @NotNull String value) {
        Map<String, String> extra = new LinkedHashMap<String, String>(extraParams);
        extra.put(key, value);
        return new AuthorizeOptions(scope, prompt, Collections.unmodifiableMap(extra));
    }

    public @Nullable String getScope() { return scope; }

    public @Nullable String getPrompt() { return prompt; }

    public @NotNull Map<String, String> getExtraParams() { return extraParams; }

    /** {@code {"scope", "prompt", "extraParams"}} with what is set. */
    public @NotNull String toJson() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("scope", scope);
        m.put("prompt", prompt);
        if (!extraParams.isEmpty()) m.put("extraParams", extraParams);
        return Json.write(m);
    }

    @Override
    public String toString() {
        return "AuthorizeOptions" + toJson();
    }
}
