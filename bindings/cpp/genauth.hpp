// genauth.hpp — header-only C++17 wrapper over the libgenauth C ABI (genauth.h), covering every
// function of that header.
//
//   genauth::Config           builds the config document (appId, appSecret, appHost, ...), escaped
//   genauth::Client           RAII owner of a genauth_client (move-only): login URL, callback,
//                             exchange, refresh, async calls, revoke, introspect, userinfo
//   genauth::Session          RAII owner of a genauth_session: always-fresh tokens, one refresh at
//                             a time however many threads ask
//   genauth::Result<T>        either a T or a genauth::Error (ok(), value(), error()), like
//                             std::expected; Result<void> for calls that return nothing
//   genauth::Error            the "error" object of a failure, and the exception value() throws
//   genauth::Tokens, AuthorizeRequest, Callback, Introspection, UserInfo   typed results
//   genauth::JsonObject       a JSON object the library returned (claims, userinfo, ...)
//   genauth::build_authorize_url, parse_callback, exchange_code, refresh, version   one-shot calls
//
// Needs no JSON library: the result documents are produced by libgenauth, so their shape is known,
// and a small internal parser (genauth::detail::Json) reads them, string escapes included.
//
// Threading follows genauth.h: a Client is immutable and every method may be called from any
// thread, concurrently; so may Session::fresh_tokens and Session::tokens. An async callback runs
// exactly once, on a library thread (never the caller's), and must not throw: an exception
// escaping it calls std::terminate. A blocking call made from inside a callback returns the error
// "reentrant_call"; the *_async methods may be used there.
//
// Compiles with -fno-exceptions: every call returns a Result, and the throwing parts (the
// *_or_throw twins) are only declared when exceptions are enabled. Without exceptions,
// Result::value() on an error (and error() on a success) prints the error and aborts.

#ifndef GENAUTH_HPP
#define GENAUTH_HPP

// One clear error below C++17, instead of pages of them from the code below.
#if defined(_MSVC_LANG)
#if _MSVC_LANG < 201703L
#error "genauth.hpp needs C++17 or later: compile with /std:c++17"
#define GENAUTH_HPP_UNSUPPORTED 1
#endif
#elif !defined(__cplusplus) || __cplusplus < 201703L
#error "genauth.hpp needs C++17 or later: compile with -std=c++17 (C callers include genauth.h)"
#define GENAUTH_HPP_UNSUPPORTED 1
#endif
#ifndef GENAUTH_HPP_UNSUPPORTED

// GENAUTH_EXCEPTIONS is 1 when the *_or_throw methods are declared and Result::value() throws.
// Detected from the compiler; define it to 0 beforehand to use the non-throwing API only.
#ifndef GENAUTH_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define GENAUTH_EXCEPTIONS 1
#else
#define GENAUTH_EXCEPTIONS 0
#endif
#endif

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "genauth.h"

namespace genauth {

// ---- a small JSON reader for the library's documents ------------------------------------------

namespace detail {

// A parsed JSON value. Strings are decoded (escapes resolved, \uXXXX to UTF-8, surrogate pairs
// joined, a lone surrogate becomes U+FFFD); numbers keep their literal text. begin/end delimit the
// value in the parsed text, so a member's raw JSON can be copied out unchanged.
struct Json {
    enum class Kind : unsigned char { null_value, boolean, number, string, array, object };

    Kind kind = Kind::null_value;
    bool boolean = false;
    std::string text;              // string: decoded value; number: the literal
    std::vector<std::string> keys; // object: member names, in document order
    std::vector<Json> items;       // object: member values (parallel to keys); array: elements
    std::size_t begin = 0, end = 0;

    bool is_string() const noexcept { return kind == Kind::string; }
    bool is_object() const noexcept { return kind == Kind::object; }
    bool is_number() const noexcept { return kind == Kind::number; }
    bool is_bool() const noexcept { return kind == Kind::boolean; }

    // The first member named `key` of an object, or nullptr.
    const Json* find(std::string_view key) const noexcept {
        if (kind != Kind::object) return nullptr;
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return &items[i];
        return nullptr;
    }

    // Parses `input` (one JSON value, surrounding whitespace allowed). Returns false, leaving
    // `out` unspecified, when it is not valid JSON (RFC 8259) or nests deeper than 256 levels.
    static bool parse(std::string_view input, Json& out) {
        Parser p{input, 0};
        if (!p.value(out, 0)) return false;
        p.skip_ws();
        return p.pos == input.size();
    }

private:
    struct Parser {
        std::string_view in;
        std::size_t pos;

        static constexpr int max_depth = 256;

        void skip_ws() noexcept {
            while (pos < in.size() &&
                   (in[pos] == ' ' || in[pos] == '\t' || in[pos] == '\n' || in[pos] == '\r'))
                ++pos;
        }
        bool literal(std::string_view word) noexcept {
            if (in.substr(pos, word.size()) != word) return false;
            pos += word.size();
            return true;
        }
        bool digit() const noexcept { return pos < in.size() && in[pos] >= '0' && in[pos] <= '9'; }

        bool value(Json& out, int depth) {
            skip_ws();
            if (pos >= in.size() || depth > max_depth) return false;
            out.begin = pos;
            bool ok = false;
            switch (in[pos]) {
            case '{': ok = object(out, depth); break;
            case '[': ok = array(out, depth); break;
            case '"': out.kind = Kind::string; ok = string(out.text); break;
            case 't': out.kind = Kind::boolean; out.boolean = true; ok = literal("true"); break;
            case 'f': out.kind = Kind::boolean; out.boolean = false; ok = literal("false"); break;
            case 'n': out.kind = Kind::null_value; ok = literal("null"); break;
            default: ok = number(out); break;
            }
            out.end = pos;
            return ok;
        }

        bool object(Json& out, int depth) {
            out.kind = Kind::object;
            ++pos; // '{'
            skip_ws();
            if (pos < in.size() && in[pos] == '}') { ++pos; return true; }
            for (;;) {
                skip_ws();
                if (pos >= in.size() || in[pos] != '"') return false;
                std::string key;
                if (!string(key)) return false;
                skip_ws();
                if (pos >= in.size() || in[pos] != ':') return false;
                ++pos;
                Json member;
                if (!value(member, depth + 1)) return false;
                out.keys.push_back(std::move(key));
                out.items.push_back(std::move(member));
                skip_ws();
                if (pos >= in.size()) return false;
                if (in[pos] == ',') { ++pos; continue; }
                if (in[pos] == '}') { ++pos; return true; }
                return false;
            }
        }

        bool array(Json& out, int depth) {
            out.kind = Kind::array;
            ++pos; // '['
            skip_ws();
            if (pos < in.size() && in[pos] == ']') { ++pos; return true; }
            for (;;) {
                Json item;
                if (!value(item, depth + 1)) return false;
                out.items.push_back(std::move(item));
                skip_ws();
                if (pos >= in.size()) return false;
                if (in[pos] == ',') { ++pos; continue; }
                if (in[pos] == ']') { ++pos; return true; }
                return false;
            }
        }

        bool number(Json& out) {
            out.kind = Kind::number;
            std::size_t start = pos;
            if (pos < in.size() && in[pos] == '-') ++pos;
            if (!digit()) return false;
            if (in[pos] == '0') ++pos;
            else while (digit()) ++pos;
            if (pos < in.size() && in[pos] == '.') {
                ++pos;
                if (!digit()) return false;
                while (digit()) ++pos;
            }
            if (pos < in.size() && (in[pos] == 'e' || in[pos] == 'E')) {
                ++pos;
                if (pos < in.size() && (in[pos] == '+' || in[pos] == '-')) ++pos;
                if (!digit()) return false;
                while (digit()) ++pos;
            }
            out.text.assign(in.substr(start, pos - start));
            return true;
        }

