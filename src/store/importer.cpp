#include "store/importer.h"

#include <fmt/format.h>

#include <cstring>
#include <deque>
#include <map>
#include <vector>

#include "core/clock.h"

namespace sl::store {

namespace {

constexpr size_t kUnitsPerBatch = 4096;  // service units per transaction
constexpr size_t kWindow = 1024;         // units kept open for findings that arrive late

std::string text_of(const Json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The scan being imported: its units wait in a window for their findings.
class ScanImport {
  public:
    ScanImport(Store& store, ImportStats& stats) : store_(store), stats_(stats) {}

    Status begin(const std::string& id, const Json& first) {
        auto exists = store_.db().scalar("SELECT count(*) FROM scans WHERE id = ?", {id});
        if (!exists) return exists.error();
        skip_ = *exists > 0;
        id_ = id;
        if (skip_) {
            ++stats_.scans_skipped;
            return Ok{};
        }
        ++stats_.scans;
        auto t = parse_rfc3339(text_of(first, "time"));
        ScanStart s{id,   t ? *t * 1000 : unix_ms(), "import",
                    true, Json{{"imported", true}},  Json::object()};
        return store_.begin_scan(s);
    }

    Status add(const Json& r, const std::string& type) {
        if (skip_) return Ok{};
        if (type == "service") {
            units_.push_back({r, {}});
            ++stats_.services;
            return units_.size() > kWindow ? flush(units_.size() - kWindow) : Status(Ok{});
        }
        if (type == "finding") return attach(r);
        if (type == "port") {
            (text_of(r, "state") == "open" ? batch_.open_ports : batch_.misses).push_back(r);
        } else if (type == "host") {
            batch_.hosts.push_back(r);
        } else if (type == "summary") {
            summary_ = r;
        }
        return Ok{};
    }

    Status end(bool clean) {
        if (skip_) return Ok{};
        if (auto s = flush(units_.size()); !s) return s;
        if (auto s = commit(); !s) return s;
        bool completed =
            clean && summary_.is_object() && summary_.value("interrupted", true) == false;
        auto t = parse_rfc3339(text_of(summary_, "time"));
        ScanEnd e{t ? *t * 1000 : unix_ms(), completed, "imported", std::nullopt,
                  summary_.is_object() ? summary_ : Json::object()};
        return store_.finish_scan(e);
    }

  private:
    Status attach(const Json& f) {
        for (auto it = units_.rbegin(); it != units_.rend(); ++it)
            if (it->service.value("ip", "") == f.value("ip", "") &&
                it->service.value("port", -1) == f.value("port", -2)) {
                it->findings.push_back(f);
                ++stats_.findings;
                return Ok{};
            }
        ++stats_.orphan_findings;
        return Ok{};
    }

    Status flush(size_t n) {
        for (size_t i = 0; i < n; ++i) {
            batch_.services.push_back(std::move(units_.front()));
            units_.pop_front();
            if (batch_.services.size() >= kUnitsPerBatch)
                if (auto s = commit(); !s) return s;
        }
        return Ok{};
    }

    Status commit() {
        Batch b = std::move(batch_);
        batch_ = Batch{};
        return b.size() ? store_.apply(b) : Status(Ok{});
    }

    Store& store_;
    ImportStats& stats_;
    std::string id_;
    bool skip_ = false;
    std::deque<ServiceUnit> units_;
    Batch batch_;
    Json summary_;
};

// Lines from a stream in 64 KiB reads, none longer than kMaxImportLine (a longer one is
// reported, never held whole).
class LineReader {
  public:
    enum Got { kLine, kEnd, kTooLong };
    explicit LineReader(std::istream& in) : in_(in), buf_(1 << 16) {}
    Got next(std::string& line) {
        line.clear();
        while (true) {
            if (pos_ == len_ && !fill()) return line.empty() ? kEnd : kLine;
            const char* start = buf_.data() + pos_;
            const void* nl = std::memchr(start, '\n', len_ - pos_);
            size_t take =
                nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : len_ - pos_;
            if (line.size() + take > kMaxImportLine) return kTooLong;
            line.append(start, take);
            pos_ += take;
            if (nl) {
                ++pos_;
                return kLine;
            }
        }
    }

  private:
    bool fill() {
        in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
        len_ = static_cast<size_t>(in_.gcount());
        pos_ = 0;
        return len_ > 0;
    }
    std::istream& in_;
    std::vector<char> buf_;
    size_t pos_ = 0, len_ = 0;
};

}  // namespace

Result<ImportStats> import_ndjson(Store& store, std::istream& in, const std::string& name) {
    ImportStats stats;
    std::optional<ScanImport> scan;
    std::string current, line;
    auto fail = [&](const std::string& what) -> Error {
        if (scan) (void)scan->end(false);
        return make_error(fmt::format("{}:{}: {}", name, stats.lines, what));
    };
    LineReader reader(in);
    while (true) {
        auto got = reader.next(line);
        if (got == LineReader::kEnd) break;
        if (got == LineReader::kTooLong) {
            ++stats.lines;
            return fail(fmt::format("a line longer than {} bytes", kMaxImportLine));
        }
        ++stats.lines;
        if (line.empty() || line == "\r") continue;
        Json r = Json::parse(line, nullptr, false);
        if (r.is_discarded() || !r.is_object()) return fail("not a JSON object");
        std::string type = text_of(r, "type"), id = text_of(r, "scan_id");
        if (type.empty() || id.empty()) return fail("a record needs 'type' and 'scan_id'");
        if (type != "port" && type != "service" && type != "finding" && type != "host" &&
            type != "summary")
            continue;  // other record types carry nothing to store
        if (type != "summary" && type != "host" && !parse_ip(text_of(r, "ip")))
            return fail("a record without a valid 'ip'");
        if ((type == "port" || type == "service" || type == "finding") &&
            (!r.contains("port") || !r["port"].is_number_integer() ||
             r["port"].get<int64_t>() < 0 || r["port"].get<int64_t>() > 65535))
            return fail("a record without a valid 'port'");
        if (id != current) {
            if (scan)
                if (auto s = scan->end(true); !s) return s.error();
            scan.emplace(store, stats);
            current = id;
            if (auto s = scan->begin(id, r); !s) return fail(s.error().message);
        }
        if (auto s = scan->add(r, type); !s) return fail(s.error().message);
    }
    if (scan)
        if (auto s = scan->end(true); !s) return s.error();
    return stats;
}

}  // namespace sl::store
