// The harness runner and the dev-provider HTTP client of the C++ binding tests. See support.hpp.

#include "support.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace support {

namespace {

struct Case {
    const char* name;
    TestFn fn;
};

std::vector<Case>& registry() {
    static std::vector<Case> cases;
    return cases;
}

std::mutex failure_mutex;
const char* current_test = "?";
int current_failures = 0;

} // namespace

Register::Register(const char* name, TestFn fn) { registry().push_back({name, fn}); }

bool expect(bool ok, const char* file, int line, const std::string& what) {
    if (ok) return true;
    std::lock_guard<std::mutex> lock(failure_mutex);
    ++current_failures;
    std::printf("  %s: %s:%d: %s\n", current_test, file, line, what.c_str());
    std::fflush(stdout);
    return false;
}

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

// ---- HTTP to the dev provider ----------------------------------------------------------------

std::string dev_url() {
    const char* url = std::getenv("GENAUTH_DEV_URL");
    if (!url || !*url) {
        expect(false, __FILE__, __LINE__,
               "GENAUTH_DEV_URL is not set (run under scripts/with-devprovider)");
        return "";
    }
    return url;
}

namespace {

bool split_url(const std::string& url, std::string& host, std::string& port) {
    const std::string scheme = "http://";
    if (url.compare(0, scheme.size(), scheme) != 0) return false;
    std::string rest = url.substr(scheme.size());
    std::size_t slash = rest.find('/');
    if (slash != std::string::npos) rest.resize(slash);
    std::size_t colon = rest.rfind(':');
    if (colon == std::string::npos) return false;
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    return !host.empty() && !port.empty();
}

int connect_to(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
    int fd = -1;
    for (addrinfo* a = found; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    return fd;
}

bool send_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool iequals_prefix(const std::string& line, const char* prefix) {
    std::size_t n = std::strlen(prefix);
    if (line.size() < n) return false;
    for (std::size_t i = 0; i < n; ++i)
        if (std::tolower(static_cast<unsigned char>(line[i])) != prefix[i]) return false;
    return true;
}

// Decodes a chunked body; false when it is malformed or cut short.
bool dechunk(const std::string& in, std::string& out) {
    std::size_t pos = 0;
    for (;;) {
        std::size_t eol = in.find("\r\n", pos);
        if (eol == std::string::npos) return false;
        unsigned long size = std::strtoul(in.substr(pos, eol - pos).c_str(), nullptr, 16);
        pos = eol + 2;
        if (size == 0) return true;
        if (in.size() < pos + size) return false;
        out.append(in, pos, size);
        pos += size + 2; // the chunk's CRLF
    }
}

} // namespace

namespace {

// One request to the server at `url` (http://host:port, any path ignored); `target` is the path
// and query to ask for.
HttpReply http_request(const char* method, const std::string& url, const std::string& target) {
    HttpReply reply;
    std::string host, port;
    if (!expect(split_url(url, host, port), __FILE__, __LINE__, "not an http://host:port URL: " + url))
        return reply;
    int fd = connect_to(host, port);
    if (!expect(fd >= 0, __FILE__, __LINE__, "cannot connect to " + url))
        return reply;
    timeval tv{};
    tv.tv_sec = 60;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    std::string request = std::string(method) + " " + target + " HTTP/1.1\r\nHost: " + host + ":" +
                          port +
                          "\r\nAccept: application/json\r\nContent-Length: 0\r\n"
                          "Connection: close\r\n\r\n";
    std::string raw;
    if (send_all(fd, request)) {
        char buf[16384];
        for (;;) {
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            raw.append(buf, static_cast<std::size_t>(n));
        }
    }
    close(fd);

    std::size_t head_end = raw.find("\r\n\r\n");
    int status = 0;
    if (!expect(head_end != std::string::npos &&
                    std::sscanf(raw.c_str(), "HTTP/1.%*d %d", &status) == 1,
                __FILE__, __LINE__,
                std::string("malformed reply to ") + method + " " + target + ": " +
                    raw.substr(0, 200)))
        return reply;
    std::string body = raw.substr(head_end + 4);
    bool chunked = false;
    std::optional<std::size_t> length;
    for (std::size_t at = raw.find("\r\n"); at < head_end; at = raw.find("\r\n", at + 2)) {
        std::string line = raw.substr(at + 2, raw.find("\r\n", at + 2) - (at + 2));
        if (iequals_prefix(line, "transfer-encoding:") &&
            line.find("chunked") != std::string::npos)
            chunked = true;
        if (iequals_prefix(line, "content-length:"))
            length = std::strtoul(line.c_str() + 15, nullptr, 10);
    }
    if (chunked) {
        std::string decoded;
        if (!expect(dechunk(body, decoded), __FILE__, __LINE__, "malformed chunked body"))
            return reply;
        body = decoded;
    } else if (length) {
        if (!expect(*length <= body.size(), __FILE__, __LINE__, "short body from the dev provider"))
            return reply;
        body.resize(*length);
    }
    reply.status = status;
    reply.body = body;
    return reply;
}

} // namespace

HttpReply dev_http(const char* method, const std::string& target) {
    std::string url = dev_url();
    if (url.empty()) return HttpReply();
    return http_request(method, url, target);
}

HttpReply http_get(const std::string& url) {
    const std::string scheme = "http://";
    std::size_t path = url.compare(0, scheme.size(), scheme) == 0 ? url.find('/', scheme.size())
                                                                    : std::string::npos;
    return http_request("GET", url, path == std::string::npos ? "/" : url.substr(path));
}

std::string url_encode(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

std::string login(const char* file, int line, const std::string& client_id,
                  const std::string& extra_query) {
    std::string target = "/dev/login?client_id=" + url_encode(client_id);
    if (!extra_query.empty()) target += "&" + extra_query;
    HttpReply reply = dev_http("GET", target);
    if (!expect(reply.status == 200, file, line,
                "GET " + target + ": HTTP " + std::to_string(reply.status) + " " + reply.body))
        return "";
    genauth::detail::Json doc;
    std::optional<std::string> code;
    if (genauth::detail::Json::parse(reply.body, doc)) code = genauth::detail::string_member(doc, "code");
    if (!expect(code && !code->empty(), file, line, "no code in the /dev/login reply: " + reply.body))
        return "";
    return *code;
}

DevLogin dev_login(const char* file, int line, const std::string& authorize_url,
                   bool expect_code) {
    DevLogin out;
    HttpReply reply = dev_http("GET", "/dev/login?authorize_url=" + url_encode(authorize_url));
    out.status = reply.status;
    out.body = reply.body;
    genauth::detail::Json doc;
    if (genauth::detail::Json::parse(reply.body, doc) && doc.is_object()) {
        using genauth::detail::string_member;
        out.code = string_member(doc, "code").value_or("");
        out.state = string_member(doc, "state").value_or("");
        out.iss = string_member(doc, "iss").value_or("");
        out.callback_url = string_member(doc, "callback_url").value_or("");
    }
    if (expect_code)
        expect(reply.status == 200 && !out.code.empty() && !out.callback_url.empty(), file, line,
               "GET /dev/login with the authorize URL: HTTP " + std::to_string(reply.status) +
                   " " + reply.body);
    return out;
}

std::vector<DevRequest> dev_requests() {
    std::vector<DevRequest> out;
    HttpReply reply = dev_http("GET", "/dev/requests");
    genauth::detail::Json doc;
    if (!expect(reply.status == 200 && genauth::detail::Json::parse(reply.body, doc) &&
                    doc.kind == genauth::detail::Json::Kind::array,
                __FILE__, __LINE__, "GET /dev/requests: " + reply.body))
        return out;
    for (const genauth::detail::Json& item : doc.items) {
        using genauth::detail::string_member;
        DevRequest r;
        r.path = string_member(item, "path").value_or("");
        r.grant_type = string_member(item, "grant_type").value_or("");
        r.client_id = string_member(item, "client_id").value_or("");
        r.auth = string_member(item, "auth").value_or("");
        if (const genauth::detail::Json* keys = item.find("body_keys"))
            for (const genauth::detail::Json& key : keys->items)
                if (key.is_string()) r.body_keys.push_back(key.text);
        if (const genauth::detail::Json* status = item.find("status"))
            r.status = static_cast<int>(genauth::detail::integer_from(*status).value_or(0));
        out.push_back(std::move(r));
    }
    return out;
}

void clear_dev_requests() {
    HttpReply reply = dev_http("DELETE", "/dev/requests");
    expect(reply.status == 200, __FILE__, __LINE__,
           "DELETE /dev/requests: HTTP " + std::to_string(reply.status));
}

std::string config(const Cfg& cfg) {
    using genauth::detail::quote;
    std::string json = "{\"appId\":" + quote(cfg.app_id) + ",\"appHost\":" + quote(dev_url()) +
                       ",\"redirectUri\":" + quote(REDIRECT_URI);
    if (cfg.secret) json += ",\"appSecret\":" + quote(*cfg.secret);
    if (cfg.method) json += ",\"tokenEndPointAuthMethod\":" + quote(*cfg.method);
    if (cfg.timeout_ms) json += ",\"timeoutMs\":" + std::to_string(cfg.timeout_ms);
    return json + "}";
}

} // namespace support

int main(int argc, char** argv) {
    using namespace support;
    int passed = 0, failed = 0;
    std::printf("libgenauth %s, C++ binding tests\n", genauth::version());
    for (const Case& c : registry()) {
        if (argc > 1) {
            bool wanted = false;
            for (int i = 1; i < argc; ++i)
                if (std::strstr(c.name, argv[i])) wanted = true;
            if (!wanted) continue;
        }
        {
            std::lock_guard<std::mutex> lock(failure_mutex);
            current_test = c.name;
            current_failures = 0;
        }
        double started = now_ms();
        c.fn();
        int failures;
        {
            std::lock_guard<std::mutex> lock(failure_mutex);
            failures = current_failures;
        }
        std::printf("%-4s %s (%.0f ms)\n", failures ? "FAIL" : "ok", c.name, now_ms() - started);
        std::fflush(stdout);
        (failures ? failed : passed)++;
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