        bool hex4(std::uint32_t& cp) noexcept {
            if (in.size() - pos < 4) return false;
            cp = 0;
            for (int i = 0; i < 4; ++i) {
                char c = in[pos++];
                cp <<= 4;
                if (c >= '0' && c <= '9') cp |= static_cast<std::uint32_t>(c - '0');
                else if (c >= 'a' && c <= 'f') cp |= static_cast<std::uint32_t>(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F') cp |= static_cast<std::uint32_t>(c - 'A' + 10);
                else return false;
            }
            return true;
        }

        static void put_utf8(std::string& s, std::uint32_t cp) {
            if (cp < 0x80) {
                s += static_cast<char>(cp);
            } else if (cp < 0x800) {
                s += static_cast<char>(0xC0 | (cp >> 6));
                s += static_cast<char>(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                s += static_cast<char>(0xE0 | (cp >> 12));
                s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                s += static_cast<char>(0x80 | (cp & 0x3F));
            } else {
                s += static_cast<char>(0xF0 | (cp >> 18));
                s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
                s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                s += static_cast<char>(0x80 | (cp & 0x3F));
            }
        }

        // At the opening quote; leaves pos after the closing one.
        bool string(std::string& out) {
            ++pos; // '"'
            for (;;) {
                std::size_t run = pos;
                while (pos < in.size() && in[pos] != '"' && in[pos] != '\\' &&
                       static_cast<unsigned char>(in[pos]) >= 0x20)
                    ++pos;
                out.append(in.substr(run, pos - run));
                if (pos >= in.size()) return false;
                char c = in[pos++];
                if (c == '"') return true;
                if (c != '\\') return false; // a raw control character
                if (pos >= in.size()) return false;
                switch (in[pos++]) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!hex4(cp)) return false;
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        // A high surrogate: joined with a following \uDC00-\uDFFF, else U+FFFD.
                        std::size_t save = pos;
                        std::uint32_t low = 0;
                        if (in.substr(pos, 2) == "\\u" && (pos += 2, hex4(low)) && low >= 0xDC00 &&
                            low <= 0xDFFF) {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        } else {
                            pos = save;
                            cp = 0xFFFD;
                        }
                    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        cp = 0xFFFD;
                    }
                    put_utf8(out, cp);
                    break;
                }
                default: return false;
                }
            }
        }
    };
};

// The member `key` of `obj` when it is a string.
inline std::optional<std::string> string_member(const Json& obj, std::string_view key) {
    const Json* v = obj.find(key);
    if (v && v->is_string()) return v->text;
    return std::nullopt;
}

// An integer from a JSON number literal ("7200", "7200.5" truncates toward zero) or a string
// holding decimal digits (" 7200 "). Exponent forms and out-of-range values give nullopt.
inline std::optional<std::int64_t> integer_from(const Json& v) {
    std::string_view s = v.text;
    if (v.is_string()) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    } else if (!v.is_number()) {
        return std::nullopt;
    }
    bool negative = !s.empty() && s.front() == '-';
    if (negative) s.remove_prefix(1);
    if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
    std::uint64_t magnitude = 0;
    const std::uint64_t limit = negative ? 9223372036854775808ull : 9223372036854775807ull;
    std::size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        std::uint64_t d = static_cast<std::uint64_t>(s[i] - '0');
        if (magnitude > (limit - d) / 10) return std::nullopt;
        magnitude = magnitude * 10 + d;
    }
    if (i < s.size()) {
        // Only a fraction may follow, and only in a number ("1.5" yes, "1e3" and "12ab" no).
        if (!v.is_number() || s[i] != '.') return std::nullopt;
        for (++i; i < s.size(); ++i)
            if (s[i] < '0' || s[i] > '9') return std::nullopt;
    }
    if (negative) return magnitude == limit ? INT64_MIN : -static_cast<std::int64_t>(magnitude);
    return static_cast<std::int64_t>(magnitude);
}

// `s` as a JSON string literal, quotes included.
inline std::string quote(std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            } else {
                out += ch;
            }
        }
    }
    out += '"';
    return out;
}

// A JSON boolean, or nullopt.
inline std::optional<bool> bool_from(const Json& v) {
    if (v.is_bool()) return v.boolean;
    return std::nullopt;
}

} // namespace detail

// ---- errors ------------------------------------------------------------------------------------

// The "error" object of a failed call, and the exception the throwing API throws (what() is
// "code: message"). `code` is one of the stable codes of the C contract ("invalid_config",
// "oauth_error", "state_mismatch", "timeout", ...). Fields the library did not send stay empty.
//
// No field but refresh_token ever holds a secret (the library keeps codes, verifiers, tokens and
// the client secret out of its error text), so an Error may be logged whole — except
// refresh_token, which is a credential.
class Error : public std::runtime_error {
public:
    Error(std::string error_code, std::string error_message)
        : std::runtime_error(error_code + ": " + error_message), code(std::move(error_code)),
          message(std::move(error_message)) {}

    std::string code;
    std::string message;                                // one human sentence
    std::optional<int> http_status;                     // the provider's HTTP status, when known
    std::optional<std::string> oauth_error;             // RFC 6749 "error", e.g. "invalid_grant"
    std::optional<std::string> oauth_error_description; // RFC 6749 "error_description"
    std::optional<std::string> reason;                  // the failed check for "id_token_invalid"
    // A failure after the provider accepted the grant (the id_token did not verify, the deadline
    // passed while checking it) carries the refresh token of the reply: the provider may have
    // rotated the old one away, so store this one as you would a success's.
    std::optional<std::string> refresh_token;
    // The whole result document, without its refresh_token member (that is in refresh_token).
    std::string raw_json;

    // This error. Code written for the former genauth::Exception wrapper reads e.error().
    const Error& error() const noexcept { return *this; }
};

// The former name of the exception type: genauth::Error is the exception now.
using Exception = Error;

namespace detail {

[[noreturn]] inline void bad_result_access(const Error& error) {
#if GENAUTH_EXCEPTIONS
    throw error;
#else
    std::fprintf(stderr, "genauth: value() called on a failed result: %s: %s\n", error.code.c_str(),
                 error.message.c_str());
    std::abort();
#endif
}

[[noreturn]] inline void bad_error_access() {
    std::fprintf(stderr, "genauth: error() called on a successful result\n");
    std::abort();
}

} // namespace detail

// ---- Result ------------------------------------------------------------------------------------

// Holds either a T (ok()) or an Error. value() on an error throws that genauth::Error (aborts
// without exceptions); error() on a success aborts. Move-only when T is (Result<Client>).
template <typename T>
class [[nodiscard]] Result {
public:
    using value_type = T;

    Result(const T& value) : state_(std::in_place_index<0>, value) {}
    Result(T&& value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(const Error& error) : state_(std::in_place_index<1>, error) {}
    Result(Error&& error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        if (!ok()) detail::bad_result_access(*std::get_if<1>(&state_));
        return *std::get_if<0>(&state_);
    }
    const T& value() const& {
        if (!ok()) detail::bad_result_access(*std::get_if<1>(&state_));
        return *std::get_if<0>(&state_);
    }
    T&& value() && {
        if (!ok()) detail::bad_result_access(*std::get_if<1>(&state_));
        return std::move(*std::get_if<0>(&state_));
    }

    const Error& error() const& {
        if (ok()) detail::bad_error_access();
        return *std::get_if<1>(&state_);
    }
    Error& error() & {
        if (ok()) detail::bad_error_access();
        return *std::get_if<1>(&state_);
    }
    Error&& error() && {
        if (ok()) detail::bad_error_access();
        return std::move(*std::get_if<1>(&state_));
    }

    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, Error> state_;
};

// The result of a call that returns nothing on success (revoke): ok(), or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    using value_type = void;

    Result() noexcept = default;
    Result(const Error& error) : error_(error) {}
    Result(Error&& error) : error_(std::move(error)) {}

    bool ok() const noexcept { return !error_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }

    // Nothing on success; throws the Error (aborts without exceptions) on a failure.
    void value() const {
        if (!ok()) detail::bad_result_access(*error_);
    }
    const Error& error() const& {
        if (ok()) detail::bad_error_access();
        return *error_;
    }
    Error& error() & {
        if (ok()) detail::bad_error_access();
        return *error_;
    }
    Error&& error() && {
        if (ok()) detail::bad_error_access();
        return std::move(*error_);
    }

private:
    std::optional<Error> error_;
};

// ---- JSON objects the library returns ----------------------------------------------------------

// A JSON object as the library returned it (id_token claims, userinfo, introspection): its text,
// and typed readers of its members. Absent members, and members of another type, read as nullopt.
class JsonObject {
public:
    // The empty object {}.
    JsonObject() : raw_("{}") { detail::Json::parse(raw_, doc_); }

    // The object `text` holds, or nullopt when it is not a JSON object.
    static std::optional<JsonObject> parse(std::string_view text) {
        JsonObject o;
        o.raw_.assign(text);
        if (!detail::Json::parse(o.raw_, o.doc_) || !o.doc_.is_object()) return std::nullopt;
        return o;
    }

    // The object's JSON text, exactly as the library wrote it.
    const std::string& raw_json() const noexcept { return raw_; }
    bool contains(std::string_view name) const noexcept { return doc_.find(name) != nullptr; }
    // Member names in document order.
    const std::vector<std::string>& keys() const noexcept { return doc_.keys; }

