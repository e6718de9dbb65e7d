#include "api/api.h"

#include <fmt/format.h>

#include <charconv>

#include "api/token.h"
#include "core/clock.h"
#include "monitor/status.h"
#include "store/reports.h"
#include "store/search.h"

namespace sl::api {

namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kIdleConnections = 8;
constexpr size_t kDefaultLimit = 50;

const std::vector<std::pair<std::string, std::string>> kSecurityHeaders = {
    {"Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
     "frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-store"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"}};

Response json(int status, const Json& body) {
    return {
        status, "application/json", body.dump(-1, ' ', false, Json::error_handler_t::replace), {}};
}

Response error(int status, const std::string& message, int column = 0) {
    Json e = {{"message", message}};
    if (column) e["column"] = column;
    return json(status, {{"error", e}});
}

Result<size_t> number_arg(const Request& r, const char* name, size_t fallback, size_t max) {
    auto v = r.arg(name);
    if (!v) return fallback;
    size_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (v->empty() || ec != std::errc() || end != v->data() + v->size() || n > max)
        return make_error(fmt::format("{} must be a whole number from 0 to {}", name, max));
    return n;
}

Json facets_json(const std::vector<store::Facet>& facets) {
    Json out = Json::array();
    for (const auto& f : facets) {
        Json buckets = Json::array();
        for (const auto& b : f.buckets) buckets.push_back({{"value", b.value}, {"count", b.count}});
        out.push_back({{"key", f.key}, {"buckets", buckets}, {"other", f.other}});
    }
    return out;
}

std::string bearer(const Request& r) {
    auto h = r.header("authorization");
    if (!h || h->size() < 7 || h->compare(0, 7, "Bearer ") != 0) return "";
    return h->substr(7);
}

}  // namespace

std::set<std::string> served_hosts(const IpAddr& address, uint16_t port) {
    std::set<std::string> out;
    std::string p = std::to_string(port);
    std::string a = address.to_string();
    out.insert(address.family == Family::kV6 ? "[" + a + "]:" + p : a + ":" + p);
    bool loopback =
        address.family == Family::kV4 ? (address.value >> 24) == 127 : address.value == 1;
    if (loopback) {
        out.insert("localhost:" + p);
        out.insert("127.0.0.1:" + p);
        out.insert("[::1]:" + p);
    }
    return out;
}

class Api::Lease {
  public:
    Lease(Api& api, store::Store s) : api_(api), store_(std::move(s)) {}
    ~Lease() { api_.give(std::move(store_)); }
    store::Store& operator*() { return store_; }

  private:
    Api& api_;
    store::Store store_;
};

Result<store::Store> Api::take() {
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            store::Store s = std::move(idle_.back());
            idle_.pop_back();
            return s;
        }
    }
    return store::Store::open(options_.db_path, store::OpenMode::kReadOnly);
}

void Api::give(store::Store s) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kIdleConnections) idle_.push_back(std::move(s));
}

Response Api::handle(const Request& r) {
    Response out;
    auto host = r.header("host");
    if (!host || !options_.hosts.count(*host)) {
        // DNS rebinding reaches loopback with a foreign name: answer only to the names served
        out = error(421, "this server does not answer to that Host");
    } else if (r.path == "/healthz") {
        out = r.method == "GET" ? json(200, {{"status", "ok"}}) : error(405, "GET only");
    } else if (r.path.rfind("/api/", 0) == 0 || r.path == "/api") {
        if (!token_matches(options_.token, bearer(r))) {
            out = error(401, "a bearer token is required (Authorization: Bearer <token>)");
            out.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"searchlight\"");
        } else {
            out = route(r);
        }
    } else {
        out = error(404, "not found");
    }
    for (const auto& h : kSecurityHeaders) out.headers.push_back(h);
    return out;
}

