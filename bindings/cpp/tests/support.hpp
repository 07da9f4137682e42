// Test support for the C++ binding: a tiny harness, checks, and HTTP to the dev provider.
//
// Tests are written as
//
//     TEST(name) { EXPECT(cond); CHECK(cond); EXPECT_EQ(actual, expected); }
//
// EXPECT records a failure (file:line, the expression, and for EXPECT_EQ both values) and carries
// on; CHECK records it and returns from the test. Checks are thread-safe, but tests keep them on
// the main thread: callbacks only store what they received. main() (support.cpp) runs every test,
// or those whose name contains one of the command-line arguments, prints a line per test and ends
// with exactly one line "N passed, N failed"; its exit status is 1 when a test failed.

#ifndef GENAUTH_CPP_TEST_SUPPORT_HPP
#define GENAUTH_CPP_TEST_SUPPORT_HPP

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "genauth.hpp"

namespace support {

using TestFn = void (*)();
struct Register {
    Register(const char* name, TestFn fn);
};

bool expect(bool ok, const char* file, int line, const std::string& what);

inline std::string show(const std::string& s) { return genauth::detail::quote(s); }
inline std::string show(std::string_view s) { return genauth::detail::quote(s); }
inline std::string show(const char* s) { return s ? genauth::detail::quote(s) : "(null)"; }
inline std::string show(bool b) { return b ? "true" : "false"; }
template <typename T>
std::string show(const T& v) {
    std::ostringstream out;
    out << v;
    return out.str();
}
template <typename T>
std::string show(const std::optional<T>& v) {
    return v ? show(*v) : std::string("(none)");
}

template <typename T>
std::string show(const std::vector<T>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + show(v[i]);
    return out + "]";
}

template <typename A, typename B>
bool expect_eq(const A& actual, const B& expected, const char* file, int line, const char* expr) {
    bool ok = actual == expected;
    if (ok) return true;
    return expect(false, file, line,
                  std::string(expr) + ": got " + show(actual) + ", expected " + show(expected));
}

template <typename T>
bool expect_ok(const genauth::Result<T>& result, const char* file, int line, const char* expr) {
    if (result.ok()) return true;
    return expect(false, file, line, std::string(expr) + " is ok: got " + result.error().raw_json);
}

// Milliseconds on a monotonic clock.
double now_ms();

// ---- the development provider ----------------------------------------------------------------

#define REDIRECT_URI "http://127.0.0.1:8976/callback"

// GENAUTH_DEV_URL (empty, after recording a failure, when it is not set).
std::string dev_url();

struct HttpReply {
    int status = 0; // 0 when there was no (readable) reply
    std::string body;
};
// One HTTP/1.1 request over a plain POSIX socket to the dev provider (Connection: close;
// Content-Length and chunked bodies are both understood).
HttpReply dev_http(const char* method, const std::string& target);
// GET of a whole http://host:port/path?query URL, the same way (e.g. the loopback login's
// callback, as the browser would follow the provider's redirect).
HttpReply http_get(const std::string& url);

// A fresh authorization code from GET /dev/login?client_id=...&<extra_query>; empty after
// recording a failure.
std::string login(const char* file, int line, const std::string& client_id,
                  const std::string& extra_query = "");
#define LOGIN(...) support::login(__FILE__, __LINE__, __VA_ARGS__)

// What GET /dev/login?authorize_url=<url> answered: the provider logged its test user in and
// redirected to the callback (or, for a failed login, to a callback carrying error=).
struct DevLogin {
    int status = 0;           // 200 with a code, 500 when the login ended in an error
    std::string code;         // empty when there is none
    std::string state;
    std::string iss;
    std::string callback_url; // the full URL the browser would land on
    std::string body;         // the whole reply
};
// Drives a complete authorize URL as a browser would (the dev provider's headless login). With
// expect_code, a reply without a code records a failure.
DevLogin dev_login(const char* file, int line, const std::string& authorize_url,
                   bool expect_code = true);
#define DEV_LOGIN(...) support::dev_login(__FILE__, __LINE__, __VA_ARGS__)

// One summary of GET /dev/requests: a POST to the token, revocation or introspection endpoint.
struct DevRequest {
    std::string path;       // "/oidc/token", "/oidc/token/revocation", ...
    std::string grant_type; // empty when the body had none
    std::string client_id;
    std::string auth;       // "post", "basic" or "none"
    std::vector<std::string> body_keys; // the names of the form fields sent
    int status = 0;
};
std::vector<DevRequest> dev_requests();
// DELETE /dev/requests.
void clear_dev_requests();

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view s);

// A config document for the dev provider (every value JSON-escaped).
struct Cfg {
    std::string app_id;
    std::optional<std::string> secret;
    std::optional<std::string> method;
    int timeout_ms = 0; // 0: no timeoutMs
};
std::string config(const Cfg& cfg);

} // namespace support

#define TEST(name)                                                                                 \
    static void test_##name();                                                                     \
    static const support::Register register_##name(#name, &test_##name);                           \
    static void test_##name()

#define EXPECT(cond) support::expect(!!(cond), __FILE__, __LINE__, #cond)
#define EXPECT_EQ(actual, expected)                                                                \
    support::expect_eq((actual), (expected), __FILE__, __LINE__, #actual " == " #expected)
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!EXPECT(cond)) return;                                                                 \
    } while (0)
#define CHECK_EQ(actual, expected)                                                                 \
    do {                                                                                           \
        if (!EXPECT_EQ(actual, expected)) return;                                                  \
    } while (0)

// Expects a successful result (the expression is evaluated once); on failure shows the error
// document.
#define EXPECT_OK(result) support::expect_ok((result), __FILE__, __LINE__, #result)
#define CHECK_OK(result)                                                                           \
    do {                                                                                           \
        if (!EXPECT_OK(result)) return;                                                            \
    } while (0)

#endif