    std::optional<std::string> string_field(std::string_view name) const {
        return detail::string_member(doc_, name);
    }
    // A member holding an integer: a JSON number (a fraction truncated toward zero) or a string of
    // decimal digits; nullopt when out of the int64 range.
    std::optional<std::int64_t> integer_field(std::string_view name) const {
        const detail::Json* v = doc_.find(name);
        return v ? detail::integer_from(*v) : std::nullopt;
    }
    std::optional<bool> bool_field(std::string_view name) const {
        const detail::Json* v = doc_.find(name);
        return v ? detail::bool_from(*v) : std::nullopt;
    }
    // The JSON text of any member (an array, a nested object, ...).
    std::optional<std::string> raw_field(std::string_view name) const {
        const detail::Json* v = doc_.find(name);
        if (!v) return std::nullopt;
        return raw_.substr(v->begin, v->end - v->begin);
    }
    // A member that is an object.
    std::optional<JsonObject> object_field(std::string_view name) const {
        const detail::Json* v = doc_.find(name);
        if (!v || !v->is_object()) return std::nullopt;
        return parse(std::string_view(raw_).substr(v->begin, v->end - v->begin));
    }

private:
    std::string raw_;
    detail::Json doc_; // positions are offsets into raw_, so copies stay valid
};

// ---- results -----------------------------------------------------------------------------------

// The "tokens" object of a successful call. raw_json is that object exactly as the library
// returned it (every field the provider sent, unknown ones too; keep it to persist the tokens, or
// to start a Session); the common fields are extracted from it. Absent fields stay empty.
// access_token is a plain string: the library reports a reply without one as invalid_response.
struct Tokens {
    std::string raw_json;
    std::string access_token;
    std::optional<std::string> id_token;
    std::optional<std::string> refresh_token; // may be rotated: store the newest one
    std::optional<std::string> token_type;
    std::optional<std::string> scope;
    std::optional<std::int64_t> expires_in;   // seconds, as the provider sent them
    std::optional<std::int64_t> expires_at;   // Unix seconds, added by the library
    // The verified payload of id_token ("sub", "nonce", "email", ...); absent when there was no
    // id_token or validateIdToken is false.
    std::optional<JsonObject> id_token_claims;

    // Any member of raw_json that is a JSON string.
    std::optional<std::string> string_field(std::string_view name) const {
        detail::Json doc;
        if (!detail::Json::parse(raw_json, doc)) return std::nullopt;
        return detail::string_member(doc, name);
    }
    // Any member of raw_json that holds an integer (see JsonObject::integer_field).
    std::optional<std::int64_t> integer_field(std::string_view name) const {
        detail::Json doc;
        if (!detail::Json::parse(raw_json, doc)) return std::nullopt;
        const detail::Json* v = doc.find(name);
        return v ? detail::integer_from(*v) : std::nullopt;
    }
    // The raw JSON text of any member (e.g. "id_token_claims", an object).
    std::optional<std::string> raw_field(std::string_view name) const {
        detail::Json doc;
        if (!detail::Json::parse(raw_json, doc)) return std::nullopt;
        const detail::Json* v = doc.find(name);
        if (!v) return std::nullopt;
        return raw_json.substr(v->begin, v->end - v->begin);
    }
};

// What starting a login gives: send the user's browser to `url`, and keep the rest (e.g. in the
// server-side session of that browser) until the callback: `state` for parse_callback,
// `code_verifier` and `nonce` for the exchange. All three are secrets of this login.
struct AuthorizeRequest {
    std::string url;
    std::string state;
    std::string nonce;
    std::string code_verifier;

    // {"url", "state", "nonce", "code_verifier"} as JSON, to store between the two requests.
    std::string to_json() const;
    // The request to_json() wrote; nullopt when `json` is not such an object.
    static std::optional<AuthorizeRequest> from_json(std::string_view json);
};

// A checked login callback: the authorization code, and the state it carried.
struct Callback {
    std::string code;
    std::string state;
};

// A device authorization (RFC 8628) from Client::device_start: show user_code and
// verification_uri (or verification_uri_complete) to the user, then Client::device_poll.
struct DeviceAuthorization {
    std::string device_code;
    std::string user_code;
    std::string verification_uri;
    std::optional<std::string> verification_uri_complete;
    std::optional<std::int64_t> expires_in;
    std::optional<std::int64_t> interval;
};

// RP-Initiated Logout options for Client::logout_url (each optional).
struct LogoutOptions {
    std::optional<std::string> id_token_hint;
    std::optional<std::string> post_logout_redirect_uri;
    std::optional<std::string> state;
};

// An RFC 7662 introspection reply. A revoked, expired or unknown token is active == false, not
// an error. `json` holds every member the provider sent.
struct Introspection {
    bool active = false;
    std::optional<std::string> scope;
    std::optional<std::string> client_id;
    std::optional<std::string> username;
    std::optional<std::string> token_type;
    std::optional<std::string> sub;
    std::optional<std::string> iss;
    std::optional<std::int64_t> exp; // Unix seconds
    std::optional<std::int64_t> iat; // Unix seconds
    JsonObject json;
};

// The user's claims from the userinfo endpoint. `json` holds every claim the provider sent.
struct UserInfo {
    std::string sub;
    std::optional<std::string> name;
    std::optional<std::string> preferred_username;
    std::optional<std::string> email;
    std::optional<bool> email_verified;
    std::optional<std::string> phone_number;
    std::optional<bool> phone_number_verified;
    std::optional<std::string> picture;
    JsonObject json;
};

// ---- documents the wrapper writes --------------------------------------------------------------

// The config document of the C API, one setter per key (see the table in the top-level README).
// Only the keys that were set are written, in the table's order, with every string JSON-escaped;
// the library validates the values (an invalid one is the error invalid_config when it is used).
//
//   genauth::Config config;
//   config.app_id("app-post").app_secret(secret).app_host("https://your-app.genauth.ai")
//         .redirect_uri("http://127.0.0.1:8976/callback");
//   auto client = genauth::Client::create(config);
class Config {
public:
    Config& app_id(std::string value) { return set(app_id_, std::move(value)); }
    Config& app_secret(std::string value) { return set(app_secret_, std::move(value)); }
    Config& app_host(std::string value) { return set(app_host_, std::move(value)); }
    Config& redirect_uri(std::string value) { return set(redirect_uri_, std::move(value)); }
    // "client_secret_post" (the default), "client_secret_basic" or "none".
    Config& token_endpoint_auth_method(std::string value) {
        return set(token_endpoint_auth_method_, std::move(value));
    }
    // "oidc" (the default) or "oauth".
    Config& protocol(std::string value) { return set(protocol_, std::move(value)); }
    // 1..300000 (default 10000).
    Config& timeout_ms(std::int64_t value) { return set(timeout_ms_, value); }
    // Extra trusted root certificate(s), PEM.
    Config& ca_cert_pem(std::string value) { return set(ca_cert_pem_, std::move(value)); }
    Config& validate_id_token(bool value) { return set(validate_id_token_, value); }
    // 0..600 (default 60).
    Config& clock_skew_seconds(std::int64_t value) { return set(clock_skew_seconds_, value); }
    // "none", or the http:// or https:// URL of the proxy for https:// hosts other than loopback.
    Config& proxy(std::string value) { return set(proxy_, std::move(value)); }

    // The config document, e.g. {"appId":"app-post","appHost":"https://..."}.
    std::string to_json() const {
        std::string json = "{";
        auto key = [&json](const char* name) {
            if (json.size() > 1) json += ',';
            json += '"';
            json += name;
            json += "\":";
        };
        auto text = [&](const char* name, const std::optional<std::string>& v) {
            if (!v) return;
            key(name);
            json += detail::quote(*v);
        };
        auto integer = [&](const char* name, const std::optional<std::int64_t>& v) {
            if (!v) return;
            key(name);
            json += std::to_string(*v);
        };
        text("appId", app_id_);
        text("appSecret", app_secret_);
        text("appHost", app_host_);
        text("redirectUri", redirect_uri_);
        text("tokenEndPointAuthMethod", token_endpoint_auth_method_);
        text("protocol", protocol_);
        integer("timeoutMs", timeout_ms_);
        text("caCertPem", ca_cert_pem_);
        if (validate_id_token_) {
            key("validateIdToken");
            json += *validate_id_token_ ? "true" : "false";
        }
        integer("clockSkewSeconds", clock_skew_seconds_);
        text("proxy", proxy_);
        json += '}';
        return json;
    }

private:
    template <typename T, typename V>
    Config& set(std::optional<T>& field, V&& value) {
        field = std::forward<V>(value);
        return *this;
    }

