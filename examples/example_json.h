/* Two shortcuts so that the examples need no JSON library. They rely on the library's compact
 * output and on the values they read (tokens, state, nonce, verifier, code) never holding
 * escaped characters. Use your JSON library in real code. */
#ifndef EXAMPLE_JSON_H
#define EXAMPLE_JSON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_ok(const char *doc) { return strstr(doc, "\"ok\":true") != NULL; }

/* The first string member called `name`, as a malloc'd copy (free it), or NULL. */
static char *string_member(const char *doc, const char *name) {
    char key[64];
    snprintf(key, sizeof key, "\"%s\":\"", name);
    const char *start = strstr(doc, key);
    if (!start) return NULL;
    start += strlen(key);
    const char *end = strchr(start, '"');
    if (!end) return NULL;
    char *value = malloc((size_t)(end - start) + 1);
    if (value) {
        memcpy(value, start, (size_t)(end - start));
        value[end - start] = '\0';
    }
    return value;
}

#endif
