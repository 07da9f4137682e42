// Tests of the C++ binding (genauth.hpp): the JSON reader on its own, then every call against the
// development provider. Run with GENAUTH_DEV_URL set (scripts/with-devprovider).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "genauth.hpp"
#include "support.hpp"

using genauth::Client;
using genauth::Error;
using genauth::Result;
using genauth::Tokens;
using genauth::detail::Json;
using support::Cfg;
using support::config;

namespace {

// A fixed PKCE pair for app-public. The challenge is BASE64URL(SHA-256(verifier)) without padding
// (RFC 7636 S256), computed once with
//   python3 -c 'import hashlib,base64; v=b"<verifier>";
//               print(base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"="))'
const char* const pkce_verifier = "genauth-cpp-tests-fixed-pkce-verifier-0123456789-ABCDEFGHIJKLMNOP";
const char* const pkce_challenge = "GM_PbLSmewiD996c23fESkqMJ2TM6OqBX685roTX1yY";

std::string post_config() { return config(Cfg{"app-post", "app-post-secret", std::nullopt, 0}); }

// Collects async results: callbacks store, the test thread waits and checks.
struct Collector {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<Result<Tokens>> results;
    std::atomic<int> calls{0};

    Client::Callback callback(const std::shared_ptr<Collector>& self) {
        return [self](Result<Tokens> r) {
            self->calls.fetch_add(1);
            std::lock_guard<std::mutex> lock(self->mutex);
            self->results.push_back(std::move(r));
            self->changed.notify_all();
        };
    }
    // Waits until `count` results arrived or `seconds` passed; returns how many arrived.
    std::size_t wait_for(std::size_t count, int seconds) {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait_for(lock, std::chrono::seconds(seconds),
                         [&] { return results.size() >= count; });
        return results.size();
    }
};

std::string show_error(const Result<Tokens>& r) { return r.ok() ? "ok" : r.error().raw_json; }

} // namespace

// ---- the JSON reader ---------------------------------------------------------------------------