    std::optional<std::string> app_id_, app_secret_, app_host_, redirect_uri_,
        token_endpoint_auth_method_, protocol_, ca_cert_pem_, proxy_;
    std::optional<std::int64_t> timeout_ms_, clock_skew_seconds_;
    std::optional<bool> validate_id_token_;
};

// Options of an exchange, as the JSON object the C API takes. After a login started with
// Client::authorize_url, pass that request's code_verifier and nonce: {request.code_verifier,
// request.nonce}.
struct ExchangeOptions {
    std::optional<std::string> code_verifier; // the PKCE verifier of the login
    std::optional<std::string> nonce;         // the nonce of the login request

    std::string to_json() const {
        std::string json = "{";
        if (code_verifier) json += "\"codeVerifier\":" + detail::quote(*code_verifier);
        if (nonce) {
            if (code_verifier) json += ',';
            json += "\"nonce\":" + detail::quote(*nonce);
        }
        json += '}';
        return json;
    }
};

// Options of a login URL. The default scope is "openid profile"; "offline_access" in the scope
// adds prompt=consent (GenAuth issues no refresh token without it), which contradicts prompt
// "none" (invalid_argument). extra_params are added to the URL; one the library sets itself
// (state, nonce, redirect_uri, ...) is invalid_argument. Names should be distinct.
struct AuthorizeOptions {
    std::optional<std::string> scope;  // e.g. "openid profile email offline_access"
    std::optional<std::string> prompt; // e.g. "login", "none"
    std::vector<std::pair<std::string, std::string>> extra_params;

    std::string to_json() const {
        std::string json = "{";
        if (scope) json += "\"scope\":" + detail::quote(*scope);
        if (prompt) {
            if (json.size() > 1) json += ',';
            json += "\"prompt\":" + detail::quote(*prompt);
        }
        if (!extra_params.empty()) {
            if (json.size() > 1) json += ',';
            json += "\"extraParams\":{";
            for (std::size_t i = 0; i < extra_params.size(); ++i) {
                if (i) json += ',';
                json += detail::quote(extra_params[i].first) + ":" +
                        detail::quote(extra_params[i].second);
            }
            json += '}';
        }
        json += '}';
        return json;
    }
};

inline std::string AuthorizeRequest::to_json() const {
    return "{\"url\":" + detail::quote(url) + ",\"state\":" + detail::quote(state) +
           ",\"nonce\":" + detail::quote(nonce) + ",\"code_verifier\":" + detail::quote(code_verifier) +
           "}";
}

inline std::optional<AuthorizeRequest> AuthorizeRequest::from_json(std::string_view json) {
    detail::Json doc;
    if (!detail::Json::parse(json, doc) || !doc.is_object()) return std::nullopt;
    auto url = detail::string_member(doc, "url");
    auto state = detail::string_member(doc, "state");
    auto nonce = detail::string_member(doc, "nonce");
    auto verifier = detail::string_member(doc, "code_verifier");
    if (!url || !state || !nonce || !verifier) return std::nullopt;
    return AuthorizeRequest{std::move(*url), std::move(*state), std::move(*nonce),
                            std::move(*verifier)};
}

// ---- reading the library's documents ------------------------------------------------------------

namespace detail {

struct StringFree {
    void operator()(char* s) const noexcept { genauth_string_free(s); }
};
// Owns a string returned by the library; released with genauth_string_free exactly once.
using LibString = std::unique_ptr<char, StringFree>;

// An error the wrapper itself reports, shaped like the library's.
inline Error make_error(std::string code, std::string message) {
    std::string raw = "{\"ok\":false,\"error\":{\"code\":" + quote(code) +
                      ",\"message\":" + quote(message) + "}}";
    Error e(std::move(code), std::move(message));
    e.raw_json = std::move(raw);
    return e;
}

// `document` (whose parse is `top`, an object) without its member `name`, members re-joined.
inline std::string without_member(const Json& top, std::string_view document, std::string_view name) {
    std::string out = "{";
    for (std::size_t i = 0; i < top.keys.size(); ++i) {
        if (top.keys[i] == name) continue;
        if (out.size() > 1) out += ',';
        out += quote(top.keys[i]);
        out += ':';
        out.append(document.substr(top.items[i].begin, top.items[i].end - top.items[i].begin));
    }
    return out + "}";
}

// An Error from an "error" object. `top` is the whole document (an object), `document` its text:
// its top-level "refresh_token" goes to Error::refresh_token and is left out of raw_json.
inline Error error_from(const Json& error, const Json& top, std::string_view document) {
    Error e(string_member(error, "code").value_or("internal"),
            string_member(error, "message").value_or(""));
    if (const Json* status = error.find("http_status")) {
        std::optional<std::int64_t> n = integer_from(*status);
        if (n && *n >= 0 && *n <= 999) e.http_status = static_cast<int>(*n);
    }
    e.oauth_error = string_member(error, "oauth_error");
    e.oauth_error_description = string_member(error, "oauth_error_description");
    e.reason = string_member(error, "reason");
    if (&top != &error && top.find("refresh_token")) {
        e.refresh_token = string_member(top, "refresh_token");
        e.raw_json = without_member(top, document, "refresh_token");
    } else {
        e.raw_json.assign(document);
    }
    return e;
}

inline Error unreadable(std::string_view document) {
    Error e = make_error("internal", "the library returned a document this wrapper cannot read");
    e.raw_json.assign(document);
    return e;
}

// Reads a result document: {"ok":true,...} gives read(doc), which returns std::optional<T>
// (nullopt: not the expected shape); {"ok":false,"error":{...}} gives the Error.
template <typename T, typename Read>
Result<T> read_result(std::string_view document, Read read) {
    Json doc;
    if (!Json::parse(document, doc) || !doc.is_object()) return unreadable(document);
    const Json* ok = doc.find("ok");
    if (!ok || !ok->is_bool()) return unreadable(document);
    if (!ok->boolean) {
        const Json* error = doc.find("error");
        if (!error || !error->is_object()) return unreadable(document);
        return error_from(*error, doc, document);
    }
    std::optional<T> value = read(doc, document);
    if (!value) return unreadable(document);
    return std::move(*value);
}

// The object member `key` of a success document, or nullptr.
inline const Json* object_member(const Json& doc, std::string_view key) {
    const Json* v = doc.find(key);
    return v && v->is_object() ? v : nullptr;
}

inline std::string_view span(std::string_view document, const Json& v) {
    return document.substr(v.begin, v.end - v.begin);
}

// {"ok":true,"tokens":{...}}
inline Result<Tokens> parse_result(std::string_view document) {
    return read_result<Tokens>(document, [](const Json& doc, std::string_view text) -> std::optional<Tokens> {
        const Json* tokens = object_member(doc, "tokens");
        if (!tokens) return std::nullopt;
        Tokens t;
        t.raw_json.assign(span(text, *tokens));
        t.access_token = string_member(*tokens, "access_token").value_or("");
        t.id_token = string_member(*tokens, "id_token");
        t.refresh_token = string_member(*tokens, "refresh_token");
        t.token_type = string_member(*tokens, "token_type");
        t.scope = string_member(*tokens, "scope");
        if (const Json* v = tokens->find("expires_in")) t.expires_in = integer_from(*v);
        if (const Json* v = tokens->find("expires_at")) t.expires_at = integer_from(*v);
        if (const Json* claims = object_member(*tokens, "id_token_claims"))
            t.id_token_claims = JsonObject::parse(span(text, *claims));
        return t;
    });
}

// {"ok":true,"authorize":{"url","state","nonce","code_verifier"}}
inline Result<AuthorizeRequest> parse_authorize(std::string_view document) {
    return read_result<AuthorizeRequest>(document, [](const Json& doc, std::string_view text) {
        const Json* a = object_member(doc, "authorize");
        return a ? AuthorizeRequest::from_json(span(text, *a)) : std::nullopt;
    });
}

// {"ok":true,"callback":{"code","state"}}
inline Result<Callback> parse_callback_result(std::string_view document) {
    return read_result<Callback>(document, [](const Json& doc, std::string_view) -> std::optional<Callback> {
        const Json* c = object_member(doc, "callback");
        if (!c) return std::nullopt;
        auto code = string_member(*c, "code");
        auto state = string_member(*c, "state");
        if (!code || !state) return std::nullopt;
        return Callback{std::move(*code), std::move(*state)};
    });
}

// {"ok":true,"introspection":{"active":...,...}}
inline Result<Introspection> parse_introspection(std::string_view document) {
    return read_result<Introspection>(document, [](const Json& doc, std::string_view text) -> std::optional<Introspection> {
        const Json* member = object_member(doc, "introspection");
        if (!member) return std::nullopt;
        std::optional<JsonObject> json = JsonObject::parse(span(text, *member));
        std::optional<bool> active = json ? json->bool_field("active") : std::nullopt;
        if (!active) return std::nullopt;
        Introspection i;
        i.active = *active;
        i.scope = json->string_field("scope");
        i.client_id = json->string_field("client_id");
        i.username = json->string_field("username");
        i.token_type = json->string_field("token_type");
        i.sub = json->string_field("sub");
        i.iss = json->string_field("iss");
        i.exp = json->integer_field("exp");
        i.iat = json->integer_field("iat");
        i.json = std::move(*json);
        return i;
    });
}

// {"ok":true,"userinfo":{"sub":...,...}}
inline Result<UserInfo> parse_userinfo(std::string_view document) {
    return read_result<UserInfo>(document, [](const Json& doc, std::string_view text) -> std::optional<UserInfo> {
        const Json* member = object_member(doc, "userinfo");
        if (!member) return std::nullopt;
        std::optional<JsonObject> json = JsonObject::parse(span(text, *member));
        if (!json) return std::nullopt;
        UserInfo u;
        u.sub = json->string_field("sub").value_or("");
        u.name = json->string_field("name");
        u.preferred_username = json->string_field("preferred_username");
        u.email = json->string_field("email");
        u.email_verified = json->bool_field("email_verified");
        u.phone_number = json->string_field("phone_number");
        u.phone_number_verified = json->bool_field("phone_number_verified");
        u.picture = json->string_field("picture");
        u.json = std::move(*json);
        return u;
    });
}

// {"ok":true,"device":{"device_code","user_code","verification_uri",...}}
inline Result<DeviceAuthorization> parse_device(std::string_view document) {
    return read_result<DeviceAuthorization>(document, [](const Json& doc, std::string_view text)
                                                -> std::optional<DeviceAuthorization> {
        const Json* member = object_member(doc, "device");
        if (!member) return std::nullopt;
        std::optional<JsonObject> json = JsonObject::parse(span(text, *member));
        if (!json) return std::nullopt;
        auto device_code = json->string_field("device_code");
        auto user_code = json->string_field("user_code");
        auto uri = json->string_field("verification_uri");
        if (!device_code || !user_code || !uri) return std::nullopt;
        return DeviceAuthorization{std::move(*device_code), std::move(*user_code), std::move(*uri),
                                   json->string_field("verification_uri_complete"),
                                   json->integer_field("expires_in"),
                                   json->integer_field("interval")};
    });
}

// {"ok":true,"logout":{"url":...}}
inline Result<std::string> parse_logout(std::string_view document) {
    return read_result<std::string>(document, [](const Json& doc, std::string_view)
                                        -> std::optional<std::string> {
        const Json* member = object_member(doc, "logout");
        return member ? string_member(*member, "url") : std::nullopt;
    });
}

// {"ok":true}
inline Result<void> parse_ok(std::string_view document) {
    struct Nothing {};
    Result<Nothing> r = read_result<Nothing>(
        document, [](const Json&, std::string_view) { return std::optional<Nothing>(Nothing{}); });
    if (!r.ok()) return std::move(r).error();
    return {};
}

// Takes ownership of a library result document (never NULL per the contract) and reads it
// with `parse`.
template <typename Parse>
auto take(char* document, Parse parse) -> decltype(parse(std::string_view())) {
    LibString owned(document);
    if (!owned) return make_error("internal", "the library returned no document");
    return parse(owned.get());
}

inline Result<Tokens> take_result(char* document) { return take(document, parse_result); }

// A non-blocking call in flight: the callback and how to read its document. Deleted by the
// library's one callback, or at once when the call was not accepted.
template <typename T, typename Parse>
struct Pending {
    std::function<void(Result<T>)> on_result;
    Parse parse;

