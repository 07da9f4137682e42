// genauth.hpp — header-only C++17 wrapper over the libgenauth C ABI (genauth.h).
//
//   genauth::Client      RAII owner of a genauth_client (move-only; the destructor frees it)
//   genauth::Result<T>   either a T or a genauth::Error (ok(), value(), error()), like std::expected
//   genauth::Tokens      the "tokens" object of a success: its raw JSON text plus the common fields
//   genauth::Error       the "error" object of a failure: code, message, http_status, oauth_error...
//   genauth::Exception   thrown by the *_or_throw conveniences (only when exceptions are enabled)
//
// Needs no JSON library: the result documents are produced by libgenauth, so their shape is known,
// and a small internal parser (genauth::detail::Json) reads them, string escapes included.
//
// Threading follows genauth.h: a Client is immutable and every method may be called from any
// thread, concurrently. An async callback runs exactly once, on a library thread (never the
// caller's), and must not throw: an exception escaping it calls std::terminate. A blocking call
// made from inside a callback returns the error "reentrant_call"; the *_async methods may be used.
//
// Compiles with -fno-exceptions: the throwing parts are only declared when exceptions are
// enabled. Without exceptions, Result::value() on an error (and error() on a success) aborts.

#ifndef GENAUTH_HPP
#define GENAUTH_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#if defined(__cpp_exceptions)
#include <stdexcept>
#endif

#include "genauth.h"

namespace genauth {

// ---- errors ------------------------------------------------------------------------------------

// The "error" object of a failed call. `code` is one of the stable codes of the C contract
// ("invalid_config", "oauth_error", "timeout", ...). Fields the library did not send stay empty.
struct Error {
    std::string code;
    std::string message;
    std::optional<int> http_status;                     // the provider's HTTP status, when known
    std::optional<std::string> oauth_error;             // RFC 6749 "error", e.g. "invalid_grant"
    std::optional<std::string> oauth_error_description; // RFC 6749 "error_description"
    std::optional<std::string> reason;                  // the failed check for "id_token_invalid"
    std::string raw_json;                               // the whole result document
};

#if defined(__cpp_exceptions)
// Thrown by the *_or_throw methods and by Result::value() on an error. what() is "code: message".
class Exception : public std::runtime_error {
public:
    explicit Exception(Error error)
        : std::runtime_error(error.code + ": " + error.message), error_(std::move(error)) {}
    const Error& error() const noexcept { return error_; }

private:
    Error error_;
};
#endif

namespace detail {

[[noreturn]] inline void bad_result_access(const Error& error) {
#if defined(__cpp_exceptions)
    throw Exception(error);
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

// Holds either a T (ok()) or an Error. value() on an error throws genauth::Exception (aborts
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

} // namespace detail

// ---- Tokens ------------------------------------------------------------------------------------

// The "tokens" object of a successful call. raw_json is that object exactly as the library
// returned it (every field the provider sent, unknown ones too; keep it to persist the tokens);
// the common fields are extracted from it. Absent fields stay empty.
struct Tokens {
    std::string raw_json;
    std::string access_token;
    std::optional<std::string> id_token;
    std::optional<std::string> refresh_token; // may be rotated: store the newest one
    std::optional<std::string> token_type;
    std::optional<std::string> scope;
    std::optional<std::int64_t> expires_in;   // seconds, as the provider sent them
    std::optional<std::int64_t> expires_at;   // Unix seconds, added by the library

