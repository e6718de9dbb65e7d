#include "output/evidence.h"

#include <fmt/format.h>

#include <vector>

#include "core/clock.h"

namespace sl::output {

namespace {

using Json = Record::Json;

std::string text(const Record& r, std::string_view field) {
    const Json* v = r.find(field);
    if (!v) return {};
    if (v->is_string()) return v->get<std::string>();
    if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
    return v->dump();
}

bool flag(const Record& r, std::string_view field) {
    const Json* v = r.find(field);
    return v && v->is_boolean() && v->get<bool>();
}

std::string group_digits(uint64_t n) {
    std::string digits = std::to_string(n);
    for (size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
    return digits;
}

std::string row_noun(const std::string& protocol) {
    if (protocol == "memcached") return "items";
    if (protocol == "redis" || protocol == "etcd") return "keys";
    if (protocol == "elasticsearch" || protocol == "kibana" || protocol == "couchdb" ||
        protocol == "solr")
        return "docs";
    if (protocol == "zookeeper") return "znodes";
    if (protocol == "s3") return "objects";
    if (protocol == "ldap") return "entries";
    return "rows";
}

std::string collection_noun(const std::string& protocol) {
    if (protocol == "elasticsearch" || protocol == "kibana") return "indices";
    if (protocol == "s3") return "buckets";
    if (protocol == "solr") return "cores";
    if (protocol == "jenkins") return "jobs";
    if (protocol == "etcd" || protocol == "zookeeper") return "names";
    if (protocol == "http") return "listed";
    if (protocol == "mysql") return "schemas";
    if (protocol == "ftp") return "entries";
    if (protocol == "rsync") return "modules";
    if (protocol == "grafana") return "dashboards";
    if (protocol == "kubernetes") return "namespaces";
    return "databases";
}

// "3 databases (mail, shop, ...)": the count and the first names of the sample.
std::string collections(const Record& r, const std::string& protocol) {
    if (protocol == "http" && !r.has("http.data_listings")) return {};  // the listing says it
    const Json* n = r.find("data.collections");
    if (!n || !n->is_number() || n->get<uint64_t>() == 0) return {};
    std::string out = group_digits(n->get<uint64_t>()) + " " + collection_noun(protocol);
    const Json* names = r.find("data.names_sample");
    if (!names || !names->is_array() || names->empty()) return out;
    std::string listed;
    for (size_t i = 0; i < names->size() && i < 3; ++i)
        if ((*names)[i].is_string())
            listed += (listed.empty() ? "" : ", ") + (*names)[i].get<std::string>().substr(0, 24);
    return out + " (" + listed + (n->get<uint64_t>() > 3 ? ", ...)" : ")");
}

void add(std::vector<std::string>& parts, std::string part) {
    if (!part.empty()) parts.push_back(std::move(part));
}

}  // namespace

std::string human_bytes(double b) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (b >= 1000 && u < 5) {
        b /= 1000;
        ++u;
    }
    return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.1f} {}", b, units[u]);
}

std::string evidence_summary(const Record& r, int64_t now_ms, size_t max_len) {
    std::vector<std::string> parts;
    std::string product = text(r, "product");
    std::string version = text(r, "version");
    add(parts, version.empty() ? product : product + " " + version);
    if (const Json* rows = r.find("data.rows"); rows && rows->is_number())
        add(parts, group_digits(rows->get<uint64_t>()) + " " + row_noun(text(r, "protocol")));
    if (const Json* bytes = r.find("data.bytes"); bytes && bytes->is_number())
        add(parts, human_bytes(bytes->get<double>()));
    if (const Json* m = r.find("data.mail_like_names");
        m && m->is_number() && m->get<uint64_t>() > 0)
        add(parts, fmt::format("{} mail-like names", m->get<uint64_t>()));
    if (flag(r, "jenkins.script_console")) add(parts, "script console open to anonymous");
    if (flag(r, "influxdb.setup_allowed")) add(parts, "never onboarded: anyone can claim admin");
    add(parts, collections(r, text(r, "protocol")));
    if (r.has("http.status")) add(parts, "HTTP " + text(r, "http.status"));
    if (r.has("http.title")) add(parts, "\"" + text(r, "http.title").substr(0, 40) + "\"");
    if (flag(r, "http.dir_listing"))
        add(parts, "directory listing (" + text(r, "http.listing_entries") + " entries)");
    if (flag(r, "http.git_exposed")) add(parts, ".git exposed");
    if (flag(r, "http.env_exposed"))
        add(parts, ".env exposed (" + text(r, "http.env_keys") + " keys)");
    if (r.has("redis.error")) add(parts, text(r, "redis.error").substr(0, 40));
    if (r.has("vnc.desktop_name"))
        add(parts, fmt::format("desktop \"{}\" {}x{}", text(r, "vnc.desktop_name").substr(0, 30),
                               text(r, "vnc.width"), text(r, "vnc.height")));
    if (r.has("telnet.prompt")) add(parts, text(r, "telnet.prompt") + " prompt");
    if (flag(r, "tls_cert.client_cert_required")) add(parts, "client certificate required");
    if (r.has("mqtt.clients_connected"))
        add(parts, text(r, "mqtt.clients_connected") + " clients connected");
    if (const Json* nc = r.find("ldap.naming_contexts");
        nc && nc->is_array() && !nc->empty() && nc->front().is_string())
        add(parts, nc->front().get<std::string>().substr(0, 40));
    if (flag(r, "tls_cert.self_signed")) add(parts, "self-signed cert");
    std::string not_after = text(r, "tls_cert.not_after");
    if (auto t = parse_rfc3339(not_after); t && *t < now_ms / 1000)
        add(parts, "cert expired " + not_after.substr(0, 10));
    if (flag(r, "evidence_truncated")) add(parts, "evidence truncated");
    if (r.has("banner")) add(parts, "banner \"" + text(r, "banner").substr(0, 30) + "\"");
    std::string status = text(r, "status");
    if (!status.empty() && status != "ok") add(parts, status);
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    if (out.size() > max_len) out = out.substr(0, max_len - 3) + "...";
    return out;
}

}  // namespace sl::output