    // noexcept: an exception must not unwind into the library; it calls std::terminate instead.
    static void deliver(void* user_data, char* result_json) noexcept {
        std::unique_ptr<Pending> self(static_cast<Pending*>(user_data));
        Result<T> result = take(result_json, self->parse);
        if (self->on_result) self->on_result(std::move(result));
    }
};

// Starts a non-blocking call: `start(callback, user_data)` is the C function's call. True when
// accepted (on_result then runs exactly once, on a library thread).
template <typename T, typename Parse, typename Start>
bool start_async(std::function<void(Result<T>)> on_result, Parse parse, Start start) {
    if (!on_result) return false;
    auto* pending = new Pending<T, Parse>{std::move(on_result), parse};
    if (start(&Pending<T, Parse>::deliver, static_cast<void*>(pending)) != 0) {
        delete pending; // not accepted: the callback will never run
        return false;
    }
    return true;
}

// An error document of genauth_client_new / genauth_session_new: a result document, or
// (tolerated) a bare error object.
inline Error take_error(char* document) {
    LibString owned(document);
    if (!owned) return make_error("internal", "the library returned no error document");
    std::string_view text = owned.get();
    Json doc;
    if (!Json::parse(text, doc) || !doc.is_object()) return unreadable(text);
    if (const Json* error = doc.find("error"); error && error->is_object())
        return error_from(*error, doc, text);
    if (doc.find("code")) return error_from(doc, doc, text);
    return unreadable(text);
}

// A NUL-terminated copy of an argument, or nullopt when it contains a NUL byte (a C string
// cannot carry it, and silently cutting it short would send something else).
inline std::optional<std::string> c_arg(std::string_view s) {
    if (s.find('\0') != std::string_view::npos) return std::nullopt;
    return std::string(s);
}

inline Error nul_byte(const char* what) {
    return make_error("invalid_argument", std::string(what) + " contains a NUL byte");
}

inline Error config_nul_byte() {
    return make_error("invalid_config", "the config contains a NUL byte");
}

// The C string of an optional argument: NULL when absent.
inline const char* c_str_or_null(const std::optional<std::string>& s) noexcept {
    return s ? s->c_str() : nullptr;
}

} // namespace detail

// ---- logging -----------------------------------------------------------------------------------

// One process-wide log sink: `sink(level, message)` for each message up to max_level (1 error
// ... 5 trace; at 4 each HTTP exchange), already redacted, on whatever thread logged it. An empty
// function turns logging off. The sink is kept for the rest of the process (a message may be in
// flight on another thread while it is replaced).
using LogSink = std::function<void(int level, std::string_view message)>;

inline void set_log_callback(LogSink sink, int max_level = 3) {
    if (!sink) {
        genauth_set_log_callback(nullptr, nullptr, max_level);
        return;
    }
    auto* kept = new LogSink(std::move(sink)); // never freed: see above
    genauth_set_log_callback(
        [](void* user_data, std::int32_t level, const char* message) {
            (*static_cast<LogSink*>(user_data))(level, message ? message : "");
        },
        kept, max_level);
}

// ---- one-shot calls ----------------------------------------------------------------------------

// The library's version, e.g. "0.1.0".
inline const char* version() noexcept { return genauth_version(); }

// genauth_exchange_code: parses config_json, exchanges the code, and returns the tokens.
// (A client's exchange_code also takes the login's nonce; prefer a Client.)
inline Result<Tokens> exchange_code(std::string_view config_json, std::string_view code,
                                    std::optional<std::string_view> code_verifier = std::nullopt) {
    auto config = detail::c_arg(config_json);
    if (!config) return detail::config_nul_byte();
    auto c = detail::c_arg(code);
    if (!c) return detail::nul_byte("the code");
    std::optional<std::string> verifier;
    if (code_verifier) {
        verifier = detail::c_arg(*code_verifier);
        if (!verifier) return detail::nul_byte("the code verifier");
    }
    return detail::take_result(
        genauth_exchange_code(config->c_str(), c->c_str(), detail::c_str_or_null(verifier)));
}

// genauth_refresh: parses config_json and exchanges the refresh token.
inline Result<Tokens> refresh(std::string_view config_json, std::string_view refresh_token) {
    auto config = detail::c_arg(config_json);
    if (!config) return detail::config_nul_byte();
    auto token = detail::c_arg(refresh_token);
    if (!token) return detail::nul_byte("the refresh token");
    return detail::take_result(genauth_refresh(config->c_str(), token->c_str()));
}