    // Any member of raw_json that is a JSON string.
    std::optional<std::string> string_field(std::string_view name) const {
        detail::Json doc;
        if (!detail::Json::parse(raw_json, doc)) return std::nullopt;
        return detail::string_member(doc, name);
    }
    // Any member of raw_json that holds an integer (see integer_from).
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

// Options of Client::exchange_code_with, as the JSON object the C API takes.
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

namespace detail {

struct StringFree {
    void operator()(char* s) const noexcept { genauth_string_free(s); }
};
// Owns a string returned by the library; released with genauth_string_free exactly once.
using LibString = std::unique_ptr<char, StringFree>;

// An error the wrapper itself reports, shaped like the library's.
inline Error make_error(std::string code, std::string message) {
    Error e;
    e.raw_json = "{\"ok\":false,\"error\":{\"code\":" + quote(code) +
                 ",\"message\":" + quote(message) + "}}";
    e.code = std::move(code);
    e.message = std::move(message);
    return e;
}

// An Error from an "error" object; raw_json is the whole document.
inline Error error_from(const Json& error, std::string_view document) {
    Error e;
    e.code = string_member(error, "code").value_or("internal");
    e.message = string_member(error, "message").value_or("");
    if (const Json* status = error.find("http_status")) {
        std::optional<std::int64_t> n = integer_from(*status);
        if (n && *n >= 0 && *n <= 999) e.http_status = static_cast<int>(*n);
    }
    e.oauth_error = string_member(error, "oauth_error");
    e.oauth_error_description = string_member(error, "oauth_error_description");
    e.reason = string_member(error, "reason");
    e.raw_json.assign(document);
    return e;
}

inline Error unreadable(std::string_view document) {
    Error e = make_error("internal", "the library returned a document this wrapper cannot read");
    e.raw_json.assign(document);
    return e;
}

// Reads a result document: {"ok":true,"tokens":{...}} or {"ok":false,"error":{...}}.
inline Result<Tokens> parse_result(std::string_view document) {
    Json doc;
    if (!Json::parse(document, doc) || !doc.is_object()) return unreadable(document);
    const Json* ok = doc.find("ok");
    if (!ok || !ok->is_bool()) return unreadable(document);
    if (!ok->boolean) {
        const Json* error = doc.find("error");
        if (!error || !error->is_object()) return unreadable(document);
        return error_from(*error, document);
    }
    const Json* tokens = doc.find("tokens");
    if (!tokens || !tokens->is_object()) return unreadable(document);
    Tokens t;
    t.raw_json.assign(document.substr(tokens->begin, tokens->end - tokens->begin));
    t.access_token = string_member(*tokens, "access_token").value_or("");
    t.id_token = string_member(*tokens, "id_token");
    t.refresh_token = string_member(*tokens, "refresh_token");
    t.token_type = string_member(*tokens, "token_type");
    t.scope = string_member(*tokens, "scope");
    if (const Json* v = tokens->find("expires_in")) t.expires_in = integer_from(*v);
    if (const Json* v = tokens->find("expires_at")) t.expires_at = integer_from(*v);
    return t;
}

// Takes ownership of a library result document (never NULL per the contract) and reads it.
inline Result<Tokens> take_result(char* document) {
    LibString owned(document);
    if (!owned) return make_error("internal", "the library returned no document");
    return parse_result(owned.get());
}

// An error document of genauth_client_new: a result document, or (tolerated) a bare error object.
inline Error take_error(char* document) {
    LibString owned(document);
    if (!owned) return make_error("internal", "the library returned no error document");
    std::string_view text = owned.get();
    Json doc;
    if (!Json::parse(text, doc) || !doc.is_object()) return unreadable(text);
    if (const Json* error = doc.find("error"); error && error->is_object())
        return error_from(*error, text);
    if (doc.find("code")) return error_from(doc, text);
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

} // namespace detail

// ---- one-shot calls ----------------------------------------------------------------------------

// The library's version, e.g. "0.1.0".
inline const char* version() noexcept { return genauth_version(); }

// genauth_exchange_code: parses config_json, exchanges the code, and returns the tokens.
inline Result<Tokens> exchange_code(std::string_view config_json, std::string_view code,
                                    std::optional<std::string_view> code_verifier = std::nullopt) {
    auto config = detail::c_arg(config_json);
    if (!config) return detail::make_error("invalid_config", "the config contains a NUL byte");
    auto c = detail::c_arg(code);
    if (!c) return detail::nul_byte("the code");
    std::optional<std::string> verifier;
    if (code_verifier) {
        verifier = detail::c_arg(*code_verifier);
        if (!verifier) return detail::nul_byte("the code verifier");
    }
    return detail::take_result(
        genauth_exchange_code(config->c_str(), c->c_str(), verifier ? verifier->c_str() : nullptr));
}

// genauth_refresh: parses config_json and exchanges the refresh token.
inline Result<Tokens> refresh(std::string_view config_json, std::string_view refresh_token) {
    auto config = detail::c_arg(config_json);
    if (!config) return detail::make_error("invalid_config", "the config contains a NUL byte");
    auto token = detail::c_arg(refresh_token);
    if (!token) return detail::nul_byte("the refresh token");
    return detail::take_result(genauth_refresh(config->c_str(), token->c_str()));
}

// ---- Client ------------------------------------------------------------------------------------

class Client {
public:
    // Receives the result of an async call, once, on a library thread. Must not throw.
    using Callback = std::function<void(Result<Tokens>)>;

