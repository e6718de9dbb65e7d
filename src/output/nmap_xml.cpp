#include "output/nmap_xml.h"

#include <fmt/format.h>

#include <cstdio>

#include "core/clock.h"

namespace sl::output {

namespace {

using Json = nlohmann::ordered_json;

std::string text(const Json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string findings_output(const Json& findings) {
    std::string out;
    for (const auto& f : findings)
        out += fmt::format("{}{} ({}, {})", out.empty() ? "" : "; ", text(f, "rule"),
                           text(f, "severity"), text(f, "status"));
    return out;
}

}  // namespace

std::string xml_escape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                    out += fmt::format("\\x{:02x}", c);
                else
                    out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

NmapXmlWriter::NmapXmlWriter(std::FILE* out, std::string args, int64_t now_ms)
    : out_(out), now_ms_(now_ms) {
    std::fprintf(out_,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
                 "<?xml-stylesheet href=\"file:///usr/share/nmap/nmap.xsl\" type=\"text/xsl\"?>\n"
                 "<!-- Searchlight export: stored services in nmap's XML format -->\n"
                 "<nmaprun scanner=\"nmap\" args=\"%s\" start=\"%lld\" startstr=\"%s\" "
                 "version=\"searchlight-0.1.0\" profile_name=\"searchlight\" "
                 "xmloutputversion=\"1.05\">\n"
                 "<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"0\" services=\"\"/>\n"
                 "<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n",
                 xml_escape(args).c_str(), static_cast<long long>(now_ms / 1000),
                 rfc3339_ms(now_ms).c_str());
}

void NmapXmlWriter::host(const std::vector<Json>& services) {
    if (services.empty()) return;
    ++hosts_;
    std::string ip = text(services[0], "ip");
    std::fprintf(out_,
                 "<host><status state=\"up\" reason=\"syn-ack\" reason_ttl=\"0\"/>\n"
                 "<address addr=\"%s\" addrtype=\"%s\"/>\n<hostnames>\n</hostnames>\n<ports>",
                 xml_escape(ip).c_str(), ip.find(':') != std::string::npos ? "ipv6" : "ipv4");
    for (const auto& s : services) {
        std::string attrs = fmt::format("name=\"{}\"", xml_escape(text(s, "protocol")));
        if (!text(s, "product").empty())
            attrs += fmt::format(" product=\"{}\"", xml_escape(text(s, "product")));
        if (!text(s, "version").empty())
            attrs += fmt::format(" version=\"{}\"", xml_escape(text(s, "version")));
        attrs += fmt::format(" extrainfo=\"access: {}\"", xml_escape(text(s, "access")));
        if (s.value("tls", false)) attrs += " tunnel=\"ssl\"";
        bool known = text(s, "protocol") != "unknown";
        attrs +=
            fmt::format(" method=\"{}\" conf=\"{}\"", known ? "probed" : "table", known ? 10 : 3);
        std::fprintf(
            out_,
            "<port protocol=\"tcp\" portid=\"%lld\"><state state=\"%s\" reason=\"syn-ack\" "
            "reason_ttl=\"0\"/><service %s/>",
            static_cast<long long>(s.value("port", int64_t{0})),
            text(s, "state") == "gone" ? "closed" : "open", attrs.c_str());
        if (s.contains("findings") && !s["findings"].empty())
            std::fprintf(out_, "<script id=\"searchlight-findings\" output=\"%s\"/>",
                         xml_escape(findings_output(s["findings"])).c_str());
        std::fputs("</port>\n", out_);
    }
    std::fputs("</ports>\n</host>\n", out_);
}

void NmapXmlWriter::finish() {
    std::fprintf(
        out_,
        "<runstats><finished time=\"%lld\" timestr=\"%s\" elapsed=\"0\" summary=\"%zu hosts "
        "exported by Searchlight\" exit=\"success\"/><hosts up=\"%zu\" down=\"0\" "
        "total=\"%zu\"/>\n</runstats>\n</nmaprun>\n",
        static_cast<long long>(now_ms_ / 1000), rfc3339_ms(now_ms_).c_str(), hosts_, hosts_,
        hosts_);
}

}  // namespace sl::output
