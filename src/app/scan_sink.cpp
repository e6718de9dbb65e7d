#include "app/scan_sink.h"

#include "core/clock.h"

namespace sl::app {

bool ScanSink::known_alive(const scan::PortResult& r) const {
    return store_->known_alive.count({r.ip, r.port}) > 0;
}

void ScanSink::on_results(std::span<const scan::PortResult> batch) {
    int64_t now = unix_ms();
    store::Batch stored;
    for (const auto& r : batch) {
        if (filter_.wants(r.state)) writer_.port(r, now);
        if (r.state == scan::PortState::kOpen)
            flag_if_crossed(hosts_.note_open_port(r.ip), now, stored);
        if (!store_) continue;
        if (r.state == scan::PortState::kOpen)
            stored.open_ports.push_back(output::port_json(r, writer_.scan_id(), now));
        else if (known_alive(r))
            stored.misses.push_back(output::port_json(r, writer_.scan_id(), now));
    }
    if (store_) store_->writer.submit(std::move(stored));
}

void ScanSink::on_services(std::span<const scan::ServiceResult> batch) {
    int64_t now = unix_ms();
    const rules::EvalContext ctx{now / 1000};
    store::Batch stored;
    for (const auto& r : batch) {
        writer_.service(r, now);
        const auto* access = r.record.find("access");
        const auto* protocol = r.record.find("protocol");
        if (access && *access == "open" && protocol && protocol->is_string())
            flag_if_crossed(hosts_.note_open_service(r.ip, protocol->get_ref<const std::string&>()),
                            now, stored);
        std::vector<store::Json> findings;
        if (rules_) findings = write_findings(r, ctx, now);
        if (store_)
            stored.services.push_back(
                {output::service_json(r, writer_.scan_id(), now), std::move(findings)});
    }
    if (store_) store_->writer.submit(std::move(stored));
}

std::optional<rules::Severity> ScanSink::worst() const {
    int w = worst_.load();
    return w < 0 ? std::nullopt : std::optional(static_cast<rules::Severity>(w));
}

void ScanSink::flag_if_crossed(const std::optional<scan::HoneypotFlag>& flag, int64_t now,
                               store::Batch& batch) {
    if (!flag) return;
    ++honeypot_hosts_;
    writer_.host(*flag, now);
    if (store_) batch.hosts.push_back(output::host_json(*flag, writer_.scan_id(), now));
}

void ScanSink::note_severity(rules::Severity s) {
    int rank = static_cast<int>(s), seen = worst_.load();
    while (rank > seen && !worst_.compare_exchange_weak(seen, rank)) {
    }
}

std::vector<store::Json> ScanSink::write_findings(const scan::ServiceResult& r,
                                                  const rules::EvalContext& ctx, int64_t now) {
    Record full = r.record;  // rules see the record as written: ip and port included
    full.set("ip", r.ip.to_string());
    full.set("port", static_cast<int64_t>(r.port));
    if (hosts_.flagged(r.ip)) full.set("honeypot_suspected", true);  // marked, kept as is
    std::vector<store::Json> all;
    for (const auto& f : rules::findings(*rules_, full, ctx)) {
        const auto* text = f.find("severity");
        auto severity = text ? rules::parse_severity(text->get<std::string>()) : std::nullopt;
        if (!severity) continue;  // apply() always writes a valid one
        note_severity(*severity);
        if (store_) all.push_back(output::finding_json(f, writer_.scan_id(), now));
        if (*severity < min_severity_) continue;
        writer_.finding(f, now);
        ++findings_;
    }
    return all;
}

}  // namespace sl::app
