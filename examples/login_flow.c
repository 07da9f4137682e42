/* The whole login with libgenauth, as a command-line app would do it: build the login URL,
 * let the user sign in, check the callback, exchange the code, keep tokens fresh, read the
 * user's claims, and revoke on sign-out.
 *
 *   login_flow CONFIG_JSON
 *
 * Prints the URL to open, then reads the URL the browser was redirected to from stdin.
 * CONFIG_JSON is a config document with appId, appHost, redirectUri (and appSecret for a
 * confidential client).
 *
 * Build (from the repository, after `make lib`):
 *   cc examples/login_flow.c -I include -L target/release -Wl,-rpath,"$PWD/target/release" -lgenauth -o login_flow
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genauth.h"
#include "example_json.h"

/* Prints a result document under a title; returns whether it was a success. */
static int show(const char *title, char *doc) {
    int ok = is_ok(doc);
    printf("\n== %s\n%s\n", title, doc);
    genauth_string_free(doc);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CONFIG_JSON  (then paste the callback URL)\n", argv[0]);
        return 2;
    }
    const char *config = argv[1];

    /* 1. The login URL, with fresh state, nonce and PKCE pair. offline_access asks for a
     *    refresh token (the library adds prompt=consent, which GenAuth requires for it). */
    char *login = genauth_build_authorize_url(config, "{\"scope\":\"openid profile email offline_access\"}");
    char *url = string_member(login, "url"), *state = string_member(login, "state");
    char *nonce = string_member(login, "nonce"), *verifier = string_member(login, "code_verifier");
    int ok = is_ok(login) && url && state && nonce && verifier;
    if (!ok) fprintf(stderr, "could not build the login URL: %s\n", login);
    genauth_string_free(login);

    char callback[4096] = "";
    if (ok) {
        printf("Open this URL to sign in:\n%s\n", url);
        printf("Then paste the URL your browser was redirected to:\n");
        fflush(stdout);
        ok = fgets(callback, sizeof callback, stdin) != NULL;
        callback[strcspn(callback, "\r\n")] = '\0';
    }

    /* 2. The callback must carry this login's state; then it gives the code. */
    char *code = NULL;
    if (ok) {
        char *checked = genauth_parse_callback(config, callback, state);
        code = string_member(checked, "code");
        ok = show("callback", checked) && code;
    }

    /* 3. Exchange the code with the login's PKCE verifier; the id_token must carry its nonce. */
    genauth_client *client = NULL;
    genauth_session *session = NULL;
    if (ok) {
        char *error = NULL;
        client = genauth_client_new(config, &error);
        if (!client) {
            ok = show("client", error);
        } else {
            char options[512];
            snprintf(options, sizeof options, "{\"codeVerifier\":\"%s\",\"nonce\":\"%s\"}", verifier, nonce);
            char *tokens = genauth_client_exchange_code_with(client, code, options);
            ok = is_ok(tokens);
            /* 4. A session hands out tokens that are still valid, refreshing when needed. */
            if (ok) session = genauth_session_new(client, tokens, &error);
            ok = show("exchange (id_token verified: see id_token_claims)", tokens) && session;
            if (ok == 0 && error) show("session", error);
        }
    }

    char *access_token = NULL, *refresh_token = NULL;
    if (ok) {
        /* Asking for more life than the token has left forces a refresh, to show one. */
        char *fresh = genauth_session_fresh_tokens(session, 7200);
        access_token = string_member(fresh, "access_token");
        refresh_token = string_member(fresh, "refresh_token");
        ok = show("fresh tokens (refreshed: less than 7200 s of life was left)", fresh);
    }

    /* 5. Who signed in, from the userinfo endpoint. */
    if (ok) ok = show("userinfo", genauth_client_userinfo(client, access_token));

    /* 6. Sign-out: revoke the refresh token; the session can no longer refresh. */
    if (ok) ok = show("revoke refresh token", genauth_client_revoke(client, refresh_token, "refresh_token"));
    if (ok) {
        char *after = genauth_session_fresh_tokens(session, 7200);
        ok = !show("fresh tokens after revocation (expected: invalid_grant)", after);
    }

    free(url), free(state), free(nonce), free(verifier), free(code);
    free(access_token), free(refresh_token);
    genauth_session_free(session);
    genauth_client_free(client);
    return ok ? 0 : 1;
}
