// Tests of the rest of the C++ binding (genauth.hpp): the config builder, the login flow started
// from the library's authorize URL, callbacks, sessions (one refresh for 16 threads), revocation,
// introspection, userinfo, the async calls with options, the error type and the non-throwing API.
// Most run against the development provider (scripts/with-devprovider); a browser is replaced by
// its headless login, GET /dev/login?authorize_url=...
//
// The regions between "readme-example:start NAME" and "readme-example:end" are copied into
// bindings/cpp/README.md; the test readme_examples_match_their_tests keeps the two identical.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "genauth.hpp"
#include "support.hpp"

using genauth::AuthorizeOptions;
using genauth::AuthorizeRequest;
using genauth::Client;
using genauth::Error;
using genauth::Result;
using genauth::Session;
using genauth::Tokens;
using genauth::detail::Json;

namespace {

const char* const offline_scope = "openid profile email offline_access";

// The config of one of the dev provider's clients, through the builder.
genauth::Config dev_config(const std::string& client_id) {
    genauth::Config config;
    config.app_id(client_id).app_host(support::dev_url()).redirect_uri(REDIRECT_URI);
    if (client_id == "app-public") config.token_endpoint_auth_method("none");
    else config.app_secret(client_id + "-secret");
    return config;
}

Client dev_client(const std::string& client_id) {
    Result<Client> client = Client::create(dev_config(client_id));
    if (!EXPECT_OK(client)) return Client();
    return std::move(client).value();
}

// What a browser does between the authorize URL and the callback: here, the dev provider's
// headless login of its test user. Returns the URL the browser lands on.
std::string browser_signs_in(const std::string& authorize_url) {
    return DEV_LOGIN(authorize_url).callback_url;
}

AuthorizeOptions scope(const std::string& s) {
    AuthorizeOptions options;
    options.scope = s;
    return options;
}

// A whole login started from the client's authorize URL; the tokens, or nullopt after recording
// a failure.
struct LoggedIn {
    AuthorizeRequest request;
    std::string code;
    Tokens tokens;
};
std::optional<LoggedIn> log_in(const Client& client, const std::string& scopes = offline_scope) {
    Result<AuthorizeRequest> request = client.authorize_url(scope(scopes));
    if (!EXPECT_OK(request)) return std::nullopt;
    std::string callback_url = browser_signs_in(request->url);
    Result<genauth::Callback> callback = client.parse_callback(callback_url, request->state);
    if (!EXPECT_OK(callback)) return std::nullopt;
    Result<Tokens> tokens =
        client.exchange_code(callback->code, {request->code_verifier, request->nonce});
    if (!EXPECT_OK(tokens)) return std::nullopt;
    return LoggedIn{std::move(request).value(), callback->code, std::move(tokens).value()};
}

// `object` (a JSON object's text) with the member `name` set to the JSON text `value`.
std::string with_member(std::string_view object, std::string_view name, const std::string& value) {
    Json doc;
    if (!Json::parse(object, doc) || !doc.is_object()) return std::string(object);
    std::string out = "{";
    bool found = false;
    for (std::size_t i = 0; i < doc.keys.size(); ++i) {
        if (out.size() > 1) out += ',';
        out += genauth::detail::quote(doc.keys[i]) + ":";
        if (doc.keys[i] == name) {
            out += value;
            found = true;
        } else {
            out += object.substr(doc.items[i].begin, doc.items[i].end - doc.items[i].begin);
        }
    }
    if (!found) out += (out.size() > 1 ? "," : "") + genauth::detail::quote(name) + ":" + value;
    return out + "}";
}

// The token document with expires_at set to now: a session must refresh it.
std::string stale(const Tokens& tokens) {
    return with_member(tokens.raw_json, "expires_at", std::to_string(std::time(nullptr)));
}

std::vector<support::DevRequest> token_requests() {
    std::vector<support::DevRequest> out;
    for (support::DevRequest& r : support::dev_requests())
        if (r.path == "/oidc/token") out.push_back(std::move(r));
    return out;
}

// A callback URL made by hand (the parameters are percent-encoded).
std::string hand_made_callback(const std::vector<std::pair<std::string, std::string>>& params,
                         const std::string& base = REDIRECT_URI) {
    std::string url = base;
    for (std::size_t i = 0; i < params.size(); ++i)
        url += (i ? "&" : "?") + params[i].first + "=" + support::url_encode(params[i].second);
    return url;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// The error's texts hold none of `secrets`.
bool no_secret_in(const Error& e, const std::vector<std::string>& secrets) {
    for (const std::string& secret : secrets) {
        if (secret.empty()) continue;
        for (const std::string& text :
             {e.code, e.message, std::string(e.what()), e.raw_json,
              e.oauth_error.value_or(""), e.oauth_error_description.value_or(""),
              e.reason.value_or("")})
            if (contains(text, secret)) {
                support::expect(false, __FILE__, __LINE__, "a secret in the error " + e.raw_json);
                return false;
            }
    }
    return true;
}

// Opens a gate for `n` threads at once.
class StartGate {
public:
    explicit StartGate(int n) : expected_(n) {}
    void arrive_and_wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        ++arrived_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return open_; });
    }
    void open_when_all_arrived() {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return arrived_ == expected_; });
        open_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int expected_;
    int arrived_ = 0;
    bool open_ = false;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return in ? text.str() : std::string();
}

} // namespace

// ---- the types and documents, without a provider -----------------------------------------------

TEST(flow_types) {
    static_assert(std::is_base_of_v<std::exception, Error>, "genauth::Error is an exception");
    static_assert(std::is_same_v<genauth::Exception, Error>, "the former name stays");
    static_assert(!std::is_copy_constructible_v<Session>, "Session is move-only");
    static_assert(std::is_nothrow_move_constructible_v<Session>, "");
    static_assert(std::is_nothrow_move_assignable_v<Session>, "");
    static_assert(!std::is_copy_constructible_v<Result<Session>>, "");
    static_assert(std::is_copy_constructible_v<Result<void>>, "");
    static_assert(std::is_copy_constructible_v<genauth::Introspection>, "");
    static_assert(std::is_same_v<Client::Callback, genauth::TokensCallback>, "");
    Error e("state_mismatch", "the callback does not belong to this login");
    EXPECT_EQ(std::string(e.what()), std::string("state_mismatch: the callback does not belong to this login"));
    EXPECT_EQ(&e.error(), &e);
}

