// The JSON API behind `searchlight serve` (docs/api.md): the checks every request meets first
// (the Host header against the names served, the bearer token on /api, security headers on
// every answer) and the read endpoints over the store: search, findings, hosts, scans, events,
// the monitor's status, and /healthz. Errors are JSON with a message (and the query's column).
// Stored values are returned as JSON strings: the UI renders them as text.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "monitor/config.h"
#include "store/store.h"

namespace sl::api {

struct ApiOptions {
    std::string db_path;
    std::string token;
    std::set<std::string> hosts;  // Host header values served ("127.0.0.1:8470", ...)
    bool tls = false;             // the session cookie is Secure, origins are https://
    // The monitor's configuration, when given: /api/monitor then shows every scope's schedule,
    // next cycle and whether it is overdue (without it, only what the store holds).
    std::shared_ptr<const monitor::MonitorConfig> monitor_config;
};

// The Host values a server listening on address:port answers to: the address itself, and for
// loopback also localhost and the other loopback spelling.
std::set<std::string> served_hosts(const IpAddr& address, uint16_t port);

class Api {
  public:
    explicit Api(ApiOptions o) : options_(std::move(o)) {}
    Response handle(const Request& r);

  private:
    // Who is asking: the bearer token, or a session cookie that the token opened.
    enum class Caller { kNobody, kToken, kSession };
    Caller caller(const Request& r);
    // A state change from a browser must come from a page of ours (CSRF): an Origin header, when
    // present, must name a host served; a session (cookie) must send one.
    bool origin_allowed(const Request& r, Caller c) const;
    Response route(const Request& r, Caller c);
    Response asset(const Request& r) const;
    Response open_session(const Request& r);
    Response close_session(const Request& r);
    Response change_finding(const Request& r, const std::string& ref);
    Response change_findings(const Request& r);
    Response search(const Request& r, bool findings);
    Response host(const Request& r, const std::string& ip);
    Response finding(const std::string& ref);
    Response scans(const Request& r);
    Response events(const Request& r);
    Response monitor(const Request& r);
    Response stats(const Request& r);
    Response diff(const Request& r);

    // Read-only connections, kept for reuse (each request takes one, then gives it back).
    class Lease;
    Result<store::Store> take();
    void give(store::Store s);
    template <class F>
    Response reading(F&& answer);

    ApiOptions options_;
    std::mutex mu_;
    std::vector<store::Store> idle_;
    std::map<std::string, int64_t> sessions_;  // cookie value -> expiry (Unix ms)
};

}  // namespace sl::api
