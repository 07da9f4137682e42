/* Exchange an authorization code for tokens, then refresh them, with libgenauth.
 *
 *   exchange_and_refresh CONFIG_JSON CODE [CODE_VERIFIER]
 *
 * CONFIG_JSON is a config document, e.g.
 *   {"appId":"...","appSecret":"...","appHost":"https://your-app.genauth.ai",
 *    "redirectUri":"https://your-app.example/callback"}
 * CODE is the `code` parameter your redirect URI received; CODE_VERIFIER is the PKCE verifier
 * of that login, if it used PKCE. Prints both result documents; exits 0 only if both succeeded.
 *
 * Build (from the repository, after `make lib`):
 *   cc examples/exchange_and_refresh.c -I include -L target/release -Wl,-rpath,"$PWD/target/release" -lgenauth -o exchange_and_refresh
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genauth.h"
#include "example_json.h"

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s CONFIG_JSON CODE [CODE_VERIFIER]\n", argv[0]);
        return 2;
    }
    const char *config = argv[1], *code = argv[2];
    const char *verifier = argc == 4 ? argv[3] : NULL; /* NULL: the login did not use PKCE */

    /* readme-example:start */
    /* A client validates the config once and keeps its connections for later calls. */
    char *error = NULL;
    genauth_client *client = genauth_client_new(config, &error);
    if (!client) {
        fprintf(stderr, "bad config: %s\n", error);
        genauth_string_free(error);
        return 1;
    }

    /* Every call returns a JSON document, never NULL, that we release with
     * genauth_string_free: {"ok":true,"tokens":{...}} or {"ok":false,"error":{...}}. */
    char *exchanged = genauth_client_exchange_code(client, code, verifier);
    printf("exchange: %s\n", exchanged);
    /* readme-example:end */
    int ok = is_ok(exchanged);

    /* The provider may rotate refresh tokens: always keep the newest one. */
    char *refresh_token = ok ? string_member(exchanged, "refresh_token") : NULL;
    genauth_string_free(exchanged);
    if (ok && !refresh_token) {
        fprintf(stderr, "no refresh token: did the login ask for offline_access?\n");
        ok = 0;
    }

    if (ok) {
        char *refreshed = genauth_client_refresh(client, refresh_token);
        printf("refresh: %s\n", refreshed);
        ok = is_ok(refreshed);
        genauth_string_free(refreshed);
    }

    free(refresh_token);
    genauth_client_free(client);
    return ok ? 0 : 1;
}
