// The HTTP server under `searchlight serve`: libmicrohttpd with every limit set explicitly
// (connections in all and per address, idle time, the memory a request may hold, its body),
// a thread pool, and TLS when a certificate is given. It parses nothing by hand: requests arrive
// as method, path, decoded query arguments, headers and a bounded body; the handler returns a
// whole response.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace sl::api {

struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> args;     // decoded query arguments (first of each)
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    std::string peer;  // the client's address
    std::optional<std::string> arg(const std::string& k) const;
    std::optional<std::string> header(const std::string& k) const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
    IpAddr address = IpAddr::v4(0x7f000001);  // 127.0.0.1
    uint16_t port = 0;                        // 0: the kernel picks one
    std::string tls_cert_pem, tls_key_pem;    // both or neither
    unsigned threads = 2;
    unsigned max_connections = 64;
    unsigned max_per_address = 16;
    unsigned idle_timeout_s = 10;          // a client that sends nothing for this long is dropped
    size_t max_request_bytes = 32 * 1024;  // headers and body held per connection
    size_t max_body_bytes = 16 * 1024;
};

class HttpServer {
  public:
    static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& o, Handler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;
    uint16_t port() const { return port_; }
    // Called by libmicrohttpd's threads (public for its C callbacks only).
    struct Impl;

  private:
    HttpServer() = default;
    std::unique_ptr<Impl> impl_;
    uint16_t port_ = 0;
};

}  // namespace sl::api