TEST(json_string_escapes) {
    Json v;
    CHECK(Json::parse(R"("q\" b\\ s\/ \b\f\n\r\t end")", v));
    EXPECT(v.is_string());
    EXPECT_EQ(v.text, std::string("q\" b\\ s/ \b\f\n\r\t end"));

    struct Case {
        const char* json;
        std::string decoded;
    } cases[] = {
        {R"("\u0041\u00e9\u00E9")", "A\xC3\xA9\xC3\xA9"},                 // 1 and 2 bytes
        {R"("\u20ac")", "\xE2\x82\xAC"},                                   // 3 bytes (euro)
        {R"("\uD83D\uDE00!")", "\xF0\x9F\x98\x80!"},                        // surrogate pair, 4 bytes
        {R"("\ud834\udd1e")", "\xF0\x9D\x84\x9E"},                          // lower-case pair
        {R"("\uD83Dx")", "\xEF\xBF\xBDx"},                                  // lone high surrogate
        {R"("\uDE00")", "\xEF\xBF\xBD"},                                    // lone low surrogate
        {R"("\uD83D\u0041")", "\xEF\xBF\xBD" "A"},                          // high then not a low one
        {R"("\uD83D\uD83D\uDE00")", "\xEF\xBF\xBD\xF0\x9F\x98\x80"},        // high, then a pair
        {"\"raw \xE6\x97\xA5\xE6\x9C\xAC UTF-8\"", "raw \xE6\x97\xA5\xE6\x9C\xAC UTF-8"},
        {R"("")", ""},
    };
    for (const Case& c : cases) {
        Json s;
        if (!EXPECT(Json::parse(c.json, s) && s.is_string())) continue;
        EXPECT_EQ(s.text, c.decoded);
    }
    Json nul;
    CHECK(Json::parse(R"("a\u0000b")", nul));
    EXPECT_EQ(nul.text, std::string("a\0b", 3));

    // Escaped keys are decoded too, and quote() round-trips every byte.
    Json obj;
    CHECK(Json::parse(R"({"k\"ey":1,"\u0061":"x"})", obj));
    EXPECT(obj.find("k\"ey") != nullptr);
    EXPECT_EQ(genauth::detail::string_member(obj, "a"), std::optional<std::string>("x"));
    std::string all;
    for (int c = 1; c < 256; ++c) all += static_cast<char>(c);
    Json back;
    CHECK(Json::parse(genauth::detail::quote(all), back));
    EXPECT_EQ(back.text, all);
}

TEST(json_rejects_malformed) {
    const char* bad[] = {
        "", " ", "{", "}", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "[1,]", "[1 2]",
        "\"abc", "\"a\x01\"", "\"\\x\"", "\"\\u12G4\"", "\"\\u12\"", "\"\\", "01", "1.", "-", "1e",
        "+1", ".5", "tru", "nul", "True", "{\"a\":1} x", "\"a\"\"b\"", "'a'", "[", "{\"a\":1",
    };
    for (const char* text : bad) {
        Json v;
        EXPECT(!Json::parse(text, v) || !support::expect(false, __FILE__, __LINE__,
                                                          std::string("accepted ") + text));
    }
    const char* good[] = {"0", "-0", "1.5e+3", "2E-2", "true", "null", "[]", "{}", " [ 1 , {} ] ",
                          "{\"a\":[null,false,\"\"]}"};
    for (const char* text : good) {
        Json v;
        EXPECT(Json::parse(text, v) ||
               !support::expect(false, __FILE__, __LINE__, std::string("rejected ") + text));
    }
    // Nesting is bounded (the parser recurses): 200 levels are fine, 300 are refused.
    Json deep;
    EXPECT(Json::parse(std::string(200, '[') + std::string(200, ']'), deep));
    EXPECT(!Json::parse(std::string(300, '[') + std::string(300, ']'), deep));
}

TEST(json_spans_and_integers) {
    const std::string text = R"({"a" : {"x":[1,"}"]} ,"n":7200,"f":7200.9,"neg":-5,"e":1e3,)"
                             R"("s":" 60 ","bad":"6x","big":9223372036854775807,)"
                             R"("over":9223372036854775808,"min":-9223372036854775808})";
    Json doc;
    CHECK(Json::parse(text, doc));
    const Json* a = doc.find("a");
    CHECK(a != nullptr);
    EXPECT_EQ(text.substr(a->begin, a->end - a->begin), std::string(R"({"x":[1,"}"]})"));
    auto integer = [&](const char* key) { return genauth::detail::integer_from(*doc.find(key)); };
    EXPECT_EQ(integer("n"), std::optional<std::int64_t>(7200));
    EXPECT_EQ(integer("f"), std::optional<std::int64_t>(7200));
    EXPECT_EQ(integer("neg"), std::optional<std::int64_t>(-5));
    EXPECT_EQ(integer("e"), std::optional<std::int64_t>());
    EXPECT_EQ(integer("s"), std::optional<std::int64_t>(60));
    EXPECT_EQ(integer("bad"), std::optional<std::int64_t>());
    EXPECT_EQ(integer("big"), std::optional<std::int64_t>(INT64_MAX));
    EXPECT_EQ(integer("over"), std::optional<std::int64_t>());
    EXPECT_EQ(integer("min"), std::optional<std::int64_t>(INT64_MIN));
    EXPECT_EQ(integer("a"), std::optional<std::int64_t>());
}