// genauth_build_authorize_url: the login URL with a fresh state, nonce and S256 PKCE pair, at
// discovery's authorization endpoint when this process already fetched it, else at
// {appHost}/{protocol}/auth. No network call. Client::authorize_url uses the client's own
// discovery: prefer it.
inline Result<AuthorizeRequest> build_authorize_url(std::string_view config_json,
                                                    const AuthorizeOptions& options = {}) {
    auto config = detail::c_arg(config_json);
    if (!config) return detail::config_nul_byte();
    auto opts = detail::c_arg(options.to_json());
    if (!opts) return detail::nul_byte("an authorize option");
    return detail::take(genauth_build_authorize_url(config->c_str(), opts->c_str()),
                        detail::parse_authorize);
}

// genauth_parse_callback: checks the full callback URL against redirectUri, the login's state
// and the issuer, and returns its code. Errors: state_mismatch, issuer_mismatch, oauth_error (the
// callback's error=), invalid_argument, invalid_config. No network call.
// Client::parse_callback uses the client's own discovery: prefer it.
inline Result<Callback> parse_callback(std::string_view config_json, std::string_view callback_url,
                                       std::string_view expected_state) {
    auto config = detail::c_arg(config_json);
    if (!config) return detail::config_nul_byte();
    auto url = detail::c_arg(callback_url);
    if (!url) return detail::nul_byte("the callback URL");
    auto state = detail::c_arg(expected_state);
    if (!state) return detail::nul_byte("the expected state");
    return detail::take(genauth_parse_callback(config->c_str(), url->c_str(), state->c_str()),
                        detail::parse_callback_result);
}

#if GENAUTH_EXCEPTIONS
// Throwing twins: the value, or throw the genauth::Error.
inline Tokens exchange_code_or_throw(std::string_view config_json, std::string_view code,
                                     std::optional<std::string_view> code_verifier = std::nullopt) {
    return exchange_code(config_json, code, code_verifier).value();
}
inline Tokens refresh_or_throw(std::string_view config_json, std::string_view refresh_token) {
    return refresh(config_json, refresh_token).value();
}
inline AuthorizeRequest build_authorize_url_or_throw(std::string_view config_json,
                                                     const AuthorizeOptions& options = {}) {
    return build_authorize_url(config_json, options).value();
}
inline Callback parse_callback_or_throw(std::string_view config_json, std::string_view callback_url,
                                        std::string_view expected_state) {
    return parse_callback(config_json, callback_url, expected_state).value();
}
#endif

// ---- Client ------------------------------------------------------------------------------------

class Session;

// Receives the result of an async call, once, on a library thread. Must not throw.
using TokensCallback = std::function<void(Result<Tokens>)>;

class Client {
public:
    // The async callback type (genauth::TokensCallback). Not to be confused with
    // genauth::Callback, the checked login callback.
    using Callback = TokensCallback;

    // An empty client (as after a move). Calls on it return the error "null_argument".
    Client() noexcept = default;

