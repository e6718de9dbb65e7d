#include "api/http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace sl::api {

namespace {

// What a connection carries between libmicrohttpd's calls for one request.
struct Pending {
    std::string body;
    bool too_large = false;
};

enum MHD_Result collect(void* into, enum MHD_ValueKind, const char* key, const char* value) {
    auto* m = static_cast<std::map<std::string, std::string>*>(into);
    if (!key) return MHD_YES;
    std::string k(key);
    m->emplace(k, value ? value : "");  // the first of a repeated name wins
    return MHD_YES;
}

enum MHD_Result collect_header(void* into, enum MHD_ValueKind kind, const char* key,
                               const char* value) {
    if (!key) return MHD_YES;
    std::string k(key);
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    return collect(into, kind, k.c_str(), value);
}

std::string peer_of(MHD_Connection* c) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr) return "";
    char buf[INET6_ADDRSTRLEN] = {};
    const sockaddr* a = info->client_addr;
    if (a->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a)->sin_addr, buf, sizeof buf);
    else if (a->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr, buf, sizeof buf);
    return buf;
}

enum MHD_Result send(MHD_Connection* c, const Response& r) {
    MHD_Response* resp = MHD_create_response_from_buffer(
        r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
    for (const auto& [k, v] : r.headers) MHD_add_response_header(resp, k.c_str(), v.c_str());
    enum MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(r.status), resp);
    MHD_destroy_response(resp);
    return ok;
}

void completed(void*, MHD_Connection*, void** state, enum MHD_RequestTerminationCode) {
    delete static_cast<Pending*>(*state);
    *state = nullptr;
}

}  // namespace

struct HttpServer::Impl {
    Handler handler;
    size_t max_body = 0;
    MHD_Daemon* daemon = nullptr;

    static enum MHD_Result on_request(void* cls, MHD_Connection* c, const char* url,
                                      const char* method, const char*, const char* upload,
                                      size_t* upload_size, void** state) {
        auto* self = static_cast<Impl*>(cls);
        if (!*state) {  // the headers are in: keep a place for the body
            *state = new Pending();
            return MHD_YES;
        }
        auto* p = static_cast<Pending*>(*state);
        if (*upload_size) {
            if (p->body.size() + *upload_size > self->max_body)
                p->too_large = true;
            else
                p->body.append(upload, *upload_size);
            *upload_size = 0;
            return MHD_YES;
        }
        if (p->too_large)
            return send(c, {413,
                            "application/json",
                            R"({"error":{"message":"the request body is too large"}})",
                            {}});
        Request r;
        r.method = method;
        r.path = url;
        r.body = std::move(p->body);
        r.peer = peer_of(c);
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &r.args);
        MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &r.headers);
        return send(c, self->handler(r));
    }
};

std::optional<std::string> Request::arg(const std::string& k) const {
    auto it = args.find(k);
    return it == args.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::optional<std::string> Request::header(const std::string& k) const {
    auto it = headers.find(k);
    return it == headers.end() ? std::nullopt : std::optional<std::string>(it->second);
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& o, Handler handler) {
    std::unique_ptr<HttpServer> s(new HttpServer());
    s->impl_ = std::make_unique<Impl>();
    s->impl_->handler = std::move(handler);
    s->impl_->max_body = o.max_body_bytes;
    sockaddr_storage addr{};
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    if (o.address.family == Family::kV4) {
        auto* a = reinterpret_cast<sockaddr_in*>(&addr);
        a->sin_family = AF_INET;
        a->sin_port = htons(o.port);
        a->sin_addr.s_addr = htonl(static_cast<uint32_t>(o.address.value));
    } else {
        auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(o.port);
        for (int i = 0; i < 16; ++i)
            a->sin6_addr.s6_addr[i] = static_cast<uint8_t>(o.address.value >> (8 * (15 - i)));
        flags |= MHD_USE_IPv6;
    }
    bool tls = !o.tls_cert_pem.empty();
    if (tls) flags |= MHD_USE_TLS;
    MHD_OptionItem tls_options[] = {{tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0,
                                     const_cast<char*>(o.tls_key_pem.c_str())},
                                    {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
                                     const_cast<char*>(o.tls_cert_pem.c_str())},
                                    {MHD_OPTION_END, 0, nullptr}};
    s->impl_->daemon = MHD_start_daemon(
        flags, o.port, nullptr, nullptr, &Impl::on_request, s->impl_.get(), MHD_OPTION_SOCK_ADDR,
        reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_THREAD_POOL_SIZE, o.threads,
        MHD_OPTION_CONNECTION_LIMIT, o.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        o.max_per_address, MHD_OPTION_CONNECTION_TIMEOUT, o.idle_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, o.max_request_bytes, MHD_OPTION_NOTIFY_COMPLETED,
        &completed, nullptr, MHD_OPTION_ARRAY, tls_options, MHD_OPTION_END);
    if (!s->impl_->daemon)
        return make_error(
            fmt::format("cannot listen on {} port {} (in use, or not an address of "
                        "this machine)",
                        o.address.to_string(), o.port));
    const MHD_DaemonInfo* info = MHD_get_daemon_info(s->impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port_ = info ? info->port : o.port;
    return s;
}

HttpServer::~HttpServer() {
    if (impl_ && impl_->daemon) MHD_stop_daemon(impl_->daemon);
}

}  // namespace sl::api
