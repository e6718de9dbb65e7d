#include "store/prepare.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/clock.h"
#include "core/record.h"
#include "store/content_hash.h"
#include "store/fingerprint.h"
#include "store/text_index.h"

namespace sl::store {

namespace {

SqlValue optional_text(const Json& j, std::string_view dotted) {
    const Json* v = find_dotted(j, dotted);
    if (!v || !v->is_string()) return std::monostate{};
    return v->get<std::string>();
}

void hash_content(ContentHasher& h, const Json& v) {
    if (v.is_object()) {
        h.begin_object();
        for (auto it = v.begin(); it != v.end(); ++it)
            if (h.enter(it.key())) {
                hash_content(h, it.value());
                h.leave();
            }
        h.end_object();
    } else if (v.is_array()) {
        h.begin_array();
        for (const auto& e : v) hash_content(h, e);
        h.end_array();
    } else if (v.is_string()) {
        h.string(v.get_ref<const std::string&>());
    } else if (v.is_number_integer()) {
        h.integer(v.get<int64_t>());
    } else if (v.is_number_float()) {
        h.real(v.get<double>());
    } else {
        h.literal(v.dump());  // true, false, null
    }
}

// The state columns; the record is stored without its envelope (type, scan_id).
ServiceColumns columns_of(Json& r) {
    r.erase("type");
    r.erase("scan_id");
    const Json* tls = find_dotted(r, "tls");
    return {text_of(r, "protocol", "unknown"),
            to_string(access_from_name(text_of(r, "access", "unknown"))),
            r.dump(),
            optional_text(r, "product"),
            optional_text(r, "version"),
            optional_text(r, "tls_cert.sha256"),
            tls && tls->is_boolean() && tls->get<bool>()};
}

}  // namespace

std::string text_of(const Json& j, const char* key, const char* fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
}

PreparedFinding prepare_finding(const Json& f) {
    auto evidence = f.find("evidence");
    return {text_of(f, "rule"),
            text_of(f, "category", "info"),
            text_of(f, "severity", "info"),
            text_of(f, "title"),
            evidence != f.end() ? evidence->dump() : std::string("{}"),
            text_of(f, "remediation")};
}

std::string ip_key(const IpAddr& a) {
    std::string k(17, '\0');
    k[0] = a.family == Family::kV4 ? 4 : 6;
    for (int i = 0; i < 16; ++i)
        k[static_cast<size_t>(16 - i)] = static_cast<char>((a.value >> (8 * i)) & 0xff);
    return k;
}

IpAddr ip_from_key(const std::string& key) {
    IpAddr a;
    a.family = !key.empty() && key[0] == 6 ? Family::kV6 : Family::kV4;
    for (size_t i = 1; i < key.size() && i < 17; ++i)
        a.value = (a.value << 8) | static_cast<unsigned char>(key[i]);
    return a;
}

Result<ServiceKey> key_of(const Json& r) {
    auto ip = parse_ip(text_of(r, "ip"));
    if (!ip) return make_error(fmt::format("record without a valid ip: {}", ip.error().message));
    auto p = r.find("port");
    int64_t port = p != r.end() && p->is_number_integer() ? p->get<int64_t>() : 0;
    if (port < 0 || port > 65535) return make_error(fmt::format("record with port {}", port));
    return ServiceKey{ip_key(*ip), port, text_of(r, "transport", "tcp")};
}

std::optional<int64_t> parse_rfc3339_ms(const std::string& t) {
    auto seconds = parse_rfc3339(t);
    if (!seconds) return std::nullopt;
    int64_t ms = 0;
    if (auto dot = t.find('.'); dot != std::string::npos) {
        int digits = 0;
        for (size_t i = dot + 1; i < t.size() && digits < 3 && t[i] >= '0' && t[i] <= '9';
             ++i, ++digits)
            ms = ms * 10 + (t[i] - '0');
        while (digits++ < 3) ms *= 10;
    }
    return *seconds * 1000 + ms;
}

int64_t record_ms(const Json& r) {
    auto it = r.find("time");
    if (it == r.end() || !it->is_string()) return unix_ms();
    return parse_rfc3339_ms(it->get_ref<const std::string&>()).value_or(unix_ms());
}

int64_t content_hash(const Json& record) {
    ContentHasher h;
    hash_content(h, record);
    return h.value();
}

std::string volatile_patch(const Json& r) {
    Json patch = Json::object();
    for (std::string_view path : kVolatileFields) {
        if (path == "type" || path == "scan_id") continue;
        const Json* v = find_dotted(r, path);
        auto dot = path.find('.');
        if (dot == std::string_view::npos) {
            patch[std::string(path)] = v ? *v : Json(nullptr);
            continue;
        }
        auto parent = r.find(std::string(path.substr(0, dot)));
        if (parent == r.end() || !parent->is_object()) continue;  // none to patch or remove
        patch[parent.key()][std::string(path.substr(dot + 1))] = v ? *v : Json(nullptr);
    }
    return patch.dump();
}

int64_t text_hash(std::string_view text) {
    uint64_t h = kFnvBasis;  // FNV-1a
    for (unsigned char ch : text) h = (h ^ ch) * kFnvPrime;
    return static_cast<int64_t>(h >> 1);
}

Result<PreparedUnit> prepare_service(Json service) {
    auto key = key_of(service);
    if (!key) return key.error();
    PreparedUnit p;
    p.key = std::move(*key);
    p.ip = ip_from_key(p.key.ip_key).to_string();
    p.at = record_ms(service);
    p.status_ok = text_of(service, "status", "ok") == "ok";
    p.content_hash = content_hash(service);
    p.volatile_patch = volatile_patch(service);
    p.columns = columns_of(service);
    p.state = state_canonical(service);
    p.text = searchable_text(service);
    return p;
}

void finish_unit(PreparedUnit& p) {
    p.rules.clear();
    for (const auto& f : p.findings) p.rules.push_back(f.rule);
    std::sort(p.rules.begin(), p.rules.end());
    p.rules.erase(std::unique(p.rules.begin(), p.rules.end()), p.rules.end());
    p.fingerprint = state_fingerprint(p.state, p.rules);
}

Result<PreparedUnit> complete_unit(const PreparedUnit& lazy) {
    Json r = Json::parse(lazy.source, nullptr, false);
    if (r.is_discarded() || !r.is_object())
        return make_error("a service record that parsed once no longer does");
    PreparedUnit p = lazy;
    p.source.clear();
    p.columns.record = columns_of(r).record;
    p.text = searchable_text(r);
    return p;
}

Result<PreparedUnit> prepare_unit(const ServiceUnit& u) {
    auto p = prepare_service(u.service);
    if (!p) return p.error();
    for (const auto& f : u.findings) p->findings.push_back(prepare_finding(f));
    finish_unit(*p);
    return p;
}

}  // namespace sl::store
