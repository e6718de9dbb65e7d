// Record output: the NDJSON contract of DESIGN.md section 7, and its json, table and csv forms.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "scan/connect_scanner.h"
#include "scan/host_table.h"

namespace sl::output {

using Json = nlohmann::ordered_json;

// The records of the NDJSON contract as JSON objects (the writer and the store share them).
Json port_json(const scan::PortResult& r, const std::string& scan_id, int64_t now_ms);
Json service_json(const scan::ServiceResult& r, const std::string& scan_id, int64_t now_ms);
Json finding_json(const Record& f, const std::string& scan_id, int64_t now_ms);
Json host_json(const scan::HoneypotFlag& flag, const std::string& scan_id, int64_t now_ms);

enum class Format { kNdjson, kJson, kTable, kCsv };
Result<Format> parse_format(std::string_view text);

struct ScanSummary {
    uint64_t pairs = 0;  // pairs finished
    uint64_t open = 0;
    uint64_t closed = 0;
    uint64_t filtered = 0;
    uint64_t attempts = 0;
    double seconds = 0;
    bool interrupted = false;
    uint64_t findings = 0;
    uint64_t honeypot_hosts = 0;
    uint64_t grabs_skipped = 0;  // open ports past a host's grab budget
};

// Writes records to one stream. Thread safe: worker threads call it concurrently.
class RecordWriter {
  public:
    // grabbing: service records follow open ports; the table and csv show services instead.
    RecordWriter(std::FILE* out, Format format, std::string scan_id, bool grabbing = false);
    void begin();
    void port(const scan::PortResult& r, int64_t unix_ms);
    void service(const scan::ServiceResult& r, int64_t unix_ms);
    // A finding record (rules::findings), written after the service it came from.
    void finding(const Record& f, int64_t unix_ms);
    // A host that crossed the honeypot threshold (DESIGN.md section 7): a `host` record at once;
    // the table marks that host's findings at the end.
    void host(const scan::HoneypotFlag& flag, int64_t unix_ms);
    void summary(const ScanSummary& s, int64_t unix_ms);
    const std::string& scan_id() const { return scan_id_; }
    // Closes the JSON array; returns an error if the stream failed at any point.
    Status end();
    // The live status line on stderr. Records written while it is shown clear it first, so
    // a table on the same terminal is never garbled; the next draw shows it again.
    void draw_status(const std::string& line);
    void clear_status();

  private:
    void emit_json(const std::string& line);
    void clear_status_locked();
    std::mutex mutex_;
    std::FILE* out_;
    Format format_;
    std::string scan_id_;
    bool grabbing_ = false;
    bool first_ = true;
    bool status_shown_ = false;
    // Table format: findings are listed again, most severe first, after the services.
    struct TableFinding {
        int rank;  // critical first
        std::string severity, ip, rule, title;
        int64_t port;
        IpAddr addr;  // ip, parsed once for the sort
    };
    std::vector<TableFinding> table_findings_;
    // Table format: rows are kept and printed at the end, sorted by address and port.
    struct TableRow {
        IpAddr addr;
        uint16_t port;
        std::vector<std::string> cells;
    };
    std::vector<TableRow> table_rows_;
    void print_table_rows();
    std::vector<scan::HoneypotFlag> table_flagged_;
    void print_table_findings();
};

// The counts of a summary record (the store keeps them with the scan).
Json summary_json(const ScanSummary& s);

// "1.2k/s"-style human numbers for the status line and summaries.
std::string human_rate(double per_second);
// The live status line: rate, % done, ETA and open count.
std::string status_line(uint64_t finished, uint64_t total, uint64_t open, double elapsed_s);
// The summary line printed on stderr at the end.
std::string summary_line(const ScanSummary& s);

}  // namespace sl::output
