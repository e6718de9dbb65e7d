#include "store/line_prepare.h"

#include <array>

#include "core/clock.h"
#include "core/ip.h"
#include "core/record.h"
#include "store/content_hash.h"
#include "store/fingerprint.h"

// GCC 12 at -O2 sees a null tape in simdjson's inlined array iterators, which a parsed element
// never has: a false positive, silenced for this file only.
#pragma GCC diagnostic ignored "-Wnull-dereference"

namespace sl::store {

namespace {

namespace dom = simdjson::dom;

constexpr size_t kMaxDepth = 64;  // deeper lines take the slow path
constexpr size_t kMaxKeys = 64;   // so is an object with more keys (the duplicate check)

std::optional<dom::element> field(dom::element v, std::string_view key) {
    dom::object o;
    dom::element e;
    if (v.get_object().get(o) || o.at_key(key).get(e)) return std::nullopt;
    return e;
}

std::optional<dom::element> dotted(dom::element v, std::string_view path) {
    std::optional<dom::element> at = v;
    while (at) {
        auto dot = path.find('.');
        at = field(*at, path.substr(0, dot));
        if (dot == std::string_view::npos) return at;
        path.remove_prefix(dot + 1);
    }
    return at;
}

// text_of(): a string field, or the fallback when it is missing or not a string.
std::string text(dom::element v, std::string_view key, std::string_view fallback = "") {
    std::string_view s;
    if (auto e = field(v, key); e && !e->get_string().get(s)) return std::string(s);
    return std::string(fallback);
}

// False when an object repeats a key (nlohmann keeps one of them) or has too many to check.
bool unique_keys(dom::object o) {
    std::array<std::string_view, kMaxKeys> seen;
    size_t n = 0;
    for (auto f : o) {
        if (n == kMaxKeys) return false;
        for (size_t i = 0; i < n; ++i)
            if (seen[i] == f.key) return false;
        seen[n++] = f.key;
    }
    return true;
}

// The element as nlohmann's parser would have made it, or nothing (a duplicate key).
std::optional<Json> to_json(dom::element v) {
    switch (v.type()) {
        case dom::element_type::OBJECT: {
            dom::object o = v.get_object().value_unsafe();
            if (!unique_keys(o)) return std::nullopt;
            Json out = Json::object();
            for (auto f : o) {
                auto value = to_json(f.value);
                if (!value) return std::nullopt;
                out[std::string(f.key)] = std::move(*value);
            }
            return out;
        }
        case dom::element_type::ARRAY: {
            Json out = Json::array();
            dom::array a = v.get_array().value_unsafe();
            for (auto e : a) {
                auto value = to_json(e);
                if (!value) return std::nullopt;
                out.push_back(std::move(*value));
            }
            return out;
        }
        case dom::element_type::STRING:
            return Json(std::string(v.get_string().value_unsafe()));
        case dom::element_type::INT64:
            return Json(v.get_int64().value_unsafe());
        case dom::element_type::UINT64:
            return Json(v.get_uint64().value_unsafe());
        case dom::element_type::DOUBLE:
            return Json(v.get_double().value_unsafe());
        case dom::element_type::BOOL:
            return Json(v.get_bool().value_unsafe());
        case dom::element_type::NULL_VALUE:
            return Json(nullptr);
    }
    return std::nullopt;
}

// hash_content() in prepare.cpp, over the DOM; false on a duplicate key.
bool hash_content(ContentHasher& h, dom::element v) {
    switch (v.type()) {
        case dom::element_type::OBJECT: {
            dom::object o = v.get_object().value_unsafe();
            if (!unique_keys(o)) return false;
            h.begin_object();
            for (auto f : o)
                if (h.enter(f.key)) {
                    if (!hash_content(h, f.value)) return false;
                    h.leave();
                }
            h.end_object();
            return true;
        }
        case dom::element_type::ARRAY: {
            dom::array a = v.get_array().value_unsafe();
            h.begin_array();
            for (auto e : a)
                if (!hash_content(h, e)) return false;
            h.end_array();
            return true;
        }
        case dom::element_type::STRING:
            h.string(v.get_string().value_unsafe());
            return true;
        case dom::element_type::INT64:
            h.integer(v.get_int64().value_unsafe());
            return true;
        case dom::element_type::UINT64:
            h.integer(static_cast<int64_t>(v.get_uint64().value_unsafe()));
            return true;
        case dom::element_type::DOUBLE:
            h.real(v.get_double().value_unsafe());
            return true;
        case dom::element_type::BOOL:
            h.literal(v.get_bool().value_unsafe() ? "true" : "false");
            return true;
        case dom::element_type::NULL_VALUE:
            h.literal("null");
            return true;
    }
    return false;
}

// volatile_patch() in prepare.cpp, over the DOM.
std::optional<std::string> volatile_patch(dom::element r) {
    Json patch = Json::object();
    for (std::string_view path : kVolatileFields) {
        if (path == "type" || path == "scan_id") continue;
        auto dot = path.find('.');
        if (dot != std::string_view::npos) {
            auto parent = field(r, path.substr(0, dot));
            if (!parent || !parent->is_object()) continue;  // none to patch or remove
        }
        Json value = nullptr;
        if (auto v = dotted(r, path)) {
            auto j = to_json(*v);
            if (!j) return std::nullopt;
            value = std::move(*j);
        }
        if (dot == std::string_view::npos)
            patch[std::string(path)] = std::move(value);
        else
            patch[std::string(path.substr(0, dot))][std::string(path.substr(dot + 1))] =
                std::move(value);
    }
    return patch.dump();
}

// state_canonical() in fingerprint.cpp, over the DOM.
std::optional<std::string> state_canonical(dom::element r) {
    std::string canonical = "service-state/1";
    for (auto path : kStateFields) {
        canonical += '\x1f';
        auto v = dotted(r, path);
        if (!v || v->is_null()) continue;
        std::string_view s;
        if (!v->get_string().get(s)) {
            canonical += 's';
            canonical += s;
            continue;
        }
        auto j = to_json(*v);
        if (!j) return std::nullopt;
        canonical += 'j';
        canonical += j->dump();
    }
    return canonical;
}

// key_of() in prepare.cpp: the service the record is of, when its ip and port are valid.
std::optional<ServiceKey> key_of(dom::element r) {
    auto ip = parse_ip(text(r, "ip"));
    auto port = field(r, "port");
    if (!ip || !port) return std::nullopt;
    int64_t n = 0;
    if (port->get_int64().get(n) || n < 0 || n > 65535) return std::nullopt;
    return ServiceKey{ip_key(*ip), n, text(r, "transport", "tcp")};
}

SqlValue optional_text(dom::element r, std::string_view path) {
    std::string_view s;
    if (auto v = dotted(r, path); v && !v->get_string().get(s)) return std::string(s);
    return std::monostate{};
}

// prepare_service() in prepare.cpp, but for the record and its text (complete_unit()).
std::optional<PreparedUnit> prepare_service(dom::element r, ServiceKey key,
                                            const std::string& time) {
    PreparedUnit p;
    p.key = std::move(key);
    p.ip = ip_from_key(p.key.ip_key).to_string();
    p.at = parse_rfc3339_ms(time).value_or(unix_ms());
    p.status_ok = text(r, "status", "ok") == "ok";
    ContentHasher h;
    if (!hash_content(h, r)) return std::nullopt;
    p.content_hash = h.value();
    auto patch = volatile_patch(r);
    auto state = state_canonical(r);
    if (!patch || !state) return std::nullopt;
    p.volatile_patch = std::move(*patch);
    p.state = std::move(*state);
    auto tls = dotted(r, "tls");
    p.columns = {text(r, "protocol", "unknown"),
                 to_string(access_from_name(text(r, "access", "unknown"))),
                 "",
                 optional_text(r, "product"),
                 optional_text(r, "version"),
                 optional_text(r, "tls_cert.sha256"),
                 tls && tls->is_bool() && tls->get_bool().value_unsafe()};
    return p;
}

// prepare_finding() in prepare.cpp.
std::optional<PreparedFinding> prepare_finding(dom::element f) {
    std::string evidence = "{}";
    if (auto e = field(f, "evidence")) {
        auto j = to_json(*e);
        if (!j) return std::nullopt;
        evidence = j->dump();
    }
    return PreparedFinding{
        text(f, "rule"),  text(f, "category", "info"), text(f, "severity", "info"),
        text(f, "title"), std::move(evidence),         text(f, "remediation")};
}

}  // namespace

LinePreparer::LinePreparer() {
    // Grows to a longer line's size when it must; the caller bounds the lines. Should this
    // allocation fail, every parse fails, and every line takes the slow path.
    if (parser_.allocate(1 << 16, kMaxDepth) != simdjson::SUCCESS) return;
}

std::optional<PreparedLine> LinePreparer::prepare(const std::string& line) {
    dom::element r;
    dom::object top;
    if (parser_.parse(line).get(r) || r.get_object().get(top) || !unique_keys(top))
        return std::nullopt;
    PreparedLine out;
    std::string type = text(r, "type");
    out.scan_id = text(r, "scan_id");
    if (out.scan_id.empty() || (type != "service" && type != "finding")) return std::nullopt;
    auto key = key_of(r);
    if (!key) return std::nullopt;
    std::string time = text(r, "time");
    out.time_s = parse_rfc3339(time);
    if (type == "finding") {
        auto finding = prepare_finding(r);
        if (!finding) return std::nullopt;
        out.kind = PreparedLine::Kind::kFinding;
        out.key = std::move(*key);
        out.finding = std::move(*finding);
        return out;
    }
    auto unit = prepare_service(r, std::move(*key), time);
    if (!unit) return std::nullopt;
    out.unit = std::move(*unit);
    out.unit.source = line;
    return out;
}

namespace {

std::string unit_disagreement(const PreparedUnit& fast, const PreparedUnit& slow, bool timed) {
    const ServiceColumns &f = fast.columns, &s = slow.columns;
    std::pair<const char*, bool> checks[] = {
        {"key", fast.key == slow.key},
        {"ip", fast.ip == slow.ip},
        {"time", fast.at == slow.at || !timed},  // without a time, each took its own now
        {"status", fast.status_ok == slow.status_ok},
        {"content hash", fast.content_hash == slow.content_hash},
        {"volatile patch", fast.volatile_patch == slow.volatile_patch},
        {"state", fast.state == slow.state},
        {"text", fast.text == slow.text},
        {"columns", f.protocol == s.protocol && f.access == s.access && f.record == s.record &&
                        f.product == s.product && f.version == s.version && f.cert == s.cert &&
                        f.tls == s.tls}};
    for (auto [what, same] : checks)
        if (!same) return what;
    return "";
}

bool same_finding(const PreparedFinding& a, const PreparedFinding& b) {
    return a.rule == b.rule && a.category == b.category && a.severity == b.severity &&
           a.title == b.title && a.evidence == b.evidence && a.remediation == b.remediation;
}

}  // namespace

std::string fast_path_disagreement(LinePreparer& fast, const std::string& line) {
    auto got = fast.prepare(line);
    if (!got) return "";
    Json r = Json::parse(line, nullptr, false);
    if (r.is_discarded() || !r.is_object()) return "the slow path does not parse it";
    auto key = key_of(r);
    auto port = r.find("port");
    if (!key || port == r.end() || !port->is_number_integer() || text_of(r, "scan_id").empty())
        return "the slow path refuses it";
    if (got->scan_id != text_of(r, "scan_id")) return "scan id";
    if (got->time_s != parse_rfc3339(text_of(r, "time"))) return "time";
    std::string type = text_of(r, "type");
    if (got->kind == PreparedLine::Kind::kFinding) {
        if (type != "finding") return "type";
        if (got->key != *key) return "key";
        return same_finding(got->finding, sl::store::prepare_finding(r)) ? "" : "finding";
    }
    if (type != "service") return "type";
    auto slow = sl::store::prepare_service(r);
    auto completed = complete_unit(got->unit);
    if (!slow || !completed) return "the slow path refuses it";
    bool timed = parse_rfc3339_ms(text_of(r, "time")).has_value();
    return unit_disagreement(*completed, *slow, timed);
}

}  // namespace sl::store
