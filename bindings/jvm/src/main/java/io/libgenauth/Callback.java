package io.libgenauth;

import org.jetbrains.annotations.NotNull;

import java.util.Map;

/**
 * A checked login callback ({@code genauth_client_parse_callback}): its authorization code and
 * state. {@link #toString()} hides the code.
 */
public final class Callback {
    private final String code;
    private final String state;

    Callback(String code, String state) {
        this.code = code;
        this.state = state;
    }

    static Callback of(Map<String, Object> callback) {
        String code = Json.string(callback, "code");
        String state = Json.string(callback, "state");
        if (code == null || state == null) throw Results.internal("the library's callback object lacks a field");
        return new Callback(code, state);
    }

    /** The authorization code, single-use: exchange it once. */
    public @NotNull String getCode() { return code; }

    /** The callback's state (equal to the login request's). */
    public @NotNull String getState() { return state; }

    @Override
    public String toString() {
        return "Callback{code=(hidden), state=" + state + "}";
    }
}
