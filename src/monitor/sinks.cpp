#include "monitor/sinks.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "core/ip.h"
#include "monitor/render.h"
#include "net/unique_fd.h"

namespace sl::monitor {

namespace {

constexpr size_t kMaxResponse = 64 * 1024;
constexpr size_t kMaxSyslogUdp = 2048;  // RFC 5426: receivers should take at least this

struct CurlFree {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
    void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};

size_t collect(char* data, size_t size, size_t n, void* user) {
    auto* out = static_cast<std::string*>(user);
    size_t bytes = size * n;
    if (out->size() + bytes > kMaxResponse) return 0;  // a sink that floods us: stop reading
    out->append(data, bytes);
    return bytes;
}

// Notes the blank line that ends a response's headers: a 2xx whose headers never ended (the
// connection closed mid-response) is not a confirmation, whatever libcurl made of it.
size_t header_line(char* data, size_t size, size_t n, void* user) {
    size_t bytes = size * n;
    if ((bytes == 2 && data[0] == '\r' && data[1] == '\n') || (bytes == 1 && data[0] == '\n'))
        *static_cast<bool*>(user) = true;
    return bytes;
}

struct Upload {
    const std::string* body;
    size_t at = 0;
};
size_t feed(char* buffer, size_t size, size_t n, void* user) {
    auto* u = static_cast<Upload*>(user);
    size_t len = std::min(size * n, u->body->size() - u->at);
    std::memcpy(buffer, u->body->data() + u->at, len);
    u->at += len;
    return len;
}

void common_options(CURL* c, const SinkConfig& sink) {
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(sink.timeout_ms));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<int64_t>(sink.timeout_ms, 10000)));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!sink.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, sink.ca_file.c_str());
}

SendResult send_webhook(const SinkConfig& sink, const Message& m, const std::vector<Event>& events,
                        size_t max_items) {
    Rendered r = render_webhook(sink, m, events, max_items);
    std::unique_ptr<CURL, CurlFree> c(curl_easy_init());
    if (!c) return {false, "cannot start libcurl", {}};
    std::string url = sink.url;
    if (sink.format == WebhookFormat::kDiscord && url.find("wait=true") == std::string::npos)
        url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("wait=true");
    std::unique_ptr<curl_slist, SlistFree> headers;
    curl_slist* list = nullptr;
    for (const auto& h : r.headers) list = curl_slist_append(list, h.c_str());
    headers.reset(list);
    std::string response;
    common_options(c.get(), sink);
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c.get(), CURLOPT_POST, 1L);
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, r.body.c_str());
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &response);
    bool headers_ended = false;
    curl_easy_setopt(c.get(), CURLOPT_HEADERFUNCTION, header_line);
    curl_easy_setopt(c.get(), CURLOPT_HEADERDATA, &headers_ended);
    CURLcode code = curl_easy_perform(c.get());
    long status = 0;
    curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
    if (code != CURLE_OK)
        return {false, fmt::format("webhook {}: {}", sink.name, curl_easy_strerror(code)), {}};
    if (status == 429 || status == 503) {
        curl_off_t wait = 0;
        curl_easy_getinfo(c.get(), CURLINFO_RETRY_AFTER, &wait);
        std::optional<int64_t> after;
        if (wait > 0) after = static_cast<int64_t>(wait) * 1000;
        return {false, fmt::format("webhook {}: HTTP {}", sink.name, status), after};
    }
    if (status < 200 || status > 299)
        return {false, fmt::format("webhook {}: HTTP {}", sink.name, status), {}};
    if (!headers_ended)
        return {
            false, fmt::format("webhook {}: the response ended inside its headers", sink.name), {}};
    if (sink.format == WebhookFormat::kSlack && response != "ok")
        return {false, fmt::format("webhook {}: Slack answered without ok", sink.name), {}};
    return {true, "", {}};
}

