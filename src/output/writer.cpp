#include "output/writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/clock.h"
#include "core/text.h"
#include "output/evidence.h"
#include "output/table.h"

namespace sl::output {

namespace {

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

// Doubles quotes for a CSV field that is written inside quotes.
std::string csv_quote(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    return out;
}

}  // namespace

Json port_json(const scan::PortResult& r, const std::string& scan_id, int64_t now_ms) {
    Json j;
    j["type"] = "port";
    j["scan_id"] = scan_id;
    j["time"] = rfc3339_ms(now_ms);
    j["ip"] = r.ip.to_string();
    j["port"] = r.port;
    j["transport"] = "tcp";
    j["state"] = scan::to_string(r.state);
    j["rtt_ms"] = round3(r.rtt_ms);
    return j;
}

Json service_json(const scan::ServiceResult& r, const std::string& scan_id, int64_t now_ms) {
    Json j;
    j["type"] = "service";
    j["scan_id"] = scan_id;
    j["time"] = rfc3339_ms(now_ms);
    j["ip"] = r.ip.to_string();
    j["port"] = r.port;
    j["transport"] = "tcp";
    j["state"] = "open";
    for (const auto& [k, v] : r.record.fields().items()) j[k] = v;
    return j;
}

Json finding_json(const Record& f, const std::string& scan_id, int64_t now_ms) {
    Json j = f.fields();
    j["scan_id"] = scan_id;
    j["time"] = rfc3339_ms(now_ms);
    return j;
}

Json host_json(const scan::HoneypotFlag& flag, const std::string& scan_id, int64_t now_ms) {
    Json j;
    j["type"] = "host";
    j["scan_id"] = scan_id;
    j["time"] = rfc3339_ms(now_ms);
    j["ip"] = flag.ip.to_string();
    j["honeypot_suspected"] = true;
    j["open_ports"] = flag.open_ports;
    j["open_protocols"] = flag.open_protocols.size();
    j["open_protocol_names"] = flag.open_protocols;
    return j;
}

Result<Format> parse_format(std::string_view text) {
    if (text == "ndjson") return Format::kNdjson;
    if (text == "json") return Format::kJson;
    if (text == "table") return Format::kTable;
    if (text == "csv") return Format::kCsv;
    return make_error(fmt::format("unknown format '{}' (use ndjson, json, table or csv)", text));
}

RecordWriter::RecordWriter(std::FILE* out, Format format, std::string scan_id, bool grabbing)
    : out_(out), format_(format), scan_id_(std::move(scan_id)), grabbing_(grabbing) {}

namespace {}  // namespace

void RecordWriter::begin() {
    std::lock_guard lock(mutex_);
    if (format_ == Format::kJson) std::fputs("[", out_);
    if (format_ == Format::kCsv)
        std::fputs(grabbing_ ? "ip,port,transport,state,rtt_ms,protocol,tls,status,access,product,"
                               "version\n"
                             : "ip,port,transport,state,rtt_ms\n",
                   out_);
}

void RecordWriter::emit_json(const std::string& line) {
    if (format_ == Format::kJson) {
        std::fputs(first_ ? "\n" : ",\n", out_);
        std::fputs(line.c_str(), out_);
    } else {
        std::fputs(line.c_str(), out_);
        std::fputc('\n', out_);
    }
    first_ = false;
}

void RecordWriter::draw_status(const std::string& line) {
    std::lock_guard lock(mutex_);
    std::fprintf(stderr, "\r\x1b[K%s", line.c_str());
    status_shown_ = true;
}

void RecordWriter::clear_status() {
    std::lock_guard lock(mutex_);
    if (status_shown_) std::fputs("\r\x1b[K", stderr);
    status_shown_ = false;
}

void RecordWriter::clear_status_locked() {
    if (status_shown_) {
        std::fputs("\r\x1b[K", stderr);
        status_shown_ = false;
    }
}

void RecordWriter::service(const scan::ServiceResult& r, int64_t now_ms) {
    std::string ip = r.ip.to_string();
    const Record& rec = r.record;
    auto field = [&](const char* name) {
        const Json* v = rec.find(name);
        return v && v->is_string() ? v->get<std::string>() : std::string();
    };
    std::lock_guard lock(mutex_);
    clear_status_locked();
    if (format_ == Format::kNdjson || format_ == Format::kJson) {
        emit_json(service_json(r, scan_id_, now_ms).dump());
    } else if (format_ == Format::kCsv) {
        const Json* tls = rec.find("tls");
        std::fputs(fmt::format("{},{},tcp,open,,{},{},{},{},\"{}\",\"{}\"\n", ip, r.port,
                               field("protocol"), tls && tls->get<bool>() ? "true" : "false",
                               field("status"), field("access"), csv_quote(field("product")),
                               csv_quote(field("version")))
                       .c_str(),
                   out_);
    } else {
        std::string service = field("protocol");
        if (const Json* tls = rec.find("tls"); tls && tls->get<bool>()) service += "/tls";
        table_rows_.push_back({r.ip,
                               r.port,
                               {ip, std::to_string(r.port), "open", service, field("access"),
                                evidence_summary(rec, now_ms)}});
    }
}

void RecordWriter::finding(const Record& f, int64_t now_ms) {
    auto text = [&](const char* name) {
        const Json* v = f.find(name);
        return v && v->is_string() ? v->get<std::string>() : std::string();
    };
    std::lock_guard lock(mutex_);
    clear_status_locked();
    if (format_ == Format::kNdjson || format_ == Format::kJson) {
        emit_json(finding_json(f, scan_id_, now_ms).dump());
    } else if (format_ == Format::kTable) {
        static constexpr std::string_view kOrder[] = {"critical", "high", "medium", "low", "info"};
        int rank = static_cast<int>(
            std::find(std::begin(kOrder), std::end(kOrder), text("severity")) - std::begin(kOrder));
        const Json* port = f.find("port");
        auto addr = parse_ip(text("ip"));
        table_findings_.push_back({rank, text("severity"), text("ip"), text("rule"), text("title"),
                                   port && port->is_number_integer() ? port->get<int64_t>() : 0,
                                   addr ? *addr : IpAddr{}});
    }  // csv keeps one row per service
}

void RecordWriter::host(const scan::HoneypotFlag& flag, int64_t now_ms) {
    std::lock_guard lock(mutex_);
    clear_status_locked();
    if (format_ == Format::kTable) table_flagged_.push_back(flag);
    if (format_ != Format::kNdjson && format_ != Format::kJson) return;
    emit_json(host_json(flag, scan_id_, now_ms).dump());
}

void RecordWriter::print_table_rows() {
    // By address and port, so two runs print the same table.
    std::sort(table_rows_.begin(), table_rows_.end(), [](const TableRow& a, const TableRow& b) {
        return std::tie(a.addr.family, a.addr.value, a.port) <
               std::tie(b.addr.family, b.addr.value, b.port);
    });
    TextTable table =
        grabbing_ ? TextTable({"IP", "PORT", "STATE", "SERVICE", "ACCESS", "EVIDENCE"},
                              {false, true, false, false, false, false})
                  : TextTable({"IP", "PORT", "STATE", "RTT(ms)"}, {false, true, false, true});
    for (auto& r : table_rows_) table.add(std::move(r.cells));
    table.print(out_);
}

void RecordWriter::print_table_findings() {
    std::set<std::string> flagged;
    if (!table_flagged_.empty())
        std::fputs(fmt::format("\nLIKELY HONEYPOTS ({}): findings on these hosts are marked, "
                               "never dropped or downgraded\n",
                               table_flagged_.size())
                       .c_str(),
                   out_);
    for (const auto& f : table_flagged_) {
        flagged.insert(f.ip.to_string());
        std::fputs(fmt::format("{:<39} {} open ports, {} protocols answer open\n", f.ip.to_string(),
                               f.open_ports, f.open_protocols.size())
                       .c_str(),
                   out_);
    }
    if (table_findings_.empty()) return;
    // Most severe first; then by address, port and rule, so two runs print the same table.
    auto key = [](const TableFinding& t) {
        return std::tuple<int, Family, U128, int64_t, const std::string&>(
            t.rank, t.addr.family, t.addr.value, t.port, t.rule);
    };
    std::sort(table_findings_.begin(), table_findings_.end(),
              [&](const TableFinding& a, const TableFinding& b) { return key(a) < key(b); });
    std::fputs(fmt::format("\nFINDINGS ({})\n", table_findings_.size()).c_str(), out_);
    TextTable table({"SEVERITY", "IP", "PORT", "RULE", "TITLE"},
                    {false, false, true, false, false});
    for (const auto& t : table_findings_)
        table.add({t.severity, t.ip, std::to_string(t.port), t.rule,
                   t.title + (flagged.count(t.ip) ? " [likely honeypot]" : "")});
    table.print(out_);
}

void RecordWriter::port(const scan::PortResult& r, int64_t now_ms) {
    std::string ip = r.ip.to_string();
    std::lock_guard lock(mutex_);
    clear_status_locked();
    if (grabbing_ && r.state == scan::PortState::kOpen &&
        (format_ == Format::kTable || format_ == Format::kCsv))
        return;  // the service row follows
    if (grabbing_ && format_ == Format::kTable) {
        table_rows_.push_back(
            {r.ip, r.port, {ip, std::to_string(r.port), scan::to_string(r.state), "", "", ""}});
        return;
    }
    if (grabbing_ && format_ == Format::kCsv) {
        std::fputs(fmt::format("{},{},tcp,{},{:.3f},,,,,,\n", ip, r.port, scan::to_string(r.state),
                               r.rtt_ms)
                       .c_str(),
                   out_);
        return;
    }
    switch (format_) {
        case Format::kNdjson:
        case Format::kJson:
            emit_json(port_json(r, scan_id_, now_ms).dump());
            break;
        case Format::kCsv:
            std::fputs(
                fmt::format("{},{},tcp,{},{:.3f}\n", ip, r.port, scan::to_string(r.state), r.rtt_ms)
                    .c_str(),
                out_);
            break;
        case Format::kTable:
            table_rows_.push_back({r.ip,
                                   r.port,
                                   {ip, std::to_string(r.port), scan::to_string(r.state),
                                    fmt::format("{:.3f}", r.rtt_ms)}});
            break;
    }
}

void RecordWriter::summary(const ScanSummary& s, int64_t now_ms) {
    if (format_ != Format::kNdjson && format_ != Format::kJson) return;
    Json j;
    j["type"] = "summary";
    j["scan_id"] = scan_id_;
    j["time"] = rfc3339_ms(now_ms);
    Json counts = summary_json(s);  // items() of a temporary would dangle
    for (const auto& [k, v] : counts.items()) j[k] = v;
    std::lock_guard lock(mutex_);
    emit_json(j.dump());
}

Json summary_json(const ScanSummary& s) {
    Json j;
    j["pairs"] = s.pairs;
    j["open"] = s.open;
    j["closed"] = s.closed;
    j["filtered"] = s.filtered;
    j["attempts"] = s.attempts;
    j["findings"] = s.findings;
    j["honeypot_hosts"] = s.honeypot_hosts;
    j["grabs_skipped"] = s.grabs_skipped;
    j["seconds"] = round3(s.seconds);
    j["interrupted"] = s.interrupted;
    return j;
}

Status RecordWriter::end() {
    std::lock_guard lock(mutex_);
    if (format_ == Format::kJson) std::fputs(first_ ? "]\n" : "\n]\n", out_);
    if (format_ == Format::kTable) {
        print_table_rows();
        print_table_findings();
    }
    if (std::fflush(out_) != 0 || std::ferror(out_)) return make_error("cannot write the output");
    return Ok{};
}

std::string human_rate(double v) {
    if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
    if (v >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
    return fmt::format("{:.0f}", v);
}

std::string status_line(uint64_t finished, uint64_t total, uint64_t open, double elapsed_s) {
    double rate = elapsed_s > 0 ? static_cast<double>(finished) / elapsed_s : 0;
    double pct =
        total > 0 ? 100.0 * static_cast<double>(finished) / static_cast<double>(total) : 100;
    if (pct > 100) pct = 100;
    std::string eta = "--:--";
    if (rate > 0 && total > finished) {
        auto secs = static_cast<uint64_t>(static_cast<double>(total - finished) / rate);
        eta = fmt::format("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    }
    return fmt::format("rate {}/s, {:.1f}% done, ETA {}, open {}", human_rate(rate), pct, eta,
                       open);
}

std::string summary_line(const ScanSummary& s) {
    double rate = s.seconds > 0 ? static_cast<double>(s.pairs) / s.seconds : 0;
    std::string line =
        fmt::format("{} {} pairs in {:.2f} s ({}/s): {} open, {} closed, {} filtered",
                    s.interrupted ? "interrupted after" : "scanned", s.pairs, s.seconds,
                    human_rate(rate), s.open, s.closed, s.filtered);
    if (s.findings) line += fmt::format(", {} findings", s.findings);
    if (s.honeypot_hosts) line += fmt::format(", {} likely honeypot hosts", s.honeypot_hosts);
    if (s.grabs_skipped)
        line += fmt::format(", {} open ports not grabbed (per-host budget)", s.grabs_skipped);
    return line;
}

}  // namespace sl::output