TEST(result_documents) {
    // A success as the library writes it: escapes, an unknown field, a nested object.
    const std::string ok_doc =
        R"({"ok":true,"tokens":{"access_token":"at\"1\\\/x","id_token":"h.p.s",)"
        R"("refresh_token":"rt\u00e9","token_type":"Bearer","expires_in":"3600",)"
        R"("scope":"openid offline_access","custom":{"k":["v"]},)"
        R"("id_token_claims":{"sub":"user-1","name":"Alice \uD83D\uDE00"},"expires_at":1764070000}})";
    Result<Tokens> ok = genauth::detail::parse_result(ok_doc);
    CHECK_OK(ok);
    const Tokens& t = ok.value();
    EXPECT_EQ(t.access_token, std::string("at\"1\\/x"));
    EXPECT_EQ(t.id_token, std::optional<std::string>("h.p.s"));
    EXPECT_EQ(t.refresh_token, std::optional<std::string>("rt\xC3\xA9"));
    EXPECT_EQ(t.token_type, std::optional<std::string>("Bearer"));
    EXPECT_EQ(t.scope, std::optional<std::string>("openid offline_access"));
    EXPECT_EQ(t.expires_in, std::optional<std::int64_t>(3600));
    EXPECT_EQ(t.expires_at, std::optional<std::int64_t>(1764070000));
    EXPECT_EQ(t.raw_json, ok_doc.substr(20, ok_doc.size() - 21));
    EXPECT_EQ(t.raw_field("custom"), std::optional<std::string>(R"({"k":["v"]})"));
    EXPECT_EQ(t.string_field("custom"), std::optional<std::string>());
    EXPECT_EQ(t.integer_field("expires_at"), std::optional<std::int64_t>(1764070000));
    Json claims;
    CHECK(Json::parse(t.raw_field("id_token_claims").value_or(""), claims));
    EXPECT_EQ(genauth::detail::string_member(claims, "name"),
              std::optional<std::string>("Alice \xF0\x9F\x98\x80"));

    // Absent fields stay absent.
    Result<Tokens> minimal = genauth::detail::parse_result(R"({"ok":true,"tokens":{"access_token":"a"}})");
    CHECK_OK(minimal);
    EXPECT(!minimal->refresh_token && !minimal->id_token && !minimal->expires_in && !minimal->expires_at);

    const std::string err_doc =
        R"({"ok":false,"error":{"code":"oauth_error","message":"the provider said \"no\"",)"
        R"("http_status":400,"oauth_error":"invalid_grant","oauth_error_description":"grant request is invalid"}})";
    Result<Tokens> err = genauth::detail::parse_result(err_doc);
    CHECK(!err.ok());
    EXPECT_EQ(err.error().code, std::string("oauth_error"));
    EXPECT_EQ(err.error().message, std::string("the provider said \"no\""));
    EXPECT_EQ(err.error().http_status, std::optional<int>(400));
    EXPECT_EQ(err.error().oauth_error, std::optional<std::string>("invalid_grant"));
    EXPECT_EQ(err.error().oauth_error_description, std::optional<std::string>("grant request is invalid"));
    EXPECT_EQ(err.error().reason, std::optional<std::string>());
    EXPECT_EQ(err.error().raw_json, err_doc);

    // Anything else is reported, not guessed at, and the text is kept.
    for (const char* odd : {"not json", "[]", R"({"ok":true})", R"({"ok":false,"error":"x"})",
                            R"({"ok":"yes","tokens":{}})"}) {
        Result<Tokens> r = genauth::detail::parse_result(odd);
        if (!EXPECT(!r.ok())) continue;
        EXPECT_EQ(r.error().code, std::string("internal"));
        EXPECT_EQ(r.error().raw_json, std::string(odd));
    }
}

TEST(exchange_options_json) {
    genauth::ExchangeOptions both{std::string("v\"\\\n1"), std::string("n\u00e9")};
    Json doc;
    CHECK(Json::parse(both.to_json(), doc));
    EXPECT_EQ(genauth::detail::string_member(doc, "codeVerifier"), std::optional<std::string>("v\"\\\n1"));
    EXPECT_EQ(genauth::detail::string_member(doc, "nonce"), std::optional<std::string>("n\u00e9"));
    EXPECT_EQ(genauth::ExchangeOptions{}.to_json(), std::string("{}"));
    EXPECT_EQ((genauth::ExchangeOptions{std::nullopt, std::string("n")}.to_json()),
              std::string(R"({"nonce":"n"})"));
}

