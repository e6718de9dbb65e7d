#include "monitor/event.h"

#include <fmt/format.h>

#include "core/clock.h"
#include "store/prepare.h"
#include "store/store.h"

namespace sl::monitor {

namespace {

Json time_or_null(const std::optional<int64_t>& ms) {
    return ms ? Json(rfc3339_ms(*ms)) : Json(nullptr);
}

std::optional<int64_t> time_of(const Json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return store::parse_rfc3339_ms(it->get<std::string>());
}

std::string str(const Json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Json Event::to_json() const {
    Json j;
    j["type"] = "event";
    j["id"] = id;
    j["event"] = event;
    j["time"] = rfc3339_ms(time);
    j["scope"] = scope;
    j["owner"] = owner;
    j["owner_contact"] = owner_contact;
    j["tags"] = tags;
    j["ip"] = ip.empty() ? Json(nullptr) : Json(ip);
    j["port"] = port ? Json(port) : Json(nullptr);
    j["transport"] = transport.empty() ? Json(nullptr) : Json(transport);
    j["protocol"] = protocol.empty() ? Json(nullptr) : Json(protocol);
    j["product"] = product.empty() ? Json(nullptr) : Json(product);
    j["version"] = version.empty() ? Json(nullptr) : Json(version);
    j["access"] = access.empty() ? Json(nullptr) : Json(access);
    j["rule"] = rule.empty() ? Json(nullptr) : Json(rule);
    j["category"] = category.empty() ? Json(nullptr) : Json(category);
    j["severity"] = severity.empty() ? Json(nullptr) : Json(severity);
    j["title"] = title;
    j["evidence"] = evidence;
    j["remediation"] = remediation.empty() ? Json(nullptr) : Json(remediation);
    j["fingerprint"] = fingerprint.empty() ? Json(nullptr) : Json(fingerprint);
    j["first_seen"] = time_or_null(first_seen);
    j["last_seen"] = time_or_null(last_seen);
    j["resolved_at"] = time_or_null(resolved_at);
    j["time_to_detect_s"] = time_to_detect_s ? Json(*time_to_detect_s) : Json(nullptr);
    j["scan_id"] = scan_id.empty() ? Json(nullptr) : Json(scan_id);
    j["changes"] = changes.is_null() ? Json::object() : changes;
    j["honeypot_suspected"] = honeypot;
    j["detail"] = detail.is_null() ? Json::object() : detail;
    return j;
}

Event Event::from_json(const Json& j) {
    Event e;
    e.id = str(j, "id");
    e.event = str(j, "event");
    e.time = time_of(j, "time").value_or(0);
    e.scope = str(j, "scope");
    e.owner = str(j, "owner");
    e.owner_contact = str(j, "owner_contact");
    if (auto t = j.find("tags"); t != j.end() && t->is_array())
        for (const auto& x : *t)
            if (x.is_string()) e.tags.push_back(x.get<std::string>());
    e.ip = str(j, "ip");
    if (auto p = j.find("port"); p != j.end() && p->is_number_integer()) e.port = p->get<int>();
    e.transport = str(j, "transport");
    e.protocol = str(j, "protocol");
    e.product = str(j, "product");
    e.version = str(j, "version");
    e.access = str(j, "access");
    e.rule = str(j, "rule");
    e.category = str(j, "category");
    e.severity = str(j, "severity");
    e.severity_rank = store::severity_rank(e.severity);
    e.title = str(j, "title");
    e.evidence = j.value("evidence", Json(nullptr));
    e.remediation = str(j, "remediation");
    e.fingerprint = str(j, "fingerprint");
    e.first_seen = time_of(j, "first_seen");
    e.last_seen = time_of(j, "last_seen");
    e.resolved_at = time_of(j, "resolved_at");
    if (auto t = j.find("time_to_detect_s"); t != j.end() && t->is_number_integer())
        e.time_to_detect_s = t->get<int64_t>();
    e.scan_id = str(j, "scan_id");
    e.changes = j.value("changes", Json::object());
    e.detail = j.value("detail", Json::object());
    e.honeypot = j.value("honeypot_suspected", false);
    return e;
}

std::string summary_line(const Event& e) {
    std::string where =
        e.ip.empty() ? "" : (e.port ? fmt::format(" {}:{}", e.ip, e.port) : " " + e.ip);
    std::string what = e.rule.empty() ? "" : " " + e.rule;
    std::string sev = e.severity.empty() ? "" : fmt::format(" ({})", e.severity);
    return fmt::format("{}{}{}{} [{}]: {}", e.event, what, sev, where, e.scope, e.title);
}

}  // namespace sl::monitor