    // An empty client (as after a move). Calls on it return the error "null_argument".
    Client() noexcept = default;

    // Validates config_json once (see the config keys of genauth.h / the README) and creates
    // the client with its own connection pool. Fails with "invalid_config" and the like.
    static Result<Client> create(std::string_view config_json) {
        auto config = detail::c_arg(config_json);
        if (!config) return detail::make_error("invalid_config", "the config contains a NUL byte");
        char* error = nullptr;
        genauth_client* handle = genauth_client_new(config->c_str(), &error);
        if (!handle) return detail::take_error(error);
        genauth_string_free(error); // NULL on success; freed anyway should that ever change
        return Client(handle);
    }

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
    // Calls still in flight complete, and their callbacks run, after the client is destroyed.
    ~Client() { reset(); }

    bool empty() const noexcept { return handle_ == nullptr; }
    explicit operator bool() const noexcept { return handle_ != nullptr; }
    genauth_client* native_handle() const noexcept { return handle_; }
    // Frees the client now; it becomes empty.
    void reset() noexcept { genauth_client_free(std::exchange(handle_, nullptr)); }

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
        return detail::take_result(genauth_client_exchange_code(
            handle_, c->c_str(), verifier ? verifier->c_str() : nullptr));
    }

    // Exchanges a code with options {"codeVerifier": "...", "nonce": "..."} (ExchangeOptions
    // writes them); nullopt means no options.
    Result<Tokens> exchange_code_with(std::string_view code,
                                      std::optional<std::string_view> options_json) const {
        auto c = detail::c_arg(code);
        if (!c) return detail::nul_byte("the code");
        std::optional<std::string> options;
        if (options_json) {
            options = detail::c_arg(*options_json);
            if (!options) return detail::nul_byte("the options");
        }
        return detail::take_result(genauth_client_exchange_code_with(
            handle_, c->c_str(), options ? options->c_str() : nullptr));
    }

    // Exchanges a refresh token. The result may carry a new refresh_token: store it.
    Result<Tokens> refresh(std::string_view refresh_token) const {
        auto token = detail::c_arg(refresh_token);
        if (!token) return detail::nul_byte("the refresh token");
        return detail::take_result(genauth_client_refresh(handle_, token->c_str()));
    }

    // Non-blocking variants. Return true when the call was accepted: on_result then runs exactly
    // once, on a library thread, errors included. Return false, and never call on_result, when
    // on_result is empty or an argument contains a NUL byte.
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
        auto* user_data = new Callback(std::move(on_result));
        if (genauth_client_exchange_code_async(handle_, c->c_str(),
                                               options ? options->c_str() : nullptr,
                                               &Client::trampoline, user_data) != 0) {
            delete user_data; // not accepted: the callback will never run
            return false;
        }
        return true;
    }

    [[nodiscard]] bool refresh_async(std::string_view refresh_token, Callback on_result) const {
        auto token = detail::c_arg(refresh_token);
        if (!token || !on_result) return false;
        auto* user_data = new Callback(std::move(on_result));
        if (genauth_client_refresh_async(handle_, token->c_str(), &Client::trampoline,
                                         user_data) != 0) {
            delete user_data;
            return false;
        }
        return true;
    }

#if defined(__cpp_exceptions)
    // Throwing conveniences: the value, or genauth::Exception carrying the Error.
    static Client create_or_throw(std::string_view config_json) {
        return create(config_json).value();
    }
    Tokens exchange_code_or_throw(std::string_view code,
                                  std::optional<std::string_view> code_verifier = std::nullopt) const {
        return exchange_code(code, code_verifier).value();
    }
    Tokens exchange_code_with_or_throw(std::string_view code,
                                       std::optional<std::string_view> options_json) const {
        return exchange_code_with(code, options_json).value();
    }
    Tokens refresh_or_throw(std::string_view refresh_token) const {
        return refresh(refresh_token).value();
    }
#endif

private:
    explicit Client(genauth_client* handle) noexcept : handle_(handle) {}

    // Runs on a library thread: owns the document and the heap-allocated Callback, frees both.
    // noexcept: an exception must not unwind into the library; it calls std::terminate instead.
    static void trampoline(void* user_data, char* result_json) noexcept {
        std::unique_ptr<Callback> callback(static_cast<Callback*>(user_data));
        Result<Tokens> result = detail::take_result(result_json);
        if (callback && *callback) (*callback)(std::move(result));
    }

    genauth_client* handle_ = nullptr;
};

} // namespace genauth

#endif // GENAUTH_HPP
