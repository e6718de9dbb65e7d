// The scan's result sink: what happens to each result the workers hand over. Port records
// pass the state filter; each service record is written, then meets the rules, and its
// findings follow it. Open ports and open protocols are counted per host for the honeypot
// flag (DESIGN.md section 7). Thread safe: workers call it concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

#include "output/writer.h"
#include "rules/rule.h"
#include "scan/connect_scanner.h"
#include "scan/host_table.h"
#include "store/store_writer.h"

namespace sl::app {

// --states: which port states get a port record.
struct StateFilter {
    bool open = false, closed = false, filtered = false;
    bool wants(scan::PortState s) const {
        return s == scan::PortState::kOpen     ? open
               : s == scan::PortState::kClosed ? closed
                                               : filtered;
    }
};

// The store's side of the sink: the writer thread, and the services the store knew alive in
// the scope before the scan (a closed or filtered result for one of them is a miss, which lets a
// completed scan resolve it).
struct LiveService {  // the scan probes TCP: an address and a port
    IpAddr ip;
    uint16_t port = 0;
    bool operator==(const LiveService&) const = default;
};
struct LiveServiceHash {
    size_t operator()(const LiveService& s) const {
        auto v = static_cast<uint64_t>(s.ip.value) ^ static_cast<uint64_t>(s.ip.value >> 64);
        return std::hash<uint64_t>()(v * 0x9e3779b97f4a7c15ull ^ s.port);
    }
};
struct StoreTap {
    store::StoreWriter& writer;
    // looked up for every closed or filtered result: a hash of the address, no allocation
    std::unordered_set<LiveService, LiveServiceHash> known_alive;
};

class ScanSink : public scan::ResultSink {
  public:
    // rules: empty with --no-rules; findings below min_severity are counted, not written.
    // hosts: the scan's per-host table, shared with the scanner (which spends its grab budget).
    ScanSink(output::RecordWriter& w, StateFilter f, std::shared_ptr<const rules::RuleSet> rules,
             rules::Severity min_severity, scan::HostTable& hosts, StoreTap* store = nullptr)
        : writer_(w),
          filter_(f),
          rules_(std::move(rules)),
          min_severity_(min_severity),
          hosts_(hosts),
          store_(store) {}
    void on_results(std::span<const scan::PortResult> batch) override;
    void on_services(std::span<const scan::ServiceResult> batch) override;

    uint64_t findings() const { return findings_.load(); }  // written
    uint64_t honeypot_hosts() const { return honeypot_hosts_.load(); }
    // The most severe finding of the scan, written or not (for --fail-on).
    std::optional<rules::Severity> worst() const;

  private:
    void flag_if_crossed(const std::optional<scan::HoneypotFlag>& flag, int64_t now,
                         store::Batch& batch);
    // Writes the findings at or above --min-severity; returns them all, for the store.
    std::vector<store::Json> write_findings(const scan::ServiceResult& r,
                                            const rules::EvalContext& ctx, int64_t now);
    bool known_alive(const scan::PortResult& r) const;
    void note_severity(rules::Severity s);

    output::RecordWriter& writer_;
    StateFilter filter_;
    std::shared_ptr<const rules::RuleSet> rules_;  // immutable, shared by the worker threads
    rules::Severity min_severity_;
    scan::HostTable& hosts_;  // concurrent, per host
    StoreTap* store_;         // null with --no-db; its known set is read-only during the scan
    std::atomic<uint64_t> findings_{0}, honeypot_hosts_{0};
    std::atomic<int> worst_{-1};
};

}  // namespace sl::app
