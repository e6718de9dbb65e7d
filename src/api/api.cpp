#include "api/api.h"

#include <fmt/format.h>

#include <charconv>

#include "api/assets.h"
#include "api/token.h"
#include "core/clock.h"
#include "core/duration.h"
#include "monitor/status.h"
#include "store/page_cursor.h"
#include "store/reports.h"
#include "store/search.h"

namespace sl::api {

namespace {

using Json = nlohmann::ordered_json;

constexpr size_t kIdleConnections = 8;
constexpr size_t kDefaultLimit = 50;
constexpr int64_t kSessionMs = 12 * 3'600'000;
constexpr size_t kMaxSessions = 1000;
constexpr const char* kCookie = "sl_session";
constexpr size_t kMaxBulk = 500;
constexpr int64_t kMaxSpanCount = 9'999;  // since=9999d at most
constexpr int64_t kCountUpTo = 10'000;    // a page counts this many matches (total=exact: all)

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

std::string dump(const Json& body) {
    return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Response json(int status, const Json& body) { return {status, "application/json", dump(body), {}}; }

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

// The value of one cookie in a Cookie header ("a=1; sl_session=abc").
std::string cookie(const Request& r, const std::string& name) {
    auto h = r.header("cookie");
    if (!h) return "";
    size_t i = 0;
    while (i < h->size()) {
        while (i < h->size() && (*h)[i] == ' ') ++i;
        size_t end = h->find(';', i);
        if (end == std::string::npos) end = h->size();
        std::string pair = h->substr(i, end - i);
        size_t eq = pair.find('=');
        if (eq != std::string::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
        i = end + 1;
    }
    return "";
}

Result<Json> json_body(const Request& r) {
    Json j = Json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return make_error("the body must be a JSON object");
    return j;
}

std::string text_field(const Json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::set<std::string> served_hosts(const IpAddr& address, uint16_t port) {
    std::set<std::string> out;
    std::string p = std::to_string(port);
    std::string a = address.to_string();
    out.insert(address.family == Family::kV6 ? "[" + a + "]:" + p : a + ":" + p);
    if (is_loopback(address)) {
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
    s.db().reset_statements();  // a page that stopped at its limit left its statement mid-row
    std::lock_guard lock(mu_);
    if (idle_.size() < kIdleConnections) idle_.push_back(std::move(s));
}

// Runs `answer` on a pooled read-only connection: a 503 when the store cannot be opened, a 500
// (with the store's message) when the read fails.
template <class F>
Response Api::reading(F&& answer) {
    auto db = take();
    if (!db) return error(503, db.error().message);
    Lease lease(*this, std::move(*db));
    Result<Json> body = answer((*lease).db());
    if (!body) return error(500, body.error().message);
    return json(200, *body);
}

Response Api::handle(const Request& r) {
    Response out;
    auto host = r.header("host");
    if (!host || !options_.hosts.count(*host)) {
        // DNS rebinding reaches loopback with a foreign name: answer only to the names served
        out = error(421, "this server does not answer to that Host");
    } else if (r.path == "/healthz") {
        out = r.method == "GET" ? json(200, {{"status", "ok"}}) : error(405, "GET only");
    } else if (r.path == "/api/session" && r.method == "POST") {
        out = origin_allowed(r, Caller::kSession) ? open_session(r)
                                                  : error(403, "a request from another site");
    } else if (r.path.rfind("/api/", 0) == 0 || r.path == "/api") {
        Caller c = caller(r);
        if (c == Caller::kNobody) {
            out = error(401, "a bearer token is required (Authorization: Bearer <token>)");
            out.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"searchlight\"");
        } else if (r.method != "GET" && !origin_allowed(r, c)) {
            out = error(403, "a state change from another site (Origin) is refused");
        } else {
            out = route(r, c);
        }
    } else {
        out = asset(r);
    }
    for (const auto& h : kSecurityHeaders) out.headers.push_back(h);
    return out;
}

// The UI's files, compiled in (assets.h); "/" is index.html. Needs no token: it holds no data.
Response Api::asset(const Request& r) const {
    std::string path = r.path == "/" ? "/index.html" : r.path;
    for (const auto& a : assets())
        if (a.path == path) {
            if (r.method != "GET") return error(405, "GET only");
            return {200, std::string(a.content_type), std::string(a.body), {}};
        }
    return error(404, "not found");
}

Api::Caller Api::caller(const Request& r) {
    if (token_matches(options_.token, bearer(r))) return Caller::kToken;
    std::string id = cookie(r, kCookie);
    if (id.empty()) return Caller::kNobody;
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return Caller::kNobody;
    if (it->second < unix_ms()) {
        sessions_.erase(it);
        return Caller::kNobody;
    }
    return Caller::kSession;
}

bool Api::origin_allowed(const Request& r, Caller c) const {
    auto origin = r.header("origin");
    if (!origin) return c == Caller::kToken;  // a script with the token, not a browser page
    std::string scheme = options_.tls ? "https://" : "http://";
    for (const auto& h : options_.hosts)
        if (*origin == scheme + h) return true;
    return false;
}

Response Api::open_session(const Request& r) {
    auto body = json_body(r);
    if (!body) return error(400, body.error().message);
    if (!token_matches(options_.token, text_field(*body, "token")))
        return error(401, "that is not the token");
    auto id = fresh_secret();
    if (!id) return error(500, id.error().message);
    int64_t now = unix_ms();
    {
        std::lock_guard lock(mu_);
        for (auto it = sessions_.begin(); it != sessions_.end();)
            it = it->second < now ? sessions_.erase(it) : std::next(it);
        if (sessions_.size() >= kMaxSessions) sessions_.erase(sessions_.begin());
        sessions_[*id] = now + kSessionMs;
    }
    Response out = json(200, {{"expires_at", rfc3339_ms(now + kSessionMs)}});
    out.headers.emplace_back(
        "Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kCookie,
                                  *id, kSessionMs / 1000, options_.tls ? "; Secure" : ""));
    return out;
}

Response Api::close_session(const Request& r) {
    {
        std::lock_guard lock(mu_);
        sessions_.erase(cookie(r, kCookie));
    }
    Response out = json(200, {{"closed", true}});
    out.headers.emplace_back("Set-Cookie", fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; "
                                                       "Max-Age=0{}",
                                                       kCookie, options_.tls ? "; Secure" : ""));
    return out;
}

// Several findings at once: {"ids": [...], "action": ...}; each answered on its own.
Response Api::change_findings(const Request& r) {
    auto body = json_body(r);
    if (!body) return error(400, body.error().message);
    auto ids = body->find("ids");
    if (ids == body->end() || !ids->is_array() || ids->empty() || ids->size() > kMaxBulk)
        return error(400, fmt::format("ids must be a list of 1 to {} finding ids", kMaxBulk));
    Json results = Json::array();
    for (const auto& id : *ids) {
        std::string ref = id.is_string()           ? id.get<std::string>()
                          : id.is_number_integer() ? std::to_string(id.get<int64_t>())
                                                   : std::string();
        Request one = r;
        Json single = *body;
        single.erase("ids");
        one.body = single.dump();
        Response answer = change_finding(one, ref);
        Json j = Json::parse(answer.body, nullptr, false);
        results.push_back({{"finding", ref}, {"code", answer.status}, {"answer", j}});
    }
    return json(200, {{"results", results}});
}

Response Api::change_finding(const Request& r, const std::string& ref) {
    auto body = json_body(r);
    if (!body) return error(400, body.error().message);
    std::string action = text_field(*body, "action"), reason = text_field(*body, "reason");
    if (action == "acknowledge") action = "ack";
    if (action != "ack" && action != "accept" && action != "reopen")
        return error(400, "action is acknowledge, accept or reopen");
    if (action == "accept" && reason.empty())
        return error(400, "accept needs a reason: why the risk is accepted");
    std::optional<int64_t> until;
    if (std::string u = text_field(*body, "until"); !u.empty()) {
        auto t = parse_rfc3339(u);
        if (!t) return error(400, "until is a date such as 2027-01-31");
        until = *t * 1000;
    }
    std::string by = text_field(*body, "by");
    if (by.empty()) by = "api";
    if (by.size() > 100 || reason.size() > 1000) return error(400, "by or reason is too long");
    auto db = store::Store::open(options_.db_path, store::OpenMode::kReadWrite);
    if (!db) return error(503, db.error().message);
    auto to = store::change_finding(*db, ref, action, reason, until, by, unix_ms());
    if (!to) {
        bool missing = to.error().message.find("no finding") != std::string::npos;
        return error(missing ? 404 : 409, to.error().message);
    }
    return json(200, {{"finding", ref}, {"status", *to}, {"by", by}});
}

Response Api::route(const Request& r, Caller) {
    if (r.path == "/api/session" && r.method == "DELETE") return close_session(r);
    if (r.method == "POST" && r.path == "/api/findings") return change_findings(r);
    if (r.method == "POST" && r.path.rfind("/api/findings/", 0) == 0)
        return change_finding(r, r.path.substr(14));
    if (r.method != "GET") return error(405, "GET only here");
    if (r.path == "/api/search") return search(r, false);
    if (r.path == "/api/findings") return search(r, true);
    if (r.path == "/api/scans") return scans(r);
    if (r.path == "/api/events") return events(r);
    if (r.path == "/api/monitor") return monitor(r);
    if (r.path == "/api/stats") return stats(r);
    if (r.path == "/api/diff") return diff(r);
    if (r.path.rfind("/api/hosts/", 0) == 0) return host(r, r.path.substr(11));
    if (r.path.rfind("/api/findings/", 0) == 0) return finding(r.path.substr(14));
    return error(404, "no such endpoint");
}

Response Api::search(const Request& r, bool findings) {
    std::string q = r.arg("q").value_or("");
    auto limit = number_arg(r, "limit", kDefaultLimit, store::kMaxPageSize);
    if (!limit) return error(400, limit.error().message);
    store::SearchOptions o;
    o.limit = *limit;
    if (auto c = r.arg("cursor"); c && !c->empty()) {
        auto key = store::decode_cursor(*c);
        if (!key) return error(400, key.error().message);
        o.after = std::move(*key);
    }
    o.now_ms = unix_ms();
    o.count_up_to = r.arg("total").value_or("") == "exact" ? 0 : kCountUpTo;
    o.sort = findings ? store::Sort::kSeverity : store::Sort::kNewest;
    if (auto sort = r.arg("sort"); sort && !sort->empty()) {
        auto s = store::parse_sort(*sort);
        if (!s)
            return error(400,
                         "sort is newest, last_seen, first_seen, oldest, ip, port or severity");
        o.sort = *s;
    }
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
    if (!res) {
        bool cursor = res.error().message.rfind("cursor:", 0) == 0;
        return error(cursor ? 400 : 500, res.error().message);
    }
    // {"total", "total_relation", "rows", "facets", "next_cursor"}, the rows' records placed
    // in as the store gave them (store::rows_text)
    std::string body = dump(
        Json{{"total", res->total}, {"total_relation", res->total_is_lower_bound ? "gte" : "eq"}});
    body.back() = ',';
    body += "\"rows\":" + store::rows_text(*res) + ",";
    Json rest = {
        {"facets", facets_json(res->facets)},
        {"next_cursor", res->next ? Json(store::encode_cursor(*res->next)) : Json(nullptr)}};
    body += dump(rest).substr(1);
    return {200, "application/json", std::move(body), {}};
}

Response Api::host(const Request&, const std::string& ip_text) {
    auto ip = parse_ip(ip_text);
    if (!ip) return error(400, "not an address: " + ip.error().message);
    bool found = true;
    Response out = reading([&](store::Connection& db) -> Result<Json> {
        auto report = store::host_report(db, *ip);
        if (report) found = !(*report)["services"].empty();
        return report;
    });
    return found ? out : error(404, "this address is not in the store");
}

Response Api::finding(const std::string& ref) {
    bool found = true;
    Response out = reading([&](store::Connection& db) -> Result<Json> {
        auto f = store::finding_report(db, ref);
        if (f) found = !f->is_null();
        return f;
    });
    return found ? out : error(404, "no such finding");
}

Response Api::scans(const Request& r) {
    auto limit = number_arg(r, "limit", kDefaultLimit, 1000);
    if (!limit) return error(400, limit.error().message);
    return reading([&](store::Connection& db) -> Result<Json> {
        auto list = store::list_scans(db, *limit);
        if (!list) return list.error();
        return Json{{"scans", *list}};
    });
}

// What changed in the window: counts of each kind of change, and the first `limit` of each.
Response Api::diff(const Request& r) {
    std::string since = r.arg("since").value_or("24h");
    auto span = parse_span_ms(since, kMaxSpanCount);
    if (!span || *span <= 0) return error(400, "since is a span such as 30m, 24h or 7d");
    auto limit = number_arg(r, "limit", kDefaultLimit, store::kMaxPageSize);
    if (!limit) return error(400, limit.error().message);
    int64_t now = unix_ms();
    return reading([&](store::Connection& db) -> Result<Json> {
        auto d = store::diff_states(db, now - *span, now, *limit);
        if (!d) return d.error();
        Json body = {{"from", rfc3339_ms(now - *span)}, {"to", rfc3339_ms(now)}};
        Json counts = Json::object();
        for (const auto& [name, kind] : d->kinds()) {
            counts[name] = kind->count;
            body[name] = kind->listed;
        }
        body["counts"] = counts;
        return body;
    });
}

Response Api::events(const Request& r) {
    auto filter = monitor::parse_event_filter(r.arg("q").value_or(""), unix_ms());
    if (!filter) return error(400, filter.error().message);
    auto limit = number_arg(r, "limit", 100, 10'000);
    if (!limit) return error(400, limit.error().message);
    filter->limit = *limit;
    return reading([&](store::Connection& db) -> Result<Json> {
        auto list = monitor::list_events(db, *filter);
        if (!list) return list.error();
        return Json{{"events", *list}};
    });
}

Response Api::stats(const Request& r) {
    auto days = number_arg(r, "days", 30, 366);
    if (!days || *days == 0) return error(400, "days must be a whole number from 1 to 366");
    return reading([&](store::Connection& db) {
        return monitor::exposure_stats(db, unix_ms(), static_cast<int>(*days));
    });
}

Response Api::monitor(const Request&) {
    return reading([&](store::Connection& db) {
        return monitor::monitor_status(db, options_.monitor_config.get(), unix_ms());
    });
}

}  // namespace sl::api