TEST(config_builder_writes_escaped_json) {
    EXPECT_EQ(genauth::Config().to_json(), std::string("{}"));

    const std::string tricky = "a\"b\\c/\n\r\t\x01\x1f \xC3\xA9 \xE2\x80\xA8 \xF0\x9F\x98\x80 end";
    genauth::Config config;
    config.app_id(tricky)
        .app_secret("s3cr3t:+/ &%=\"")
        .app_host("https://example.genauth.ai")
        .redirect_uri("http://127.0.0.1:8976/callback?x=\"1\"")
        .token_endpoint_auth_method("client_secret_basic")
        .protocol("oidc")
        .timeout_ms(5000)
        .ca_cert_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        .validate_id_token(false)
        .clock_skew_seconds(0)
        .proxy("none");
    const std::string json = config.to_json();
    Json doc;
    CHECK(Json::parse(json, doc) && doc.is_object());
    EXPECT_EQ(doc.keys, (std::vector<std::string>{"appId", "appSecret", "appHost", "redirectUri",
                                                  "tokenEndPointAuthMethod", "protocol", "timeoutMs",
                                                  "caCertPem", "validateIdToken", "clockSkewSeconds",
                                                  "proxy"}));
    using genauth::detail::string_member;
    EXPECT_EQ(string_member(doc, "appId"), std::optional<std::string>(tricky));
    EXPECT_EQ(string_member(doc, "appSecret"), std::optional<std::string>("s3cr3t:+/ &%=\""));
    EXPECT_EQ(string_member(doc, "redirectUri"),
              std::optional<std::string>("http://127.0.0.1:8976/callback?x=\"1\""));
    EXPECT_EQ(string_member(doc, "caCertPem"),
              std::optional<std::string>("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
    EXPECT(doc.find("timeoutMs")->is_number() && doc.find("timeoutMs")->text == "5000");
    EXPECT(doc.find("clockSkewSeconds")->is_number() && doc.find("clockSkewSeconds")->text == "0");
    EXPECT(doc.find("validateIdToken")->is_bool() && !doc.find("validateIdToken")->boolean);
    // Control characters are escaped, nothing raw below 0x20 is written.
    for (char c : json) EXPECT(static_cast<unsigned char>(c) >= 0x20);

    // Only what was set, in the table's order; a second set replaces the first.
    genauth::Config some;
    some.timeout_ms(-1).app_id("x").validate_id_token(true).app_id("y");
    EXPECT_EQ(some.to_json(), std::string(R"({"appId":"y","timeoutMs":-1,"validateIdToken":true})"));
}

TEST(authorize_request_and_options_json) {
    AuthorizeRequest request{"https://h/oidc/auth?a=1&b=\"2\"", "st\\ate", "n\u00f6nce", "v\n"};
    std::optional<AuthorizeRequest> back = AuthorizeRequest::from_json(request.to_json());
    CHECK(back.has_value());
    EXPECT_EQ(back->url, request.url);
    EXPECT_EQ(back->state, request.state);
    EXPECT_EQ(back->nonce, request.nonce);
    EXPECT_EQ(back->code_verifier, request.code_verifier);
    EXPECT(!AuthorizeRequest::from_json(R"({"url":"u","state":"s","nonce":"n"})"));
    EXPECT(!AuthorizeRequest::from_json("[]"));

    EXPECT_EQ(AuthorizeOptions().to_json(), std::string("{}"));
    AuthorizeOptions options;
    options.scope = "openid \"x\"";
    options.prompt = "login";
    options.extra_params = {{"login_hint", "alice@example.com"}, {"ui\"locales", "fr"}};
    Json doc;
    CHECK(Json::parse(options.to_json(), doc));
    EXPECT_EQ(genauth::detail::string_member(doc, "scope"), std::optional<std::string>("openid \"x\""));
    EXPECT_EQ(genauth::detail::string_member(doc, "prompt"), std::optional<std::string>("login"));
    const Json* extra = doc.find("extraParams");
    CHECK(extra && extra->is_object());
    EXPECT_EQ(extra->keys, (std::vector<std::string>{"login_hint", "ui\"locales"}));
    AuthorizeOptions only_extra;
    only_extra.extra_params = {{"k", "v"}};
    EXPECT_EQ(only_extra.to_json(), std::string(R"({"extraParams":{"k":"v"}})"));
}

TEST(json_object_readers) {
    std::optional<genauth::JsonObject> o = genauth::JsonObject::parse(
        R"({"s":"t\u00e9","n":42,"ns":"7","b":true,"bs":"true","o":{"k":[1,2]},"a":["x"],"nul":null})");
    CHECK(o.has_value());
    EXPECT_EQ(o->keys(), (std::vector<std::string>{"s", "n", "ns", "b", "bs", "o", "a", "nul"}));
    EXPECT(o->contains("nul") && !o->contains("missing"));
    EXPECT_EQ(o->string_field("s"), std::optional<std::string>("t\xC3\xA9"));
    EXPECT_EQ(o->string_field("n"), std::optional<std::string>());
    EXPECT_EQ(o->integer_field("n"), std::optional<std::int64_t>(42));
    EXPECT_EQ(o->integer_field("ns"), std::optional<std::int64_t>(7));
    EXPECT_EQ(o->bool_field("b"), std::optional<bool>(true));
    EXPECT_EQ(o->bool_field("bs"), std::optional<bool>());
    EXPECT_EQ(o->raw_field("a"), std::optional<std::string>(R"(["x"])"));
    EXPECT_EQ(o->raw_field("nul"), std::optional<std::string>("null"));
    std::optional<genauth::JsonObject> inner = o->object_field("o");
    CHECK(inner.has_value());
    EXPECT_EQ(inner->raw_json(), std::string(R"({"k":[1,2]})"));
    EXPECT_EQ(inner->raw_field("k"), std::optional<std::string>("[1,2]"));
    EXPECT(!o->object_field("a"));
    // Copies keep working (positions are offsets into the copy's own text).
    genauth::JsonObject copy = *inner;
    inner.reset();
    EXPECT_EQ(copy.raw_field("k"), std::optional<std::string>("[1,2]"));
    EXPECT_EQ(genauth::JsonObject().raw_json(), std::string("{}"));
    EXPECT(!genauth::JsonObject::parse("[1]"));
    EXPECT(!genauth::JsonObject::parse("{\"a\":}"));
}

TEST(flow_result_documents) {
    using namespace genauth::detail;
    Result<AuthorizeRequest> a = parse_authorize(
        R"({"ok":true,"authorize":{"url":"https://h/oidc/auth?x=1","state":"s","nonce":"n","code_verifier":"v"}})");
    CHECK_OK(a);
    EXPECT_EQ(a->url, std::string("https://h/oidc/auth?x=1"));
    EXPECT_EQ(a->code_verifier, std::string("v"));

    Result<genauth::Callback> c = parse_callback_result(R"({"ok":true,"callback":{"code":"c","state":"s"}})");
    CHECK_OK(c);
    EXPECT_EQ(c->code, std::string("c"));
    EXPECT_EQ(c->state, std::string("s"));

    Result<genauth::Introspection> i = parse_introspection(
        R"({"ok":true,"introspection":{"active":true,"client_id":"app","scope":"openid","exp":1764070000,"aud":["a","b"]}})");
    CHECK_OK(i);
    EXPECT(i->active);
    EXPECT_EQ(i->client_id, std::optional<std::string>("app"));
    EXPECT_EQ(i->exp, std::optional<std::int64_t>(1764070000));
    EXPECT_EQ(i->sub, std::optional<std::string>());
    EXPECT_EQ(i->json.raw_field("aud"), std::optional<std::string>(R"(["a","b"])"));
    Result<genauth::Introspection> inactive = parse_introspection(R"({"ok":true,"introspection":{"active":false}})");
    CHECK_OK(inactive);
    EXPECT(!inactive->active);

    Result<genauth::UserInfo> u = parse_userinfo(
        R"({"ok":true,"userinfo":{"sub":"user-1","email":"a@x","email_verified":true,"nickname":"al"}})");
    CHECK_OK(u);
    EXPECT_EQ(u->sub, std::string("user-1"));
    EXPECT_EQ(u->email_verified, std::optional<bool>(true));
    EXPECT_EQ(u->name, std::optional<std::string>());
    EXPECT_EQ(u->json.string_field("nickname"), std::optional<std::string>("al"));

    EXPECT_OK(parse_ok(R"({"ok":true})"));

    // A failure after the grant carries the refresh token beside the error: it goes to
    // Error::refresh_token, and out of every text of the error.
    const std::string after_grant =
        R"({"ok":false,"error":{"code":"id_token_invalid","message":"the id_token failed the nonce check","reason":"nonce"},"refresh_token":"rt-rotated\u00e9"})";
    Result<Tokens> failed = parse_result(after_grant);
    CHECK(!failed.ok());
    const Error& e = failed.error();
    EXPECT_EQ(e.code, std::string("id_token_invalid"));
    EXPECT_EQ(e.reason, std::optional<std::string>("nonce"));
    EXPECT_EQ(e.refresh_token, std::optional<std::string>("rt-rotated\xC3\xA9"));
    EXPECT_EQ(e.raw_json, std::string(R"({"ok":false,"error":{"code":"id_token_invalid","message":"the id_token failed the nonce check","reason":"nonce"}})"));
    EXPECT(!contains(e.what(), "rt-rotated"));
    // Every reader takes it the same way.
    EXPECT_EQ(parse_ok(after_grant).error().refresh_token, e.refresh_token);
    EXPECT_EQ(parse_userinfo(after_grant).error().refresh_token, e.refresh_token);
    // Without one, raw_json is the document as it came.
    const std::string plain = R"({"ok":false,"error":{"code":"state_mismatch","message":"m"}})";
    EXPECT_EQ(parse_callback_result(plain).error().raw_json, plain);
    EXPECT_EQ(parse_callback_result(plain).error().refresh_token, std::optional<std::string>());

    // A success of another shape is reported, not guessed at.
    for (const char* odd : {R"({"ok":true,"tokens":{}})", R"({"ok":true,"authorize":{"url":"u"}})",
                            R"({"ok":true,"introspection":{"active":"yes"}})", R"({"ok":true,"userinfo":[]})"}) {
        bool all_internal = parse_authorize(odd).error().code == "internal" &&
                            parse_callback_result(odd).error().code == "internal" &&
                            parse_introspection(odd).error().code == "internal" &&
                            parse_userinfo(odd).error().code == "internal";
        EXPECT(all_internal || !support::expect(false, __FILE__, __LINE__, std::string("read ") + odd));
    }
}

// ---- the login flow, against the dev provider --------------------------------------------------

#if GENAUTH_EXCEPTIONS
// The whole flow as an app runs it, with the throwing API. app_secret: nullopt for a public client.
static void whole_login_flow(const std::string& app_id, std::optional<std::string> app_secret) {
    const std::string app_host = support::dev_url();
    try {
        // readme-example:start login-flow
        genauth::Config config;
        config.app_id(app_id).app_host(app_host).redirect_uri("http://127.0.0.1:8976/callback");
        if (app_secret) config.app_secret(*app_secret);          // a confidential client (a server)
        else config.token_endpoint_auth_method("none");         // a public one (PKCE only)
        genauth::Client client = genauth::Client::create_or_throw(config);  // create once, share

        // 1. Send the browser to request.url, and keep the request (its state, nonce and
        //    code verifier) until the callback, e.g. in that browser's server-side session.
        genauth::AuthorizeOptions options;
        options.scope = "openid profile email offline_access";  // offline_access: a refresh token
        genauth::AuthorizeRequest request = client.authorize_url_or_throw(options);

        // 2. The provider sends the browser back to redirectUri?code=...&state=...&iss=...
        std::string callback_url = browser_signs_in(request.url);
        genauth::Callback callback = client.parse_callback_or_throw(callback_url, request.state);
        genauth::Tokens tokens =
            client.exchange_code_or_throw(callback.code, {request.code_verifier, request.nonce});
        std::string user = tokens.id_token_claims->string_field("sub").value();  // verified

        // 3. From then on, from any thread: tokens with 60 s of life left, refreshed when needed.
        genauth::Session session = client.session_or_throw(tokens);
        genauth::Tokens fresh = session.fresh_tokens_or_throw(60);
        genauth::UserInfo me = client.userinfo_or_throw(fresh.access_token);
        std::string saved = session.tokens_or_throw().raw_json;  // to persist; session(saved) resumes

        // 4. Signing out ends the grant: revoke the refresh token (active before, not after).
        genauth::Introspection before = client.introspect_or_throw(*fresh.refresh_token);
        client.revoke_or_throw(*fresh.refresh_token, "refresh_token");
        genauth::Introspection after = client.introspect_or_throw(*fresh.refresh_token);
        // readme-example:end

        EXPECT(starts_with(request.url, app_host + "/oidc/auth?"));
        EXPECT(contains(request.url, "code_challenge_method=S256"));
        EXPECT(contains(request.url, "prompt=consent"));
        EXPECT(request.code_verifier.size() >= 43 && !request.state.empty() && !request.nonce.empty());
        EXPECT(!contains(request.url, request.code_verifier)); // only its challenge is sent
        EXPECT_EQ(callback.state, request.state);
        EXPECT(contains(callback_url, "code=" + support::url_encode(callback.code)));
        EXPECT_EQ(user, std::string("user-1"));
        EXPECT_EQ(tokens.id_token_claims->string_field("nonce"), std::optional<std::string>(request.nonce));
        EXPECT(tokens.id_token.has_value() && tokens.refresh_token.has_value());
        EXPECT(tokens.scope && contains(*tokens.scope, "offline_access"));
        EXPECT_EQ(fresh.access_token, tokens.access_token); // an hour of life left: no refresh
        EXPECT_EQ(me.sub, std::string("user-1"));
        EXPECT_EQ(me.email, std::optional<std::string>("alice@example.com"));
        EXPECT_EQ(me.email_verified, std::optional<bool>(true));
        EXPECT_EQ(me.name, std::optional<std::string>("Alice Example"));
        EXPECT(contains(saved, fresh.access_token));
        Session resumed = client.session_or_throw(saved);
        EXPECT_EQ(resumed.tokens_or_throw().access_token, fresh.access_token);
        EXPECT(before.active);
        EXPECT_EQ(before.client_id, std::optional<std::string>(app_id));
        EXPECT(!after.active);

        // The exchange sent the verifier; the refresh token is dead now.
        std::vector<support::DevRequest> grants = token_requests();
        bool exchanged = false;
        for (const support::DevRequest& r : grants)
            if (r.grant_type == "authorization_code" && r.client_id == app_id && r.status == 200)
                exchanged = std::find(r.body_keys.begin(), r.body_keys.end(), "code_verifier") !=
                            r.body_keys.end();
        EXPECT(exchanged);
        Result<Tokens> dead = client.refresh(*fresh.refresh_token);
        CHECK(!dead.ok());
        EXPECT_EQ(dead.error().oauth_error, std::optional<std::string>("invalid_grant"));
    } catch (const genauth::Error& e) {
        support::expect(false, __FILE__, __LINE__, std::string("threw ") + e.what());
    }
}

TEST(login_flow_public_client) { whole_login_flow("app-public", std::nullopt); }
TEST(login_flow_confidential_client) { whole_login_flow("app-post", std::string("app-post-secret")); }
#endif

TEST(login_flow_with_the_config_functions) {
    const std::string config = dev_config("app-public").to_json();
    Result<AuthorizeRequest> request = genauth::build_authorize_url(config, scope("openid email"));
    CHECK_OK(request);
    EXPECT(starts_with(request->url, support::dev_url() + "/oidc/auth?"));
    EXPECT(!contains(request->url, "prompt=")); // no offline_access, no consent prompt
    support::DevLogin login = DEV_LOGIN(request->url);
    CHECK(!login.code.empty());
    EXPECT_EQ(login.iss, support::dev_url() + "/oidc");

    Result<genauth::Callback> callback =
        genauth::parse_callback(config, login.callback_url, request->state);
    CHECK_OK(callback);
    EXPECT_EQ(callback->code, login.code);
    Result<genauth::Callback> wrong = genauth::parse_callback(config, login.callback_url, "another-state");
    CHECK(!wrong.ok());
    EXPECT_EQ(wrong.error().code, std::string("state_mismatch"));

    Result<Tokens> tokens = genauth::exchange_code(config, callback->code, request->code_verifier);
    CHECK_OK(tokens);
    EXPECT(!tokens->refresh_token); // no offline_access: GenAuth issues none
    CHECK(tokens->id_token_claims.has_value());
    EXPECT_EQ(tokens->id_token_claims->string_field("email"), std::optional<std::string>("alice@example.com"));
    EXPECT_EQ(tokens->id_token_claims->string_field("nonce"), std::optional<std::string>(request->nonce));

    // The options' rules.
    AuthorizeOptions contradiction = scope(offline_scope);
    contradiction.prompt = "none";
    Result<AuthorizeRequest> refused = genauth::build_authorize_url(config, contradiction);
    CHECK(!refused.ok());
    EXPECT_EQ(refused.error().code, std::string("invalid_argument"));
    AuthorizeOptions overrides;
    overrides.extra_params = {{"state", "mine"}};
    EXPECT_EQ(genauth::build_authorize_url(config, overrides).error().code, std::string("invalid_argument"));
    AuthorizeOptions hint = scope(offline_scope);
    hint.extra_params = {{"login_hint", "alice@example.com"}};
    Result<AuthorizeRequest> hinted = genauth::build_authorize_url(config, hint);
    CHECK_OK(hinted);
    EXPECT(contains(hinted->url, "login_hint=alice%40example.com"));
    EXPECT(contains(hinted->url, "prompt=consent"));
    EXPECT(hinted->state != request->state && hinted->code_verifier != request->code_verifier);

    // Without redirectUri there is no login URL.
    genauth::Config no_redirect;
    no_redirect.app_id("app-public").app_host(support::dev_url()).token_endpoint_auth_method("none");
    Result<AuthorizeRequest> no_uri = genauth::build_authorize_url(no_redirect.to_json());
    CHECK(!no_uri.ok());
    EXPECT_EQ(no_uri.error().code, std::string("invalid_config"));
    EXPECT_EQ(genauth::build_authorize_url("{").error().code, std::string("invalid_config"));
#if GENAUTH_EXCEPTIONS
    std::string caught;
    try {
        (void)genauth::parse_callback_or_throw(config, login.callback_url, "another-state");
    } catch (const genauth::Error& e) {
        caught = e.code;
    }
    EXPECT_EQ(caught, std::string("state_mismatch"));
#endif
}

TEST(callback_checks) {
    Client client = dev_client("app-post");
    CHECK(!client.empty());
    Result<AuthorizeRequest> request = client.authorize_url(scope(offline_scope));
    CHECK_OK(request);
    support::DevLogin login = DEV_LOGIN(request->url);
    CHECK(!login.code.empty());
    const std::vector<std::string> secrets = {login.code, request->code_verifier};

    // Not this login's state.
    Result<genauth::Callback> r = client.parse_callback(login.callback_url, "not-this-login");
    CHECK(!r.ok());
    EXPECT_EQ(r.error().code, std::string("state_mismatch"));
    EXPECT(no_secret_in(r.error(), secrets));
    Result<AuthorizeRequest> other = client.authorize_url(scope(offline_scope));
    CHECK_OK(other);
    EXPECT_EQ(client.parse_callback(login.callback_url, other->state).error().code,
              std::string("state_mismatch"));
#if GENAUTH_EXCEPTIONS
    std::string caught;
    try {
        (void)client.parse_callback_or_throw(login.callback_url, other->state);
    } catch (const genauth::Error& e) {
        caught = e.code + "|" + e.what();
        EXPECT(!e.http_status && !e.refresh_token);
    }
    EXPECT(starts_with(caught, "state_mismatch|state_mismatch: "));
#endif

    // RFC 9207: another issuer.
    Result<genauth::Callback> mixed_up = client.parse_callback(
        hand_made_callback({{"code", login.code}, {"state", request->state}, {"iss", "https://attacker.example/oidc"}}),
        request->state);
    CHECK(!mixed_up.ok());
    EXPECT_EQ(mixed_up.error().code, std::string("issuer_mismatch"));
    EXPECT(no_secret_in(mixed_up.error(), secrets));

    // error= with this login's state: the provider's error, without an HTTP status.
    Result<genauth::Callback> denied = client.parse_callback(
        hand_made_callback({{"error", "access_denied"}, {"error_description", "the user said no"},
                      {"state", request->state}, {"iss", support::dev_url() + "/oidc"}}),
        request->state);
    CHECK(!denied.ok());
    EXPECT_EQ(denied.error().code, std::string("oauth_error"));
    EXPECT_EQ(denied.error().oauth_error, std::optional<std::string>("access_denied"));
    EXPECT_EQ(denied.error().oauth_error_description, std::optional<std::string>("the user said no"));
    EXPECT_EQ(denied.error().http_status, std::optional<int>());

    // Not the redirect URI; no code.
    EXPECT_EQ(client
                  .parse_callback(hand_made_callback({{"code", login.code}, {"state", request->state}},
                                               "http://127.0.0.1:8977/callback"),
                                  request->state)
                  .error()
                  .code,
              std::string("invalid_argument"));
    EXPECT_EQ(client
                  .parse_callback(hand_made_callback({{"state", request->state}, {"iss", support::dev_url() + "/oidc"}}),
                                  request->state)
                  .error()
                  .code,
              std::string("invalid_argument"));
    // The provider's discovery says it always sends iss: a callback without it is refused.
    EXPECT_EQ(client.parse_callback(hand_made_callback({{"code", login.code}, {"state", request->state}}), request->state)
                  .error()
                  .code,
              std::string("issuer_mismatch"));
    EXPECT_EQ(client.parse_callback(std::string(REDIRECT_URI "?code=a") + '\0', request->state)
                  .error()
                  .code,
              std::string("invalid_argument"));

    // None of that spent the code: the real callback still completes the login.
    Result<genauth::Callback> real = client.parse_callback(login.callback_url, request->state);
    CHECK_OK(real);
    EXPECT_OK(client.exchange_code(real->code, {request->code_verifier, request->nonce}));
}

TEST(a_real_error_callback_from_the_provider) {
    // prompt=none without a provider session: the provider answers login_required through the
    // callback, with this login's state and its iss.
    Client client = dev_client("app-post");
    AuthorizeOptions options = scope("openid");
    options.prompt = "none";
    Result<AuthorizeRequest> request = client.authorize_url(options);
    CHECK_OK(request);
    support::DevLogin login = DEV_LOGIN(request->url, false);
    CHECK(login.code.empty() && contains(login.callback_url, "error=login_required"));
    Result<genauth::Callback> r = client.parse_callback(login.callback_url, request->state);
    CHECK(!r.ok());
    EXPECT_EQ(r.error().code, std::string("oauth_error"));
    EXPECT_EQ(r.error().oauth_error, std::optional<std::string>("login_required"));
    EXPECT_EQ(r.error().http_status, std::optional<int>());
}

TEST(exchange_with_another_nonce_keeps_the_refresh_token) {
    Client client = dev_client("app-post");
    Result<AuthorizeRequest> request = client.authorize_url(scope(offline_scope));
    CHECK_OK(request);
    Result<genauth::Callback> callback =
        client.parse_callback(browser_signs_in(request->url), request->state);
    CHECK_OK(callback);
    // The provider accepts the grant, then the id_token fails the nonce check: the failure carries
    // the refresh token of the reply, and keeps it out of its texts.
    Result<Tokens> r = client.exchange_code(callback->code, {request->code_verifier, std::string("another-nonce")});
    CHECK(!r.ok());
    const Error& e = r.error();
    EXPECT_EQ(e.code, std::string("id_token_invalid"));
    EXPECT_EQ(e.reason, std::optional<std::string>("nonce"));
    CHECK(e.refresh_token.has_value() && !e.refresh_token->empty());
    EXPECT(no_secret_in(e, {*e.refresh_token, callback->code, request->code_verifier}));
    EXPECT_OK(client.refresh(*e.refresh_token)); // the grant is alive
}

// ---- sessions ----------------------------------------------------------------------------------

TEST(session_shared_by_16_threads_refreshes_once) {
    // app-public rotates refresh tokens and revokes the whole grant when a rotated-away one is
    // presented again: two refreshes racing with the same token would kill the login.
    Client client = dev_client("app-public");
    std::optional<LoggedIn> in = log_in(client);
    CHECK(in && in->tokens.refresh_token);
    Result<Session> created = client.session(stale(in->tokens));
    CHECK_OK(created);
    const Session session = std::move(created).value();
    support::clear_dev_requests();

    constexpr int threads = 16;
    StartGate gate(threads);
    std::vector<std::optional<Result<Tokens>>> results(threads);
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i)
        workers.emplace_back([&, i] {
            gate.arrive_and_wait();
            results[i] = session.fresh_tokens(60);
        });
    gate.open_when_all_arrived();
    for (std::thread& t : workers) t.join();

    std::vector<std::string> access_tokens;
    for (const std::optional<Result<Tokens>>& r : results) {
        CHECK(r.has_value());
        CHECK_OK(*r);
        access_tokens.push_back((*r)->access_token);
    }
    for (const std::string& token : access_tokens) EXPECT_EQ(token, access_tokens[0]);
    EXPECT(access_tokens[0] != in->tokens.access_token);
    std::vector<support::DevRequest> grants = token_requests();
    CHECK_EQ(grants.size(), std::size_t(1));
    EXPECT_EQ(grants[0].grant_type, std::string("refresh_token"));
    EXPECT_EQ(grants[0].status, 200);

    Result<Tokens> held = session.tokens();
    CHECK_OK(held);
    EXPECT_EQ(held->access_token, access_tokens[0]);
    EXPECT(held->refresh_token && *held->refresh_token != *in->tokens.refresh_token); // rotated
    // Fresh now: no further request.
    Result<Tokens> again = session.fresh_tokens(60);
    CHECK_OK(again);
    EXPECT_EQ(again->access_token, access_tokens[0]);
    EXPECT_EQ(token_requests().size(), std::size_t(1));
}

TEST(session_persists_resumes_and_outlives_its_client) {
    Client client = dev_client("app-post");
    std::optional<LoggedIn> in = log_in(client);
    CHECK(in);
    Result<Session> session = client.session(in->tokens);
    CHECK_OK(session);
    Result<Tokens> fresh = session->fresh_tokens();
    CHECK_OK(fresh);
    EXPECT_EQ(fresh->access_token, in->tokens.access_token); // still fresh
    // Asking for more life than the token has forces a refresh.
    Result<Tokens> refreshed = session->fresh_tokens(7 * 24 * 3600);
    CHECK_OK(refreshed);
    EXPECT(refreshed->access_token != in->tokens.access_token);
    Result<Tokens> saved = session->tokens();
    CHECK_OK(saved);

    // Resumed from the persisted token document, and from a whole success document.
    Result<Session> resumed = Session::create(client, saved->raw_json);
    CHECK_OK(resumed);
    EXPECT_EQ(resumed->fresh_tokens()->access_token, refreshed->access_token);
    Result<Session> from_document = client.session("{\"ok\":true,\"tokens\":" + saved->raw_json + "}");
    CHECK_OK(from_document);
    EXPECT_EQ(from_document->tokens()->access_token, refreshed->access_token);

    // The client may go first.
    client.reset();
    Result<Tokens> after = resumed->fresh_tokens(7 * 24 * 3600);
    CHECK_OK(after);
    EXPECT(after->access_token != refreshed->access_token);

    // Moves and empty sessions.
    Session moved = std::move(resumed).value();
    EXPECT(!moved.empty() && moved.native_handle() != nullptr);
    Session empty;
    EXPECT(empty.empty() && !empty);
    EXPECT_EQ(empty.fresh_tokens().error().code, std::string("null_argument"));
    EXPECT_EQ(empty.tokens().error().code, std::string("null_argument"));
    empty = std::move(moved);
    EXPECT(!empty.empty() && moved.empty()); // NOLINT: moved-from is specified
    empty.reset();
    empty.reset();
    EXPECT_EQ(Session::create(Client(), saved->raw_json).error().code, std::string("null_argument"));
}

TEST(session_errors) {
    Client client = dev_client("app-post");
    // Without offline_access there is no refresh token: a stale session cannot refresh.
    std::optional<LoggedIn> short_lived = log_in(client, "openid profile");
    CHECK(short_lived && !short_lived->tokens.refresh_token);
    support::clear_dev_requests();
    Result<Session> no_refresh = client.session(stale(short_lived->tokens));
    CHECK_OK(no_refresh);
    EXPECT_EQ(no_refresh->fresh_tokens().error().code, std::string("no_refresh_token"));
    EXPECT(token_requests().empty());

    // A revoked refresh token: invalid_grant, then the same without asking the provider again.
    std::optional<LoggedIn> in = log_in(client);
    CHECK(in && in->tokens.refresh_token);
    CHECK_OK(client.revoke(*in->tokens.refresh_token, "refresh_token"));
    Result<Session> revoked = client.session(stale(in->tokens));
    CHECK_OK(revoked);
    Result<Tokens> first = revoked->fresh_tokens();
    CHECK(!first.ok());
    EXPECT_EQ(first.error().oauth_error, std::optional<std::string>("invalid_grant"));
    EXPECT(no_secret_in(first.error(), {*in->tokens.refresh_token, in->tokens.access_token}));
    const std::size_t seen = support::dev_requests().size();
#if GENAUTH_EXCEPTIONS
    const Session& session = revoked.value();
    std::string logged;
    bool sign_in_again = false, stored = false, called = false;
    auto call_api = [&called](const std::string&) { called = true; };
    auto log = [&logged](const char* line) { logged = line; };
    auto store = [&stored](const std::string&) { stored = true; };
    // readme-example:start errors
    try {
        call_api(session.fresh_tokens_or_throw(60).access_token);
    } catch (const genauth::Error& e) {      // e.code, e.message, e.http_status, e.oauth_error, ...
        log(e.what());                       // "code: message", never a secret
        if (e.refresh_token) store(*e.refresh_token);  // a failure after the grant: keep it
        if (e.oauth_error == "invalid_grant") sign_in_again = true;
    }
    // readme-example:end
    EXPECT(!called && !stored && sign_in_again);
    EXPECT(starts_with(logged, "oauth_error: "));
#else
    EXPECT_EQ(revoked->fresh_tokens().error().oauth_error, std::optional<std::string>("invalid_grant"));
#endif
    EXPECT_EQ(support::dev_requests().size(), seen); // the provider was not asked again

    // Documents that are not tokens.
    for (const char* bad : {"not json", "[]", "{}"}) {
        Result<Session> r = client.session(bad);
        EXPECT(!r.ok() || !support::expect(false, __FILE__, __LINE__, std::string("accepted ") + bad));
    }
    EXPECT_EQ(client.session(std::string("{\"access_token\":\"a") + '\0' + "\"}").error().code,
              std::string("invalid_argument"));
}

TEST(a_rotated_refresh_token_survives_a_failed_refresh) {
    // The refresh below is accepted by the provider (app-public rotates the token), then refused
    // by the library: the id_token names the real user, not the one the session's tokens claim
    // (OpenID Connect Core 12.2). The rotated token must not be lost.
    Client client = dev_client("app-public");
    std::optional<LoggedIn> in = log_in(client);
    CHECK(in && in->tokens.id_token_claims && in->tokens.refresh_token);
    const std::string claims = with_member(in->tokens.id_token_claims->raw_json(), "sub", "\"someone-else\"");
    Result<Session> session =
        client.session(with_member(stale(in->tokens), "id_token_claims", claims));
    CHECK_OK(session);
    Result<Tokens> r = session->fresh_tokens(60);
    CHECK(!r.ok());
    const Error& e = r.error();
    EXPECT_EQ(e.code, std::string("id_token_invalid"));
    EXPECT_EQ(e.reason, std::optional<std::string>("sub"));
    CHECK(e.refresh_token && *e.refresh_token != *in->tokens.refresh_token);
    EXPECT(no_secret_in(e, {*e.refresh_token}));
    Result<Tokens> held = session->tokens();
    CHECK_OK(held);
    EXPECT_EQ(held->refresh_token, e.refresh_token); // the session stored it
    EXPECT_EQ(held->access_token, in->tokens.access_token); // and kept no other user's tokens
    EXPECT_OK(client.refresh(*e.refresh_token)); // the grant is alive
}

// ---- revocation, introspection, userinfo -------------------------------------------------------

TEST(revoke_introspect_userinfo) {
    Client client = dev_client("app-post");
    std::optional<LoggedIn> in = log_in(client);
    CHECK(in && in->tokens.refresh_token);
    const Tokens& tokens = in->tokens;

    Result<genauth::Introspection> access = client.introspect(tokens.access_token);
    CHECK_OK(access);
    EXPECT(access->active);
    EXPECT_EQ(access->sub, std::optional<std::string>("user-1"));
    EXPECT(access->exp.has_value() && access->json.contains("active"));

    // A revoked access token: inactive, and userinfo refuses it with 401.
    support::clear_dev_requests();
    CHECK_OK(client.revoke(tokens.access_token, "access_token"));
    Result<genauth::Introspection> revoked = client.introspect(tokens.access_token);
    CHECK_OK(revoked);
    EXPECT(!revoked->active);
    Result<genauth::UserInfo> refused = client.userinfo(tokens.access_token);
    CHECK(!refused.ok());
    EXPECT_EQ(refused.error().http_status, std::optional<int>(401));
    EXPECT(no_secret_in(refused.error(), {tokens.access_token}));
    std::vector<support::DevRequest> log = support::dev_requests();
    CHECK_EQ(log.size(), std::size_t(2));
    EXPECT_EQ(log[0].path, std::string("/oidc/token/revocation"));
    EXPECT_EQ(log[0].auth, std::string("post"));
    EXPECT_EQ(log[1].path, std::string("/oidc/token/introspection"));

    // Unknown tokens: revocation succeeds (RFC 7009), introspection says inactive.
    EXPECT_OK(client.revoke("unknown-token-0123456789"));
    Result<genauth::Introspection> unknown = client.introspect("unknown-token-0123456789");
    CHECK_OK(unknown);
    EXPECT(!unknown->active);
    EXPECT(client.userinfo("made-up-access-token").error().http_status.has_value());

    // The wrong client secret: the provider's invalid_client, no secret shown.
    Result<Client> bad = Client::create(dev_config("app-post").app_secret("wrong-secret-4242"));
    CHECK_OK(bad);
    Result<void> r = bad->revoke(*tokens.refresh_token, "refresh_token");
    CHECK(!r.ok());
    EXPECT_EQ(r.error().code, std::string("oauth_error"));
    EXPECT(no_secret_in(r.error(), {"wrong-secret-4242", *tokens.refresh_token}));
    Result<genauth::Introspection> i = bad->introspect(tokens.access_token);
    CHECK(!i.ok());
    EXPECT_EQ(i.error().code, std::string("oauth_error"));
    // Arguments.
    EXPECT_EQ(client.revoke("").error().code, std::string("invalid_argument"));
    EXPECT_EQ(client.introspect(std::string("a\0b", 3)).error().code, std::string("invalid_argument"));
    EXPECT_EQ(Client().userinfo("x").error().code, std::string("null_argument"));
#if GENAUTH_EXCEPTIONS
    std::optional<int> status;
    try {
        (void)client.userinfo_or_throw(tokens.access_token);
    } catch (const genauth::Error& e) {
        status = e.http_status;
    }
    EXPECT_EQ(status, std::optional<int>(401));
#endif
}

// ---- async calls with options ------------------------------------------------------------------

TEST(async_exchange_with_options_and_refresh) {
    Client client = dev_client("app-public");
    Result<AuthorizeRequest> request_result = client.authorize_url(scope(offline_scope));
    CHECK_OK(request_result);
    const AuthorizeRequest& request = request_result.value();
    Result<genauth::Callback> callback_result =
        client.parse_callback(browser_signs_in(request.url), request.state);
    CHECK_OK(callback_result);
    const genauth::Callback& callback = callback_result.value();

    // readme-example:start async
    auto done = std::make_shared<std::promise<genauth::Result<genauth::Tokens>>>();
    std::future<genauth::Result<genauth::Tokens>> exchanged = done->get_future();
    bool accepted = client.exchange_code_async(
        callback.code, {request.code_verifier, request.nonce},
        [done](genauth::Result<genauth::Tokens> tokens) {  // once, on a library thread
            done->set_value(std::move(tokens));           // hand over; no blocking call here
        });
    // ... the calling (UI) thread carries on; later:
    genauth::Result<genauth::Tokens> tokens = exchanged.get();
    // readme-example:end
    CHECK(accepted);
    CHECK_OK(tokens);
    EXPECT_EQ(tokens->id_token_claims->string_field("nonce"), std::optional<std::string>(request.nonce));
    CHECK(tokens->refresh_token.has_value());

    auto refreshed = std::make_shared<std::promise<Result<Tokens>>>();
    std::future<Result<Tokens>> refresh_future = refreshed->get_future();
    CHECK(client.refresh_async(*tokens->refresh_token,
                               [refreshed](Result<Tokens> r) { refreshed->set_value(std::move(r)); }));
    CHECK(refresh_future.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    Result<Tokens> fresh = refresh_future.get();
    CHECK_OK(fresh);
    EXPECT(fresh->refresh_token && *fresh->refresh_token != *tokens->refresh_token); // rotated

    // A failure after the grant arrives through the callback with its refresh token.
    Result<AuthorizeRequest> second = client.authorize_url(scope(offline_scope));
    CHECK_OK(second);
    Result<genauth::Callback> second_callback =
        client.parse_callback(browser_signs_in(second->url), second->state);
    CHECK_OK(second_callback);
    auto failed = std::make_shared<std::promise<Result<Tokens>>>();
    std::future<Result<Tokens>> failed_future = failed->get_future();
    genauth::ExchangeOptions wrong_nonce{second->code_verifier, std::string("not-the-nonce")};
    CHECK(client.exchange_code_async(second_callback->code, wrong_nonce,
                                     [failed](Result<Tokens> r) { failed->set_value(std::move(r)); }));
    CHECK(failed_future.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    Result<Tokens> r = failed_future.get();
    CHECK(!r.ok());
    EXPECT_EQ(r.error().reason, std::optional<std::string>("nonce"));
    CHECK(r.error().refresh_token.has_value());
    EXPECT_OK(client.refresh(*r.error().refresh_token));

    // Rejected before the call: an empty callback.
    EXPECT(!client.exchange_code_async("code", genauth::ExchangeOptions{}, Client::Callback()));
}

// Waits for a non-blocking call's result.
template <typename T>
static Result<T> await_result(const std::function<bool(std::function<void(Result<T>)>)>& start) {
    auto done = std::make_shared<std::promise<Result<T>>>();
    std::future<Result<T>> future = done->get_future();
    if (!start([done](Result<T> r) { done->set_value(std::move(r)); }))
        return genauth::Result<T>(genauth::Error("internal", "not accepted"));
    if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready)
        return genauth::Result<T>(genauth::Error("timeout", "no callback"));
    return future.get();
}

TEST(every_call_has_a_non_blocking_form) {
    Client client = dev_client("app-public");
    Result<AuthorizeRequest> request = await_result<AuthorizeRequest>(
        [&](auto cb) { return client.authorize_url_async(scope(offline_scope), cb); });
    CHECK_OK(request);
    std::string callback_url = browser_signs_in(request->url);
    Result<genauth::Callback> callback = await_result<genauth::Callback>(
        [&](auto cb) { return client.parse_callback_async(callback_url, request->state, cb); });
    CHECK_OK(callback);
    Result<genauth::Callback> forged = await_result<genauth::Callback>(
        [&](auto cb) { return client.parse_callback_async(callback_url, "another-state", cb); });
    CHECK(!forged.ok());
    EXPECT_EQ(forged.error().code, std::string("state_mismatch"));
    Result<Tokens> tokens =
        client.exchange_code(callback->code, {request->code_verifier, request->nonce});
    CHECK_OK(tokens);

    Result<genauth::Session> session = client.session(*tokens);
    CHECK_OK(session);
    Result<Tokens> fresh = await_result<Tokens>(
        [&](auto cb) { return session->fresh_tokens_async(60, cb); });
    CHECK_OK(fresh);
    Result<genauth::UserInfo> user = await_result<genauth::UserInfo>(
        [&](auto cb) { return client.userinfo_async(fresh->access_token, cb); });
    CHECK_OK(user);
    Result<void> revoked = await_result<void>([&](auto cb) {
        return client.revoke_async(*fresh->refresh_token, std::string_view("refresh_token"), cb);
    });
    EXPECT(revoked.ok());
    Result<genauth::Introspection> after = await_result<genauth::Introspection>(
        [&](auto cb) { return client.introspect_async(*fresh->refresh_token, cb); });
    CHECK_OK(after);
    EXPECT(!after->active);
}

// ---- the config builder against the library ----------------------------------------------------

// The first certificate of the system's bundle, or empty.
static std::string a_system_root_certificate() {
    for (const char* path : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                             "/etc/ssl/cert.pem"}) {
        std::string bundle = read_file(path);
        const std::string end = "-----END CERTIFICATE-----";
        std::size_t begin = bundle.find("-----BEGIN CERTIFICATE-----");
        std::size_t stop = bundle.find(end, begin);
        if (begin != std::string::npos && stop != std::string::npos)
            return bundle.substr(begin, stop + end.size() - begin) + "\n";
    }
    return "";
}

TEST(config_builder_keys_are_the_librarys) {
    // Every key set to a valid value: accepted (an unknown key would be invalid_config).
    genauth::Config all = dev_config("app-post");
    all.token_endpoint_auth_method("client_secret_basic")
        .protocol("oidc")
        .timeout_ms(20000)
        .validate_id_token(true)
        .clock_skew_seconds(30)
        .proxy("none");
    const std::string root = a_system_root_certificate();
    if (!root.empty()) all.ca_cert_pem(root);
    else std::printf("     no system CA bundle found: caCertPem is not set here\n");
    Result<Client> client = Client::create(all);
    CHECK_OK(client);
    std::optional<LoggedIn> in = log_in(client.value());
    CHECK(in.has_value());

    // A bad value of each key is invalid_config, with the key named in the message.
    struct Bad {
        const char* key;
        genauth::Config config;
    };
    auto with = [](auto set) {
        genauth::Config c = dev_config("app-post");
        set(c);
        return c;
    };
    const Bad bad[] = {
        {"appId", with([](genauth::Config& c) { c.app_id(""); })},
        {"appSecret", with([](genauth::Config& c) { c.app_secret(""); })},
        {"appHost", with([](genauth::Config& c) { c.app_host(""); })},
        {"redirectUri", with([](genauth::Config& c) { c.redirect_uri("not a url"); })},
        {"tokenEndPointAuthMethod", with([](genauth::Config& c) { c.token_endpoint_auth_method("private_key_jwt"); })},
        {"protocol", with([](genauth::Config& c) { c.protocol("saml"); })},
        {"timeoutMs", with([](genauth::Config& c) { c.timeout_ms(0); })},
        {"timeoutMs", with([](genauth::Config& c) { c.timeout_ms(-5); })},
        {"caCertPem", with([](genauth::Config& c) { c.ca_cert_pem("not a certificate"); })},
        {"clockSkewSeconds", with([](genauth::Config& c) { c.clock_skew_seconds(601); })},
        {"proxy", with([](genauth::Config& c) { c.proxy("socks5://127.0.0.1:1080"); })},
    };
    for (const Bad& b : bad) {
        Result<Client> r = Client::create(b.config);
        if (!EXPECT(!r.ok())) continue;
        EXPECT_EQ(r.error().code, std::string("invalid_config"));
        EXPECT(contains(r.error().message, std::string("`") + b.key + "`") ||
               !support::expect(false, __FILE__, __LINE__, std::string(b.key) + ": " + r.error().message));
    }
}

// ---- without exceptions ------------------------------------------------------------------------

// Runs in both builds; run-tests also runs it from the -fno-exceptions build.
TEST(no_exceptions_api) {
#if !defined(__cpp_exceptions)
    static_assert(GENAUTH_EXCEPTIONS == 0, "-fno-exceptions is detected");
#endif
    const genauth::Config config = dev_config("app-post");
    std::string failure;
    auto report = [&failure](const genauth::Error& e) { failure = e.code + ": " + e.message; };
    std::string refresh_token;
    auto flow = [&]() {
        genauth::AuthorizeOptions options;
        options.scope = offline_scope;
        // readme-example:start no-exceptions
        genauth::Result<genauth::Client> client = genauth::Client::create(config);
        if (!client) return report(client.error());               // e.g. "invalid_config"
        genauth::Result<genauth::AuthorizeRequest> request = client->authorize_url(options);
        if (!request) return report(request.error());
        std::string callback_url = browser_signs_in(request->url);
        genauth::Result<genauth::Callback> callback =
            client->parse_callback(callback_url, request->state);
        if (!callback) return report(callback.error());           // e.g. "state_mismatch"
        genauth::Result<genauth::Tokens> tokens =
            client->exchange_code(callback->code, {request->code_verifier, request->nonce});
        if (!tokens) return report(tokens.error());               // e.g. "oauth_error"
        genauth::Result<void> revoked = client->revoke(*tokens->refresh_token, "refresh_token");
        if (!revoked) return report(revoked.error());
        // readme-example:end
        refresh_token = *tokens->refresh_token;
    };
    flow();
    CHECK_EQ(failure, std::string());
    CHECK(!refresh_token.empty());

    // Failures come back as values.
    genauth::Config incomplete;
    incomplete.app_id("app-post").app_host(support::dev_url());
    Result<Client> no_secret = Client::create(incomplete);
    CHECK(!no_secret.ok());
    EXPECT_EQ(no_secret.error().code, std::string("invalid_config"));
    Client client = dev_client("app-post");
    EXPECT_EQ(client.parse_callback(REDIRECT_URI "?code=c&state=s", "other").error().code,
              std::string("state_mismatch"));
    Result<Tokens> dead = client.refresh(refresh_token);
    CHECK(!dead.ok());
    EXPECT_EQ(dead.error().oauth_error, std::optional<std::string>("invalid_grant"));
    Result<void> ok = client.revoke(refresh_token);
    EXPECT(ok.ok() && static_cast<bool>(ok));
}

// ---- the README ----------------------------------------------------------------------------------

// bindings/cpp/README.md quotes regions of the tests: each code block after a line
// "<!-- example from PATH#NAME -->" must be the region "readme-example:start NAME" of PATH (both
// relative to the repository root, where run-tests runs), with its common indentation removed;
// "<!-- example from PATH -->" names the unnamed region, as in the top-level README.
// GENAUTH_BLESS_README=1 rewrites the README's copies instead.
TEST(readme_examples_match_their_tests) {
    const std::string readme_path = "bindings/cpp/README.md";
    const std::string readme = read_file(readme_path);
    CHECK(!readme.empty() ||
          !support::expect(false, __FILE__, __LINE__, "cannot read " + readme_path + " (run from the repository root)"));
    auto lines_of = [](const std::string& text) {
        std::vector<std::string> lines;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    };
    auto region = [&](const std::string& path, const std::string& name) -> std::optional<std::string> {
        std::vector<std::string> lines = lines_of(read_file(path));
        std::vector<std::string> body;
        bool inside = false, found = false;
        for (const std::string& line : lines) {
            // "readme-example:start NAME"; an unnamed region when NAME is empty.
            std::size_t at = line.find("readme-example:start");
            std::string found_name = at == std::string::npos ? "" : line.substr(at + 20);
            found_name.erase(0, found_name.find_first_not_of(' '));
            if (!inside && at != std::string::npos && found_name == name) {
                inside = found = true;
                continue;
            }
            if (inside && contains(line, "readme-example:end")) break;
            if (inside) body.push_back(line);
        }
        if (!found || body.empty()) return std::nullopt;
        std::size_t indent = std::string::npos;
        for (const std::string& l : body)
            if (l.find_first_not_of(' ') != std::string::npos)
                indent = std::min(indent, l.find_first_not_of(' '));
        std::string out;
        for (std::string l : body) {
            l = l.size() > indent ? l.substr(indent) : std::string();
            l.erase(l.find_last_not_of(" \t") + 1);
            out += l + "\n";
        }
        return out;
    };

    const std::string marker = "<!-- example from ";
    std::vector<std::string> lines = lines_of(readme);
    std::string synced;
    int examples = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        synced += lines[i] + "\n";
        if (lines[i].rfind(marker, 0) != 0) continue;
        std::string ref = lines[i].substr(marker.size());
        ref = ref.substr(0, ref.find(" -->"));
        const std::size_t hash = ref.find('#');
        std::optional<std::string> code =
            hash == std::string::npos ? region(ref, "") : region(ref.substr(0, hash), ref.substr(hash + 1));
        CHECK(code.has_value() || !support::expect(false, __FILE__, __LINE__, "no region " + ref));
        CHECK(i + 1 < lines.size() && lines[i + 1].rfind("```", 0) == 0);
        synced += lines[++i] + "\n";
        while (i + 1 < lines.size() && lines[i + 1].rfind("```", 0) != 0) ++i;
        synced += *code + "```\n";
        ++i;
        ++examples;
    }
    if (const char* bless = std::getenv("GENAUTH_BLESS_README"); bless && *bless) {
        std::ofstream(readme_path, std::ios::binary) << synced;
        return;
    }
    EXPECT(examples >= 4);
    EXPECT(synced == readme ||
           !support::expect(false, __FILE__, __LINE__,
                            "README.md's examples differ from their tests: rerun with GENAUTH_BLESS_README=1"));
}

// ---- more grants, logout, logging ---------------------------------------------------------------

TEST(client_credentials_logout_and_logging) {
    std::mutex lock;
    std::vector<std::string> lines;
    genauth::set_log_callback(
        [&](int, std::string_view message) {
            std::lock_guard<std::mutex> guard(lock);
            lines.emplace_back(message);
        },
        4);
    Client client = dev_client("app-post");
    Result<Tokens> tokens = client.client_credentials(std::string_view("openid"));
    genauth::set_log_callback(nullptr);
    CHECK_OK(tokens);
    EXPECT(!tokens->id_token_claims.has_value());
    {
        std::lock_guard<std::mutex> guard(lock);
        EXPECT(!lines.empty());
        for (const std::string& line : lines) EXPECT(line.find("app-post-secret") == std::string::npos);
    }
    genauth::LogoutOptions logout;
    logout.post_logout_redirect_uri = "http://127.0.0.1:8976/bye";
    logout.state = "s-1";
    Result<std::string> url = client.logout_url(logout);
    CHECK_OK(url);
    EXPECT(url->find("/oidc/session/end?") != std::string::npos);
    EXPECT(url->find("state=s-1") != std::string::npos);
}

// ---- the device flow, the loopback login, the grants without blocking --------------------------

// The dev provider's user approves (or denies) a pending device authorization, without a page.
static void approve_device(const std::string& user_code, bool deny = false) {
    support::HttpReply reply = support::dev_http(
        "GET", "/dev/device-approve?user_code=" + support::url_encode(user_code) + (deny ? "&deny=1" : ""));
    EXPECT_EQ(reply.status, 200);
    EXPECT(contains(reply.body, deny ? "\"approved\":false" : "\"approved\":true") ||
           !support::expect(false, __FILE__, __LINE__, "device-approve: " + reply.body));
}

TEST(device_flow_approved_after_pending) {
    Client client = dev_client("app-post");
    Result<genauth::DeviceAuthorization> device = client.device_start(std::string_view(offline_scope));
    CHECK_OK(device);
    EXPECT_EQ(device->interval, std::optional<std::int64_t>(5)); // oidc-provider's default
    EXPECT_EQ(device->verification_uri, support::dev_url() + "/oidc/device");
    EXPECT(!device->user_code.empty());

    // Not approved yet: the wait ends first, with nothing polled before the interval.
    Result<Tokens> pending = client.device_poll(device->device_code, 1);
    CHECK(!pending.ok());
    EXPECT_EQ(pending.error().code, std::string("authorization_pending"));

    std::thread user([&] {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        approve_device(device->user_code);
    });
    const double begun = support::now_ms();
    Result<Tokens> tokens = client.device_poll(device->device_code, 30);
    user.join();
    CHECK_OK(tokens);
    EXPECT(support::now_ms() - begun >= 3000); // the interval was kept
    EXPECT(tokens->refresh_token.has_value());
    CHECK(tokens->id_token_claims.has_value());
    EXPECT_EQ(tokens->id_token_claims->string_field("sub"), std::optional<std::string>("user-1"));
    std::vector<support::DevRequest> polls;
    for (support::DevRequest& r : token_requests())
        if (contains(r.grant_type, "device_code")) polls.push_back(std::move(r));
    CHECK(!polls.empty());
    EXPECT_EQ(polls.back().status, 200);
}

TEST(device_flow_without_blocking) {
    Client client = dev_client("app-basic");
    Result<genauth::DeviceAuthorization> device = await_result<genauth::DeviceAuthorization>(
        [&](auto cb) { return client.device_start_async(std::string_view("openid"), cb); });
    CHECK_OK(device);
    Result<Tokens> pending = await_result<Tokens>(
        [&](auto cb) { return client.device_poll_async(device->device_code, 1, cb); });
    CHECK(!pending.ok());
    EXPECT_EQ(pending.error().code, std::string("authorization_pending"));

    // The poll runs on the library's threads: this thread approves while it waits.
    auto done = std::make_shared<std::promise<Result<Tokens>>>();
    std::future<Result<Tokens>> polled = done->get_future();
    CHECK(client.device_poll_async(device->device_code, 30,
                                   [done](Result<Tokens> r) { done->set_value(std::move(r)); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT(polled.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
    approve_device(device->user_code);
    CHECK(polled.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    Result<Tokens> tokens = polled.get();
    CHECK_OK(tokens);
    CHECK(tokens->id_token_claims.has_value());
    EXPECT_EQ(tokens->id_token_claims->string_field("sub"), std::optional<std::string>("user-1"));

    // Denied: the provider's refusal arrives through the callback.
    Result<genauth::DeviceAuthorization> denied = await_result<genauth::DeviceAuthorization>(
        [&](auto cb) { return client.device_start_async(std::nullopt, cb); });
    CHECK_OK(denied);
    approve_device(denied->user_code, true);
    Result<Tokens> refused = await_result<Tokens>(
        [&](auto cb) { return client.device_poll_async(denied->device_code, 30, cb); });
    CHECK(!refused.ok());
    EXPECT_EQ(refused.error().code, std::string("oauth_error"));
    EXPECT_EQ(refused.error().oauth_error, std::optional<std::string>("access_denied"));
    EXPECT(no_secret_in(refused.error(), {denied->device_code}));

    // The library's argument errors arrive through the callback; a device code with a NUL byte
    // or an empty on_result refuses the call.
    Result<Tokens> empty = await_result<Tokens>(
        [&](auto cb) { return client.device_poll_async("", 1, cb); });
    CHECK(!empty.ok());
    EXPECT_EQ(empty.error().code, std::string("invalid_argument"));
    EXPECT(!client.device_poll_async(std::string_view("a\0b", 3), 1, [](Result<Tokens>) {}));
    EXPECT(!client.device_poll_async(device->device_code, 1, Client::Callback()));
    EXPECT(!client.device_start_async(std::nullopt,
                                      std::function<void(Result<genauth::DeviceAuthorization>)>()));
}

TEST(client_credentials_and_logout_url_without_blocking) {
    Client client = dev_client("app-post");
    Result<Tokens> tokens = await_result<Tokens>(
        [&](auto cb) { return client.client_credentials_async(std::string_view("openid"), cb); });
    CHECK_OK(tokens);
    EXPECT(!tokens->access_token.empty());
    EXPECT(!tokens->refresh_token.has_value());

    genauth::LogoutOptions logout;
    logout.id_token_hint = "a.b.c";
    logout.state = "s-1";
    Result<std::string> url = await_result<std::string>(
        [&](auto cb) { return client.logout_url_async(logout, cb); });
    CHECK_OK(url);
    EXPECT_EQ(*url, support::dev_url() + "/oidc/session/end?client_id=app-post&id_token_hint=a.b.c&state=s-1");
    Result<std::string> blocking = client.logout_url(logout);
    CHECK_OK(blocking);
    EXPECT_EQ(*blocking, *url);

    // The library's argument errors arrive through the callback; an empty on_result refuses
    // the call.
    genauth::LogoutOptions bad;
    bad.post_logout_redirect_uri = "not a url";
    Result<std::string> refused = await_result<std::string>(
        [&](auto cb) { return client.logout_url_async(bad, cb); });
    CHECK(!refused.ok());
    EXPECT_EQ(refused.error().code, std::string("invalid_argument"));
    EXPECT(!client.logout_url_async(logout, std::function<void(Result<std::string>)>()));
}

// The loopback login with the dev provider's headless login as the browser: on_url starts a
// "browser" thread that signs in at the URL and follows the redirect to the library's listener.
TEST(login_loopback_with_the_headless_dev_login) {
    Client client = dev_client("app-post");
    std::thread browser;
    std::string opened;
    support::HttpReply page;
    // The dev provider registers http://127.0.0.1:8976/callback only: the login listens there.
    Result<Tokens> tokens = client.login_loopback(
        R"({"scope":"openid profile offline_access","prompt":"consent","port":8976,"timeoutSeconds":30})",
        [&](std::string_view url) {
            opened = std::string(url);
            browser = std::thread([&page, url = opened] {
                support::DevLogin signed_in = DEV_LOGIN(url);
                if (!signed_in.callback_url.empty()) page = support::http_get(signed_in.callback_url);
            });
        });
    if (browser.joinable()) browser.join();
    EXPECT(starts_with(opened, support::dev_url() + "/oidc/auth?"));
    EXPECT(contains(opened, "redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback"));
    EXPECT(contains(opened, "code_challenge_method=S256"));
    CHECK_OK(tokens);
    EXPECT(tokens->refresh_token.has_value());
    CHECK(tokens->id_token_claims.has_value());
    EXPECT_EQ(tokens->id_token_claims->string_field("sub"), std::optional<std::string>("user-1"));
    EXPECT_EQ(page.status, 200);
    EXPECT(contains(page.body, "You are signed in"));
    EXPECT(!contains(page.body, tokens->access_token));

    // Nobody comes back: login_timeout once timeoutSeconds end.
    Result<Tokens> late = client.login_loopback(R"({"port":8976,"timeoutSeconds":1})",
                                                [](std::string_view) {});
    CHECK(!late.ok());
    EXPECT_EQ(late.error().code, std::string("login_timeout"));
}