SendResult send_email(const SinkConfig& sink, const Message& m, const std::vector<Event>& events,
                      size_t max_items, int64_t now) {
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    Rendered r = render_email(sink, m, events, max_items, now, host);
    std::unique_ptr<CURL, CurlFree> c(curl_easy_init());
    if (!c) return {false, "cannot start libcurl", {}};
    std::unique_ptr<curl_slist, SlistFree> rcpt;
    curl_slist* list = nullptr;
    for (const auto& a : sink.to) list = curl_slist_append(list, ("<" + a + ">").c_str());
    rcpt.reset(list);
    Upload up{&r.body};
    common_options(c.get(), sink);
    curl_easy_setopt(c.get(), CURLOPT_URL, sink.smtp_url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c.get(), CURLOPT_MAIL_FROM, ("<" + sink.from + ">").c_str());
    curl_easy_setopt(c.get(), CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(c.get(), CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c.get(), CURLOPT_READFUNCTION, feed);
    curl_easy_setopt(c.get(), CURLOPT_READDATA, &up);
    curl_easy_setopt(c.get(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    if (sink.smtp_url.starts_with("smtp://"))
        curl_easy_setopt(c.get(), CURLOPT_USE_SSL,
                         static_cast<long>(sink.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
    if (!sink.username.empty()) {
        curl_easy_setopt(c.get(), CURLOPT_USERNAME, sink.username.c_str());
        curl_easy_setopt(c.get(), CURLOPT_PASSWORD, sink.password.c_str());
    }
    CURLcode code = curl_easy_perform(c.get());
    if (code != CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
        return {false,
                fmt::format("email {}: {} (SMTP {})", sink.name, curl_easy_strerror(code), status),
                {}};
    }
    return {true, "", {}};
}

// host:port with a literal address ("127.0.0.1:514", "[::1]:514").
bool socket_address(const std::string& text, sockaddr_storage& out, socklen_t& len) {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    std::string host = text.substr(0, colon), port_text = text.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    char* end = nullptr;
    long port = std::strtol(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end || port < 1 || port > 65535) return false;
    std::memset(&out, 0, sizeof out);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<uint16_t>(port));
        len = sizeof *v4;
        return true;
    }
    if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<uint16_t>(port));
        len = sizeof *v6;
        return true;
    }
    return false;
}

bool connect_within(int fd, const sockaddr* a, socklen_t len, int64_t timeout_ms) {
    int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = ::connect(fd, a, len);
    if (rc != 0 && errno != EINPROGRESS) return false;
    if (rc != 0) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, static_cast<int>(timeout_ms)) != 1) return false;
        int err = 0;
        socklen_t el = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            errno = err;
            return false;
        }
    }
    ::fcntl(fd, F_SETFL, flags);
    return true;
}

bool write_all(int fd, const std::string& data) {
    size_t at = 0;
    while (at < data.size()) {
        ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        at += static_cast<size_t>(n);
    }
    return true;
}

SendResult send_syslog(const SinkConfig& sink, const std::vector<Event>& events) {
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    Rendered r = render_syslog(sink, events, host, static_cast<int>(::getpid()));
    sockaddr_storage addr{};
    socklen_t len = 0;
    int type = sink.transport == SyslogTransport::kTcp ? SOCK_STREAM : SOCK_DGRAM;
    if (sink.transport == SyslogTransport::kUnix) {
        auto* un = reinterpret_cast<sockaddr_un*>(&addr);
        if (sink.address.size() >= sizeof un->sun_path)
            return {false, fmt::format("syslog {}: socket path too long", sink.name), {}};
        un->sun_family = AF_UNIX;
        std::memcpy(un->sun_path, sink.address.c_str(), sink.address.size() + 1);
        len = sizeof *un;
    } else if (!socket_address(sink.address, addr, len)) {
        return {false, fmt::format("syslog {}: address is not ip:port", sink.name), {}};
    }
    net::UniqueFd fd(::socket(addr.ss_family, type | SOCK_CLOEXEC, 0));
    if (fd.get() < 0)
        return {false, fmt::format("syslog {}: {}", sink.name, std::strerror(errno)), {}};
    timeval tv{static_cast<time_t>(sink.timeout_ms / 1000),
               static_cast<suseconds_t>((sink.timeout_ms % 1000) * 1000)};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (!connect_within(fd.get(), reinterpret_cast<sockaddr*>(&addr), len, sink.timeout_ms))
        return {false,
                fmt::format("syslog {}: cannot connect: {}", sink.name, std::strerror(errno)),
                {}};
    for (std::string line : r.lines) {
        if (type == SOCK_DGRAM && line.size() > kMaxSyslogUdp) line.resize(kMaxSyslogUdp);
        // TCP: octet-counting framing (RFC 6587 section 3.4.1)
        std::string frame = type == SOCK_STREAM ? fmt::format("{} {}", line.size(), line) : line;
        if (!write_all(fd.get(), frame))
            return {false,
                    fmt::format("syslog {}: write failed: {}", sink.name, std::strerror(errno)),
                    {}};
    }
    return {true, "", {}};
}

SendResult send_file(const SinkConfig& sink, const Message& m, const std::vector<Event>& events) {
    Rendered r = render_file(m, events);
    net::UniqueFd fd(::open(sink.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0)
        return {
            false, fmt::format("file {}: cannot open: {}", sink.name, std::strerror(errno)), {}};
    size_t at = 0;
    while (at < r.body.size()) {
        ssize_t n = ::write(fd.get(), r.body.data() + at, r.body.size() - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            return {false,
                    fmt::format("file {}: write failed: {}", sink.name, std::strerror(errno)),
                    {}};
        at += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0)
        return {
            false, fmt::format("file {}: fsync failed: {}", sink.name, std::strerror(errno)), {}};
    return {true, "", {}};
}

}  // namespace

void init_senders() { curl_global_init(CURL_GLOBAL_DEFAULT); }

SendResult send_message(const SinkConfig& sink, const Message& m, const std::vector<Event>& events,
                        size_t max_items, int64_t now) {
    if (events.empty()) return {false, "the message's events are not in the store", {}};
    switch (sink.type) {
        case SinkType::kWebhook:
            return send_webhook(sink, m, events, max_items);
        case SinkType::kEmail:
            return send_email(sink, m, events, max_items, now);
        case SinkType::kSyslog:
            return send_syslog(sink, events);
        case SinkType::kFile:
            return send_file(sink, m, events);
    }
    return {false, "unknown sink type", {}};
}

}  // namespace sl::monitor