Response Api::route(const Request& r) {
    if (r.method != "GET") return error(405, "GET only here");
    if (r.path == "/api/search") return search(r, false);
    if (r.path == "/api/findings") return search(r, true);
    if (r.path == "/api/scans") return scans(r);
    if (r.path == "/api/events") return events(r);
    if (r.path == "/api/monitor") return monitor(r);
    if (r.path.rfind("/api/hosts/", 0) == 0) return host(r, r.path.substr(11));
    return error(404, "no such endpoint");
}

Response Api::search(const Request& r, bool findings) {
    std::string q = r.arg("q").value_or("");
    auto limit = number_arg(r, "limit", kDefaultLimit, store::kMaxPageSize);
    if (!limit) return error(400, limit.error().message);
    auto offset = number_arg(r, "cursor", 0, 1'000'000'000);
    if (!offset) return error(400, "cursor: not one this server gave");
    store::SearchOptions o;
    o.limit = *limit;
    o.offset = *offset;
    o.now_ms = unix_ms();
    o.sort = findings ? store::Sort::kSeverity : store::Sort::kNewest;
    if (auto f = r.arg("facets"); f && !f->empty()) {
        auto specs = store::parse_facets(*f);
        if (!specs) return error(400, "facets: " + specs.error().message);
        o.facets = *specs;
    }
    auto compiled = store::query::compile(
        q, {findings ? store::query::Target::kFindings : store::query::Target::kServices, o.now_ms,
            false});
    if (!compiled.ok) return error(400, compiled.error.message, compiled.error.column);
    auto db = take();
    if (!db) return error(503, db.error().message);
    Lease lease(*this, std::move(*db));
    auto res = findings ? store::search_findings((*lease).db(), compiled.sql, o)
                        : store::search_services((*lease).db(), compiled.sql, o);
    if (!res) return error(500, res.error().message);
    Json body = {{"total", res->total}, {"rows", res->rows}, {"facets", facets_json(res->facets)}};
    size_t next = o.offset + res->rows.size();
    body["next_cursor"] =
        next < static_cast<size_t>(res->total) ? Json(std::to_string(next)) : Json(nullptr);
    return json(200, body);
}

Response Api::host(const Request&, const std::string& ip_text) {
    auto ip = parse_ip(ip_text);
    if (!ip) return error(400, "not an address: " + ip.error().message);
    auto db = take();
    if (!db) return error(503, db.error().message);
    Lease lease(*this, std::move(*db));
    auto report = store::host_report((*lease).db(), *ip);
    if (!report) return error(500, report.error().message);
    if ((*report)["services"].empty()) return error(404, "this address is not in the store");
    return json(200, *report);
}

Response Api::scans(const Request& r) {
    auto limit = number_arg(r, "limit", kDefaultLimit, 1000);
    if (!limit) return error(400, limit.error().message);
    auto db = take();
    if (!db) return error(503, db.error().message);
    Lease lease(*this, std::move(*db));
    auto list = store::list_scans((*lease).db(), *limit);
    if (!list) return error(500, list.error().message);
    return json(200, {{"scans", *list}});
}

Response Api::events(const Request& r) {
    auto filter = monitor::parse_event_filter(r.arg("q").value_or(""), unix_ms());
    if (!filter) return error(400, filter.error().message);
    auto limit = number_arg(r, "limit", 100, 10'000);
    if (!limit) return error(400, limit.error().message);
    filter->limit = *limit;
    auto db = take();
    if (!db) return error(503, db.error().message);
    Lease lease(*this, std::move(*db));
    auto list = monitor::list_events((*lease).db(), *filter);
    if (!list) return error(500, list.error().message);
    return json(200, {{"events", *list}});
}

Response Api::monitor(const Request&) {
    auto db = take();
    if (!db) return error(503, db.error().message);
    Lease lease(*this, std::move(*db));
    auto s = monitor::monitor_status((*lease).db(), nullptr, unix_ms());
    if (!s) return error(500, s.error().message);
    return json(200, *s);
}

}  // namespace sl::api