    // Validates config_json once (see the config keys of genauth.h / the README) and creates
    // the client with its own connection pool. Fails with "invalid_config" and the like.
    static Result<Client> create(std::string_view config_json) {
        auto config = detail::c_arg(config_json);
        if (!config) return detail::config_nul_byte();
        char* error = nullptr;
        genauth_client* handle = genauth_client_new(config->c_str(), &error);
        if (!handle) return detail::take_error(error);
        genauth_string_free(error); // NULL on success; freed anyway should that ever change
        return Client(handle);
    }
    static Result<Client> create(const Config& config) { return create(config.to_json()); }

    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    Client(Client&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Client& operator=(Client&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    // Calls still in flight complete, and their callbacks run, after the client is destroyed;
    // sessions made from it keep working.
    ~Client() { reset(); }

    bool empty() const noexcept { return handle_ == nullptr; }
    explicit operator bool() const noexcept { return handle_ != nullptr; }
    genauth_client* native_handle() const noexcept { return handle_; }
    // Frees the client now; it becomes empty.
    void reset() noexcept { genauth_client_free(std::exchange(handle_, nullptr)); }

    // ---- login

    // The URL that starts a login, at the authorization endpoint of the client's discovery
    // (fetched on first use; {appHost}/{protocol}/auth when unavailable), with a fresh state,
    // nonce and S256 PKCE pair. Keep the returned request until the callback.
    Result<AuthorizeRequest> authorize_url(const AuthorizeOptions& options = {}) const {
        auto opts = detail::c_arg(options.to_json());
        if (!opts) return detail::nul_byte("an authorize option");
        return detail::take(genauth_client_authorize_url(handle_, opts->c_str()),
                            detail::parse_authorize);
    }

    // Checks the full callback URL the browser landed on (redirectUri, the login's state in
    // constant time, the issuer, error=) and returns its code. Errors: state_mismatch,
    // issuer_mismatch, oauth_error (the callback's error=, without http_status), invalid_argument.
    Result<genauth::Callback> parse_callback(std::string_view callback_url,
                                             std::string_view expected_state) const {
        auto url = detail::c_arg(callback_url);
        if (!url) return detail::nul_byte("the callback URL");
        auto state = detail::c_arg(expected_state);
        if (!state) return detail::nul_byte("the expected state");
        return detail::take(genauth_client_parse_callback(handle_, url->c_str(), state->c_str()),
                            detail::parse_callback_result);
    }

    // ---- tokens

    // Exchanges an authorization code; code_verifier is the PKCE verifier, if the login used one.
    // Blocks until the reply or timeoutMs. A code is single-use: nothing is retried.
    Result<Tokens> exchange_code(std::string_view code,
                                 std::optional<std::string_view> code_verifier = std::nullopt) const {
        auto c = detail::c_arg(code);
        if (!c) return detail::nul_byte("the code");
        std::optional<std::string> verifier;
        if (code_verifier) {
            verifier = detail::c_arg(*code_verifier);
            if (!verifier) return detail::nul_byte("the code verifier");
        }
        return detail::take_result(
            genauth_client_exchange_code(handle_, c->c_str(), detail::c_str_or_null(verifier)));
    }

    // Exchanges a code with options: the login's code verifier and nonce (the id_token must carry
    // that nonce), e.g. exchange_code(callback.code, {request.code_verifier, request.nonce}).
    Result<Tokens> exchange_code(std::string_view code, const ExchangeOptions& options) const {
        return exchange_code_with(code, options.to_json());
    }

    // Exchanges a code with options as JSON {"codeVerifier": "...", "nonce": "..."}; nullopt
    // means no options.
    Result<Tokens> exchange_code_with(std::string_view code,
                                      std::optional<std::string_view> options_json) const {
        auto c = detail::c_arg(code);
        if (!c) return detail::nul_byte("the code");
        std::optional<std::string> options;
        if (options_json) {
            options = detail::c_arg(*options_json);
            if (!options) return detail::nul_byte("the options");
        }
        return detail::take_result(
            genauth_client_exchange_code_with(handle_, c->c_str(), detail::c_str_or_null(options)));
    }

    // Exchanges a refresh token. The result may carry a new refresh_token: store it.
    Result<Tokens> refresh(std::string_view refresh_token) const {
        auto token = detail::c_arg(refresh_token);
        if (!token) return detail::nul_byte("the refresh token");
        return detail::take_result(genauth_client_refresh(handle_, token->c_str()));
    }

    // A Session holding these tokens: a token document, or a whole success document (the
    // tokens_json of an earlier Session::tokens()). It may outlive the client.
    Result<Session> session(std::string_view tokens_json) const;
    Result<Session> session(const Tokens& tokens) const;

    // ---- the grant and the user

    // Revokes a token (RFC 7009); token_type_hint is "access_token" or "refresh_token", or
    // nullopt. Revoking a refresh token ends the grant. Succeeds for a token the provider did not
    // know, too.
    Result<void> revoke(std::string_view token,
                        std::optional<std::string_view> token_type_hint = std::nullopt) const {
        auto t = detail::c_arg(token);
        if (!t) return detail::nul_byte("the token");
        std::optional<std::string> hint;
        if (token_type_hint) {
            hint = detail::c_arg(*token_type_hint);
            if (!hint) return detail::nul_byte("the token type hint");
        }
        return detail::take(genauth_client_revoke(handle_, t->c_str(), detail::c_str_or_null(hint)),
                            detail::parse_ok);
    }

    // Asks the provider about a token (RFC 7662). A revoked or expired token is active == false.
    Result<Introspection> introspect(std::string_view token) const {
        auto t = detail::c_arg(token);
        if (!t) return detail::nul_byte("the token");
        return detail::take(genauth_client_introspect(handle_, t->c_str()),
                            detail::parse_introspection);
    }

    // The user's claims from the userinfo endpoint. An expired or revoked token is an error
    // (the provider's oauth_error, or http_status 401).
    Result<UserInfo> userinfo(std::string_view access_token) const {
        auto t = detail::c_arg(access_token);
        if (!t) return detail::nul_byte("the access token");
        return detail::take(genauth_client_userinfo(handle_, t->c_str()), detail::parse_userinfo);
    }

    // ---- async

    // Non-blocking variants of exchange_code and refresh. Return true when the call was
    // accepted: on_result then runs exactly once, on a library thread, errors included. Return
    // false, and never call on_result, when on_result is empty or an argument contains a NUL byte.
    [[nodiscard]] bool exchange_code_async(std::string_view code,
                                           std::optional<std::string_view> code_verifier,
                                           Callback on_result) const {
        std::optional<std::string> options;
        if (code_verifier) {
            if (code_verifier->find('\0') != std::string_view::npos) return false;
            options = ExchangeOptions{std::string(*code_verifier), std::nullopt}.to_json();
        }
        return exchange_code_with_async(code, options, std::move(on_result));
    }

    [[nodiscard]] bool exchange_code_async(std::string_view code, const ExchangeOptions& options,
                                           Callback on_result) const {
        return exchange_code_with_async(code, options.to_json(), std::move(on_result));
    }

    [[nodiscard]] bool exchange_code_with_async(std::string_view code,
                                                std::optional<std::string_view> options_json,
                                                Callback on_result) const {
        auto c = detail::c_arg(code);
        if (!c || !on_result) return false;
        std::optional<std::string> options;
        if (options_json) {
            options = detail::c_arg(*options_json);
            if (!options) return false;
        }
        return detail::start_async<Tokens>(
            std::move(on_result), detail::parse_result, [&](genauth_callback cb, void* ud) {
                return genauth_client_exchange_code_async(handle_, c->c_str(),
                                                          detail::c_str_or_null(options), cb, ud);
            });
    }

    [[nodiscard]] bool refresh_async(std::string_view refresh_token, Callback on_result) const {
        auto token = detail::c_arg(refresh_token);
        if (!token || !on_result) return false;
        return detail::start_async<Tokens>(
            std::move(on_result), detail::parse_result, [&](genauth_callback cb, void* ud) {
                return genauth_client_refresh_async(handle_, token->c_str(), cb, ud);
            });
    }

    // ---- more grants

    // The client_credentials grant (machine to machine), with an optional scope. No id_token.
    Result<Tokens> client_credentials(std::optional<std::string_view> scope = std::nullopt) const {
        auto options = detail::c_arg(scope_options(scope));
        if (!options) return detail::nul_byte("the scope");
        return detail::take_result(genauth_client_credentials(handle_, options->c_str()));
    }

    [[nodiscard]] bool client_credentials_async(std::optional<std::string_view> scope,
                                                std::function<void(Result<Tokens>)> on_result) const {
        auto options = detail::c_arg(scope_options(scope));
        if (!options) return false;
        return detail::start_async<Tokens>(
            std::move(on_result), detail::parse_result, [&](genauth_callback cb, void* ud) {
                return genauth_client_credentials_async(handle_, options->c_str(), cb, ud);
            });
    }

    // The RP-Initiated Logout URL (discovery's end_session_endpoint, else
    // {appHost}/{protocol}/session/end). No network call once discovery is known.
    Result<std::string> logout_url(const LogoutOptions& options = {}) const {
        auto opts = detail::c_arg(logout_options(options));
        if (!opts) return detail::nul_byte("a logout option");
        return detail::take(genauth_client_logout_url(handle_, opts->c_str()), detail::parse_logout);
    }

    // logout_url without blocking (discovery may be fetched first), with the rules of
    // refresh_async: true when accepted (on_result then runs exactly once, on a library thread,
    // errors included); false, and no call, for an empty on_result or an option with a NUL byte.
    [[nodiscard]] bool logout_url_async(const LogoutOptions& options,
                                        std::function<void(Result<std::string>)> on_result) const {
        auto opts = detail::c_arg(logout_options(options));
        if (!opts) return false;
        return detail::start_async<std::string>(
            std::move(on_result), detail::parse_logout, [&](genauth_callback cb, void* ud) {
                return genauth_client_logout_url_async(handle_, opts->c_str(), cb, ud);
            });
    }

    // The device authorization grant (RFC 8628): start, show the user code, then poll. poll
    // blocks at the provider's interval until tokens, an error, or max_wait_seconds (then the
    // error authorization_pending: poll again).
    Result<DeviceAuthorization> device_start(std::optional<std::string_view> scope = std::nullopt) const {
        auto options = detail::c_arg(scope_options(scope));
        if (!options) return detail::nul_byte("the scope");
        return detail::take(genauth_client_device_start(handle_, options->c_str()),
                            detail::parse_device);
    }

    Result<Tokens> device_poll(std::string_view device_code, std::uint32_t max_wait_seconds) const {
        auto code = detail::c_arg(device_code);
        if (!code) return detail::nul_byte("the device code");
        return detail::take_result(
            genauth_client_device_poll(handle_, code->c_str(), max_wait_seconds));
    }

    // device_start and device_poll without blocking, with the rules of refresh_async. No thread
    // waits while device_poll_async polls: on_result runs when the tokens come, the provider
    // refuses, or max_wait_seconds end (the error authorization_pending: poll again).
    [[nodiscard]] bool device_start_async(
        std::optional<std::string_view> scope,
        std::function<void(Result<DeviceAuthorization>)> on_result) const {
        auto options = detail::c_arg(scope_options(scope));
        if (!options) return false;
        return detail::start_async<DeviceAuthorization>(
            std::move(on_result), detail::parse_device, [&](genauth_callback cb, void* ud) {
                return genauth_client_device_start_async(handle_, options->c_str(), cb, ud);
            });
    }

    [[nodiscard]] bool device_poll_async(std::string_view device_code,
                                         std::uint32_t max_wait_seconds,
                                         Callback on_result) const {
        auto code = detail::c_arg(device_code);
        if (!code) return false;
        return detail::start_async<Tokens>(
            std::move(on_result), detail::parse_result, [&](genauth_callback cb, void* ud) {
                return genauth_client_device_poll_async(handle_, code->c_str(), max_wait_seconds,
                                                        cb, ud);
            });
    }

    // Desktop and command-line login (RFC 8252): listens on 127.0.0.1, hands the login URL to
    // on_url (empty: the system browser is opened), waits for one callback, exchanges its code
    // and returns the tokens. options_json: {"scope", "port", "timeoutSeconds", "prompt",
    // "extraParams"}. on_url runs on this thread and must return at once. It blocks until the
    // browser comes back (there is no _async form): from a UI thread or an event loop, run it on
    // a thread of your own (std::thread, std::async) and hand the result back.
    Result<Tokens> login_loopback(std::string_view options_json = "{}",
                                  std::function<void(std::string_view url)> on_url = {}) const {
        auto opts = detail::c_arg(options_json);
        if (!opts) return detail::nul_byte("a login option");
        if (!on_url) {
            return detail::take_result(
                genauth_client_login_loopback(handle_, opts->c_str(), nullptr, nullptr));
        }
        return detail::take_result(genauth_client_login_loopback(
            handle_, opts->c_str(),
            [](void* user_data, const char* url) {
                (*static_cast<std::function<void(std::string_view)>*>(user_data))(url ? url : "");
            },
            &on_url));
    }

    // Non-blocking variants of the other calls, with the same rules as refresh_async: true when
    // accepted (on_result then runs exactly once, on a library thread, errors included).
    [[nodiscard]] bool revoke_async(std::string_view token,
                                    std::optional<std::string_view> token_type_hint,
                                    std::function<void(Result<void>)> on_result) const {
        auto t = detail::c_arg(token);
        std::optional<std::string> hint;
        if (token_type_hint) {
            hint = detail::c_arg(*token_type_hint);
            if (!hint) return false;
        }
        if (!t) return false;
        return detail::start_async<void>(std::move(on_result), detail::parse_ok,
                                         [&](genauth_callback cb, void* ud) {
                                             return genauth_client_revoke_async(
                                                 handle_, t->c_str(), detail::c_str_or_null(hint),
                                                 cb, ud);
                                         });
    }

    [[nodiscard]] bool introspect_async(std::string_view token,
                                        std::function<void(Result<Introspection>)> on_result) const {
        auto t = detail::c_arg(token);
        if (!t) return false;
        return detail::start_async<Introspection>(
            std::move(on_result), detail::parse_introspection, [&](genauth_callback cb, void* ud) {
                return genauth_client_introspect_async(handle_, t->c_str(), cb, ud);
            });
    }

    [[nodiscard]] bool userinfo_async(std::string_view access_token,
                                      std::function<void(Result<UserInfo>)> on_result) const {
        auto t = detail::c_arg(access_token);
        if (!t) return false;
        return detail::start_async<UserInfo>(
            std::move(on_result), detail::parse_userinfo, [&](genauth_callback cb, void* ud) {
                return genauth_client_userinfo_async(handle_, t->c_str(), cb, ud);
            });
    }

    [[nodiscard]] bool authorize_url_async(
        const AuthorizeOptions& options,
        std::function<void(Result<AuthorizeRequest>)> on_result) const {
        auto opts = detail::c_arg(options.to_json());
        if (!opts) return false;
        return detail::start_async<AuthorizeRequest>(
            std::move(on_result), detail::parse_authorize, [&](genauth_callback cb, void* ud) {
                return genauth_client_authorize_url_async(handle_, opts->c_str(), cb, ud);
            });
    }

    [[nodiscard]] bool parse_callback_async(
        std::string_view callback_url, std::string_view expected_state,
        std::function<void(Result<genauth::Callback>)> on_result) const {
        auto url = detail::c_arg(callback_url);
        auto state = detail::c_arg(expected_state);
        if (!url || !state) return false;
        return detail::start_async<genauth::Callback>(
            std::move(on_result), detail::parse_callback_result,
            [&](genauth_callback cb, void* ud) {
                return genauth_client_parse_callback_async(handle_, url->c_str(), state->c_str(),
                                                           cb, ud);
            });
    }

#if GENAUTH_EXCEPTIONS
    // Throwing twins: the value, or throw the genauth::Error.
    static Client create_or_throw(std::string_view config_json) {
        return create(config_json).value();
    }
    static Client create_or_throw(const Config& config) { return create(config).value(); }
    AuthorizeRequest authorize_url_or_throw(const AuthorizeOptions& options = {}) const {
        return authorize_url(options).value();
    }
    genauth::Callback parse_callback_or_throw(std::string_view callback_url,
                                              std::string_view expected_state) const {
        return parse_callback(callback_url, expected_state).value();
    }
    Tokens exchange_code_or_throw(std::string_view code,
                                  std::optional<std::string_view> code_verifier = std::nullopt) const {
        return exchange_code(code, code_verifier).value();
    }
    Tokens exchange_code_or_throw(std::string_view code, const ExchangeOptions& options) const {
        return exchange_code(code, options).value();
    }
    Tokens exchange_code_with_or_throw(std::string_view code,
                                       std::optional<std::string_view> options_json) const {
        return exchange_code_with(code, options_json).value();
    }
    Tokens refresh_or_throw(std::string_view refresh_token) const {
        return refresh(refresh_token).value();
    }
    Session session_or_throw(std::string_view tokens_json) const;
    Session session_or_throw(const Tokens& tokens) const;
    void revoke_or_throw(std::string_view token,
                         std::optional<std::string_view> token_type_hint = std::nullopt) const {
        revoke(token, token_type_hint).value();
    }
    Introspection introspect_or_throw(std::string_view token) const {
        return introspect(token).value();
    }
    UserInfo userinfo_or_throw(std::string_view access_token) const {
        return userinfo(access_token).value();
    }
#endif

private:
    explicit Client(genauth_client* handle) noexcept : handle_(handle) {}

    // {"scope": ...} for client_credentials and device_start; {} without a scope.
    static std::string scope_options(std::optional<std::string_view> scope) {
        return scope ? "{\"scope\":" + detail::quote(std::string(*scope)) + "}" : "{}";
    }

    // {"idTokenHint", "postLogoutRedirectUri", "state"}, each when given.
    static std::string logout_options(const LogoutOptions& options) {
        std::string json = "{";
        auto add = [&json](const char* key, const std::optional<std::string>& value) {
            if (!value) return;
            if (json.size() > 1) json += ',';
            json += detail::quote(key) + ":" + detail::quote(*value);
        };
        add("idTokenHint", options.id_token_hint);
        add("postLogoutRedirectUri", options.post_logout_redirect_uri);
        add("state", options.state);
        return json + "}";
    }

    genauth_client* handle_ = nullptr;
};

// ---- Session -----------------------------------------------------------------------------------

// Holds one token document and hands out tokens that are still valid, refreshing when needed:
// one refresh at a time, however many threads ask (callers arriving during a refresh wait and
// share its result, error included). fresh_tokens() and tokens() may be called from many
// threads at once; destroying, moving or resetting a session must wait until no other thread is
// inside one of them. Move-only.
class Session {
public:
    // An empty session (as after a move). Calls on it return the error "null_argument".
    Session() noexcept = default;

    // A session over `client` holding `tokens_json`: a token document ({"access_token": ...,
    // "refresh_token": ..., "expires_at": ...}) or a whole success document. Freshness comes from
    // expires_at, else expires_in counted from now; a token with neither counts as fresh.
    static Result<Session> create(const Client& client, std::string_view tokens_json) {
        auto tokens = detail::c_arg(tokens_json);
        if (!tokens) return detail::nul_byte("the token document");
        char* error = nullptr;
        genauth_session* handle = genauth_session_new(client.native_handle(), tokens->c_str(), &error);
        if (!handle) return detail::take_error(error);
        genauth_string_free(error);
        return Session(handle);
    }
    // A session holding tokens.raw_json.
    static Result<Session> create(const Client& client, const Tokens& tokens) {
        return create(client, tokens.raw_json);
    }

    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    Session(Session&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Session& operator=(Session&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    ~Session() { reset(); }

    bool empty() const noexcept { return handle_ == nullptr; }
    explicit operator bool() const noexcept { return handle_ != nullptr; }
    genauth_session* native_handle() const noexcept { return handle_; }
    // Frees the session now; it becomes empty.
    void reset() noexcept { genauth_session_free(std::exchange(handle_, nullptr)); }

    // Tokens with more than min_valid_seconds of life left, refreshing first when the held ones
    // have less. Errors: no_refresh_token (stale, nothing to refresh with); the provider's
    // invalid_grant, which every later call repeats without asking the provider (sign in again).
    // Blocks while a refresh runs.
    Result<Tokens> fresh_tokens(std::uint32_t min_valid_seconds = 60) const {
        return detail::take_result(genauth_session_fresh_tokens(handle_, min_valid_seconds));
    }

    // fresh_tokens without blocking: true when accepted (on_result then runs exactly once, on a
    // library thread). The session may be destroyed while the call is in flight.
    [[nodiscard]] bool fresh_tokens_async(std::uint32_t min_valid_seconds,
                                          std::function<void(Result<Tokens>)> on_result) const {
        return detail::start_async<Tokens>(
            std::move(on_result), detail::parse_result, [&](genauth_callback cb, void* ud) {
                return genauth_session_fresh_tokens_async(handle_, min_valid_seconds, cb, ud);
            });
    }

    // The held tokens, for the app to persist (a refresh may have replaced the refresh token);
    // Session::create(client, tokens) resumes from them. Never blocks on the network.
    Result<Tokens> tokens() const { return detail::take_result(genauth_session_tokens(handle_)); }

#if GENAUTH_EXCEPTIONS
    static Session create_or_throw(const Client& client, std::string_view tokens_json) {
        return create(client, tokens_json).value();
    }
    static Session create_or_throw(const Client& client, const Tokens& tokens) {
        return create(client, tokens).value();
    }
    Tokens fresh_tokens_or_throw(std::uint32_t min_valid_seconds = 60) const {
        return fresh_tokens(min_valid_seconds).value();
    }
    Tokens tokens_or_throw() const { return tokens().value(); }
#endif

private:
    explicit Session(genauth_session* handle) noexcept : handle_(handle) {}

    genauth_session* handle_ = nullptr;
};

inline Result<Session> Client::session(std::string_view tokens_json) const {
    return Session::create(*this, tokens_json);
}
inline Result<Session> Client::session(const Tokens& tokens) const {
    return Session::create(*this, tokens);
}
#if GENAUTH_EXCEPTIONS
inline Session Client::session_or_throw(std::string_view tokens_json) const {
    return session(tokens_json).value();
}
inline Session Client::session_or_throw(const Tokens& tokens) const {
    return session(tokens).value();
}
#endif

} // namespace genauth

#endif // !GENAUTH_HPP_UNSUPPORTED
#endif // GENAUTH_HPP