TEST(types) {
    static_assert(!std::is_copy_constructible_v<Client>, "Client is move-only");
    static_assert(!std::is_copy_assignable_v<Client>, "Client is move-only");
    static_assert(std::is_nothrow_move_constructible_v<Client>, "");
    static_assert(std::is_nothrow_move_assignable_v<Client>, "");
    static_assert(!std::is_copy_constructible_v<Result<Client>>, "");
    static_assert(std::is_copy_constructible_v<Result<Tokens>>, "");
    std::string v = genauth::version();
    EXPECT(!v.empty() && v.find('.') != std::string::npos);
}

// ---- against the dev provider ------------------------------------------------------------------

TEST(bad_config_is_invalid_config) {
    const std::string configs[] = {
        "not json",
        R"({"appId":"app-post","appSecret":"s3cret-value","appHost":")" + support::dev_url() + R"(","apHost":"x"})",
        R"({"appId":"app-post","appSecret":"s3cret-value"})",
        R"({"appId":1,"appSecret":"s3cret-value","appHost":"https://example.com"})",
        std::string("{\"appId\":\"a\0\"}", 14), // a NUL byte inside
    };
    for (const std::string& cfg : configs) {
        Result<Client> r = Client::create(cfg);
        if (!EXPECT(!r.ok())) continue;
        EXPECT_EQ(r.error().code, std::string("invalid_config"));
        EXPECT(!r.error().message.empty());
        EXPECT(r.error().raw_json.find("invalid_config") != std::string::npos);
    }
#if defined(__cpp_exceptions)
    bool thrown = false;
    try {
        Client c = Client::create_or_throw("{}");
    } catch (const genauth::Exception& e) {
        thrown = e.error().code == "invalid_config" &&
                 std::string(e.what()).rfind("invalid_config: ", 0) == 0;
    }
    EXPECT(thrown);
#endif
}

TEST(exchange_and_refresh_post) {
    const std::string config_json = post_config();
    const std::string code = LOGIN("app-post");
    CHECK(!code.empty());
    auto report = [](const Error& e) {
        support::expect(false, __FILE__, __LINE__, e.code + ": " + e.message);
    };
    // readme-example:start
    auto client = genauth::Client::create(config_json);   // genauth::Result<genauth::Client>
    if (!client) return report(client.error());           // error().code: "invalid_config", ...
    auto tokens = client->exchange_code(code);            // genauth::Result<genauth::Tokens>
    if (!tokens) return report(tokens.error());           // e.g. "oauth_error", oauth_error "invalid_grant"
    auto fresh = client->refresh(tokens->refresh_token.value());  // store fresh->refresh_token
    if (!fresh) return report(fresh.error());
    // readme-example:end
    EXPECT(!tokens->access_token.empty());
    EXPECT(tokens->id_token.has_value());
    EXPECT_EQ(tokens->token_type, std::optional<std::string>("Bearer"));
    EXPECT_EQ(tokens->expires_in, std::optional<std::int64_t>(3600));
    EXPECT(tokens->expires_at.has_value() &&
           *tokens->expires_at > static_cast<std::int64_t>(std::time(nullptr)));
    EXPECT(tokens->scope && tokens->scope->find("offline_access") != std::string::npos);
    EXPECT(tokens->raw_json.find(tokens->access_token) != std::string::npos);
    EXPECT(!fresh->access_token.empty());
    EXPECT(fresh->access_token != tokens->access_token);
    EXPECT(fresh->expires_at.has_value());
}

TEST(exchange_basic) {
    Result<Client> client =
        Client::create(config(Cfg{"app-basic", "app-basic-secret", "client_secret_basic", 0}));
    CHECK_OK(client);
    const std::string code = LOGIN("app-basic");
    CHECK(!code.empty());
    support::dev_http("DELETE", "/dev/requests");
    Result<Tokens> tokens = client->exchange_code(code);
    CHECK_OK(tokens);
    EXPECT(tokens->refresh_token.has_value());
    support::HttpReply log = support::dev_http("GET", "/dev/requests");
    EXPECT(log.body.find("\"auth\":\"basic\"") != std::string::npos ||
           !support::expect(false, __FILE__, __LINE__, "not sent with Basic: " + log.body));
    Result<Tokens> fresh = client->refresh(*tokens->refresh_token);
    EXPECT_OK(fresh);
}

TEST(exchange_pkce_public) {
    Result<Client> client = Client::create(config(Cfg{"app-public", std::nullopt, "none", 0}));
    CHECK_OK(client);

    // The verifier as an argument.
    std::string code = LOGIN("app-public", "code_challenge=" + std::string(pkce_challenge));
    CHECK(!code.empty());
    Result<Tokens> tokens = client->exchange_code(code, pkce_verifier);
    CHECK_OK(tokens);
    CHECK(tokens->refresh_token.has_value());
    Result<Tokens> fresh = client->refresh(*tokens->refresh_token);
    CHECK_OK(fresh);
    EXPECT(fresh->refresh_token && *fresh->refresh_token != *tokens->refresh_token); // rotated

    // The verifier through exchange_code_with's options.
    code = LOGIN("app-public", "code_challenge=" + std::string(pkce_challenge));
    CHECK(!code.empty());
    genauth::ExchangeOptions options;
    options.code_verifier = pkce_verifier;
    Result<Tokens> with = client->exchange_code_with(code, options.to_json());
    EXPECT_OK(with);

    // Without the verifier the provider refuses (and the code is not spent).
    code = LOGIN("app-public", "code_challenge=" + std::string(pkce_challenge));
    CHECK(!code.empty());
    Result<Tokens> missing = client->exchange_code(code);
    CHECK(!missing.ok());
    EXPECT_EQ(missing.error().code, std::string("oauth_error"));
    EXPECT_EQ(missing.error().http_status, std::optional<int>(400));
    EXPECT_OK(client->exchange_code(code, pkce_verifier));
}

TEST(spent_code_is_invalid_grant) {
    Result<Client> client = Client::create(post_config());
    CHECK_OK(client);
    const std::string code = LOGIN("app-post");
    CHECK(!code.empty());
    CHECK_OK(client->exchange_code(code));
    Result<Tokens> again = client->exchange_code(code);
    CHECK(!again.ok());
    const Error& e = again.error();
    EXPECT_EQ(e.code, std::string("oauth_error"));
    EXPECT_EQ(e.oauth_error, std::optional<std::string>("invalid_grant"));
    EXPECT_EQ(e.http_status, std::optional<int>(400));
    EXPECT(!e.message.empty());
    EXPECT(e.message.find(code) == std::string::npos && e.raw_json.find(code) == std::string::npos);
#if defined(__cpp_exceptions)
    std::string thrown;
    try {
        (void)client->exchange_code_or_throw(code);
    } catch (const genauth::Exception& ex) {
        thrown = ex.error().oauth_error.value_or("?");
    }
    EXPECT_EQ(thrown, std::string("invalid_grant"));
#endif
}

TEST(move_semantics) {
    Result<Client> created = Client::create(post_config());
    CHECK_OK(created);
    Client a = std::move(created).value();
    CHECK(!a.empty());
    genauth_client* handle = a.native_handle();

    Client b(std::move(a));
    EXPECT(a.empty() && !a && a.native_handle() == nullptr); // NOLINT: moved-from is specified
    EXPECT(b.native_handle() == handle);

    // A moved-from client is safe to use (null_argument) and to destroy.
    Result<Tokens> r = a.refresh("some-token");
    CHECK(!r.ok());
    EXPECT_EQ(r.error().code, std::string("null_argument"));

    Client c;
    EXPECT(c.empty());
    c = std::move(b);
    EXPECT(b.empty() && c.native_handle() == handle);
    Result<Client> other = Client::create(post_config());
    CHECK_OK(other);
    c = std::move(other.value()); // the old handle is freed, the new one taken
    EXPECT(!c.empty() && c.native_handle() != nullptr);

    const std::string code = LOGIN("app-post");
    CHECK(!code.empty());
    EXPECT_OK(c.exchange_code(code));
    c.reset();
    EXPECT(c.empty());
    c.reset(); // twice is fine
    { Client moved_from = std::move(c); }
}

TEST(async_exchange_and_refresh) {
    Result<Client> client = Client::create(post_config());
    CHECK_OK(client);
    const std::string code = LOGIN("app-post");
    CHECK(!code.empty());

    const std::thread::id caller = std::this_thread::get_id();
    auto exchanged = std::make_shared<std::promise<std::pair<Result<Tokens>, bool>>>();
    std::future<std::pair<Result<Tokens>, bool>> ex_future = exchanged->get_future();
    CHECK(client->exchange_code_async(code, std::nullopt, [exchanged, caller](Result<Tokens> r) {
        exchanged->set_value({std::move(r), std::this_thread::get_id() != caller});
    }));
    CHECK(ex_future.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    auto [tokens, other_thread] = ex_future.get();
    EXPECT(other_thread);
    CHECK_OK(tokens);
    CHECK(tokens->refresh_token.has_value());

    auto refreshed = std::make_shared<std::promise<Result<Tokens>>>();
    std::future<Result<Tokens>> rf_future = refreshed->get_future();
    CHECK(client->refresh_async(*tokens->refresh_token,
                                [refreshed](Result<Tokens> r) { refreshed->set_value(std::move(r)); }));
    CHECK(rf_future.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    Result<Tokens> fresh = rf_future.get();
    CHECK_OK(fresh);
    EXPECT(!fresh->access_token.empty());

    // Errors arrive through the callback too: a spent code, an empty token, an empty client.
    auto collector = std::make_shared<Collector>();
    CHECK(client->exchange_code_with_async(code, std::nullopt, collector->callback(collector)));
    CHECK(client->refresh_async("", collector->callback(collector)));
    Client empty;
    CHECK(empty.refresh_async("x", collector->callback(collector)));
    CHECK_EQ(collector->wait_for(3, 30), std::size_t(3));
    std::vector<std::string> codes;
    for (const Result<Tokens>& r : collector->results) codes.push_back(r.ok() ? "ok" : r.error().code);
    std::sort(codes.begin(), codes.end());
    EXPECT_EQ(codes, (std::vector<std::string>{"invalid_argument", "null_argument", "oauth_error"}));
}

TEST(async_rejected_arguments) {
    Result<Client> client = Client::create(post_config());
    CHECK_OK(client);
    auto collector = std::make_shared<Collector>();
    // Not accepted, callback never called: an empty std::function, a NUL byte.
    EXPECT(!client->refresh_async("token", Client::Callback()));
    EXPECT(!client->refresh_async(std::string("a\0b", 3), collector->callback(collector)));
    EXPECT(!client->exchange_code_async(std::string("c\0", 2), std::nullopt, collector->callback(collector)));
    EXPECT(!client->exchange_code_async("code", std::string("v\0", 2), collector->callback(collector)));
    // The blocking calls report a NUL byte as invalid_argument instead of cutting the string.
    Result<Tokens> r = client->refresh(std::string("abc\0def", 7));
    CHECK(!r.ok());
    EXPECT_EQ(r.error().code, std::string("invalid_argument"));
    Json doc;
    EXPECT(Json::parse(r.error().raw_json, doc));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(collector->calls.load(), 0);
}

TEST(blocking_call_inside_callback_is_reentrant_call) {
    Result<Client> created = Client::create(post_config());
    CHECK_OK(created);
    auto client = std::make_shared<Client>(std::move(created).value());
    auto inner = std::make_shared<std::promise<Result<Tokens>>>();
    std::future<Result<Tokens>> future = inner->get_future();
    CHECK(client->refresh_async("outer", [client, inner](Result<Tokens>) {
        inner->set_value(client->refresh("inner")); // blocking, from a library thread
    }));
    CHECK(future.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    Result<Tokens> r = future.get();
    CHECK(!r.ok());
    EXPECT_EQ(r.error().code, std::string("reentrant_call"));
}

TEST(concurrent_100_async_refreshes) {
    Result<Client> client = Client::create(post_config());
    CHECK_OK(client);
    const std::string code = LOGIN("app-post");
    CHECK(!code.empty());
    Result<Tokens> tokens = client->exchange_code(code);
    CHECK_OK(tokens);
    CHECK(tokens->refresh_token.has_value());

    auto collector = std::make_shared<Collector>();
    const double started = support::now_ms();
    int accepted = 0;
    for (int i = 0; i < 100; ++i)
        accepted += client->refresh_async(*tokens->refresh_token, collector->callback(collector));
    CHECK_EQ(accepted, 100);
    EXPECT_EQ(collector->wait_for(100, 120), std::size_t(100));
    std::printf("     100 refreshes in %.0f ms\n", support::now_ms() - started);
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // no late extra callback
    EXPECT_EQ(collector->calls.load(), 100);
    std::lock_guard<std::mutex> lock(collector->mutex);
    int ok = 0;
    std::string first_error;
    for (const Result<Tokens>& r : collector->results) {
        if (r.ok()) ++ok;
        else if (first_error.empty()) first_error = show_error(r);
    }
    EXPECT_EQ(ok, 100);
    EXPECT_EQ(first_error, std::string());
}

TEST(client_destroyed_with_20_in_flight) {
    const std::string code = LOGIN("app-post");
    CHECK(!code.empty());
    std::string refresh_token;
    auto collector = std::make_shared<Collector>();
    {
        Result<Client> created = Client::create(post_config());
        CHECK_OK(created);
        Client client = std::move(created).value();
        Result<Tokens> tokens = client.exchange_code(code);
        CHECK_OK(tokens);
        CHECK(tokens->refresh_token.has_value());
        for (int i = 0; i < 20; ++i)
            EXPECT(client.refresh_async(*tokens->refresh_token, collector->callback(collector)));
        // client is destroyed here, with the calls in flight
    }
    EXPECT_EQ(collector->wait_for(20, 60), std::size_t(20));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(collector->calls.load(), 20);
    std::lock_guard<std::mutex> lock(collector->mutex);
    int ok = 0;
    std::string first_error;
    for (const Result<Tokens>& r : collector->results) {
        if (r.ok()) ++ok;
        else if (first_error.empty()) first_error = show_error(r);
    }
    EXPECT_EQ(ok, 20);
    EXPECT_EQ(first_error, std::string());
}

TEST(one_shot_functions) {
    const std::string cfg = post_config();
    const std::string code = LOGIN("app-post");
    CHECK(!code.empty());
    Result<Tokens> tokens = genauth::exchange_code(cfg, code);
    CHECK_OK(tokens);
    CHECK(tokens->refresh_token.has_value());
    EXPECT_OK(genauth::refresh(cfg, *tokens->refresh_token));
    Result<Tokens> bad = genauth::refresh("{", "x");
    CHECK(!bad.ok());
    EXPECT_EQ(bad.error().code, std::string("invalid_config"));
}

#if defined(__cpp_exceptions)
TEST(throwing_api) {
    Client client = Client::create_or_throw(post_config());
    const std::string code = LOGIN("app-post");
    CHECK(!code.empty());
    Tokens tokens = client.exchange_code_or_throw(code);
    CHECK(tokens.refresh_token.has_value());
    Tokens fresh = client.refresh_or_throw(*tokens.refresh_token);
    EXPECT(!fresh.access_token.empty());
    std::string caught;
    try {
        (void)client.refresh_or_throw("not-a-refresh-token");
    } catch (const genauth::Exception& e) {
        caught = e.error().code + "/" + e.error().oauth_error.value_or("");
    }
    EXPECT_EQ(caught, std::string("oauth_error/invalid_grant"));
    // Result::value() on an error throws the same exception.
    caught.clear();
    try {
        (void)Client::create("{}").value();
    } catch (const genauth::Exception& e) {
        caught = e.error().code;
    }
    EXPECT_EQ(caught, std::string("invalid_config"));
}
#endif
