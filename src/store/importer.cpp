#include "store/importer.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/line_prepare.h"

namespace sl::store {

namespace {

constexpr size_t kUnitsPerBatch = 65536;  // service units per transaction
constexpr size_t kWindow = 1024;          // units kept open for findings that arrive late
constexpr size_t kLinesPerChunk = 1024;   // lines a parse worker takes at a time
constexpr size_t kMaxWorkers = 4;
// Parsed ahead while the store commits: about 64 MB, enough to keep the workers busy through a
// commit.
constexpr size_t kChunksInFlight = 64;
// A bulk import: its input would hold at least kMinBulkRecords records (at kBytesPerRecord, a
// service record with its share of findings) and more than twice the services in the store.
// Then building the search indexes once at its end is cheaper than keeping them: each new state
// costs about 35 us of index upkeep, a build about 12 us per service.
constexpr uint64_t kBytesPerRecord = 300;
constexpr uint64_t kMinBulkRecords = 100'000;

enum class Kind { kPort, kService, kFinding, kHost, kSummary, kSkip };

// One line, parsed, checked and (for services and findings) prepared for the store.
struct Item {
    Kind kind = Kind::kSkip;
    std::string scan_id;
    std::optional<int64_t> time_s;  // the record's time, when it has one (a scan's start)
    Json record;                    // port, host and summary records
    PreparedUnit unit;              // a service
    ServiceKey key;                 // a finding's service
    PreparedFinding finding;
};

// A run of lines and what became of them; parsing stops at the first bad line.
struct Chunk {
    size_t source = 0;  // which of the sources
    uint64_t first_line = 0;
    std::vector<std::string> lines;
    std::vector<Item> items;
    std::optional<std::pair<uint64_t, std::string>> error;  // line number, what
};

bool valid_port(const Json& r) {
    auto p = r.find("port");
    return p != r.end() && p->is_number_integer() && p->get<int64_t>() >= 0 &&
           p->get<int64_t>() <= 65535;
}

// A service or finding line as the fast path prepared it.
Item item_of(PreparedLine&& line) {
    Item item;
    item.scan_id = std::move(line.scan_id);
    item.time_s = line.time_s;
    if (line.kind == PreparedLine::Kind::kFinding) {
        item.kind = Kind::kFinding;
        item.key = std::move(line.key);
        item.finding = std::move(line.finding);
    } else {
        item.kind = Kind::kService;
        item.unit = std::move(line.unit);
    }
    return item;
}

// The checks and the preparation of one line; an error names what is wrong with it. The fast
// path takes the common lines; the rest, and every bad one, take this one.
Result<Item> parse_line(const std::string& line, LinePreparer& fast) {
    Item item;
    if (line.empty() || line == "\r") return item;
    if (auto prepared = fast.prepare(line)) return item_of(std::move(*prepared));
    Json r = Json::parse(line, nullptr, false);
    if (r.is_discarded() || !r.is_object()) return make_error("not a JSON object");
    std::string type = text_of(r, "type");
    item.scan_id = text_of(r, "scan_id");
    if (type.empty() || item.scan_id.empty())
        return make_error("a record needs 'type' and 'scan_id'");
    static const std::map<std::string, Kind> kinds = {{"port", Kind::kPort},
                                                      {"service", Kind::kService},
                                                      {"finding", Kind::kFinding},
                                                      {"host", Kind::kHost},
                                                      {"summary", Kind::kSummary}};
    auto kind = kinds.find(type);
    if (kind == kinds.end()) return Item{};  // other record types carry nothing to store
    item.kind = kind->second;
    if (item.kind != Kind::kSummary && item.kind != Kind::kHost && !parse_ip(text_of(r, "ip")))
        return make_error("a record without a valid 'ip'");
    bool keyed =
        item.kind == Kind::kPort || item.kind == Kind::kService || item.kind == Kind::kFinding;
    if (keyed && !valid_port(r)) return make_error("a record without a valid 'port'");
    if (auto t = parse_rfc3339(text_of(r, "time"))) item.time_s = *t;
    if (item.kind == Kind::kService) {
        auto unit = prepare_service(std::move(r));
        if (!unit) return unit.error();
        item.unit = std::move(*unit);
    } else if (item.kind == Kind::kFinding) {
        auto key = key_of(r);
        if (!key) return key.error();
        item.key = std::move(*key);
        item.finding = prepare_finding(r);
    } else {
        item.record = std::move(r);
    }
    return item;
}

// A finding joins the nearest earlier service record of its address and port in the same
// chunk (the scan writes a unit's findings right after it), so the worker, not the store's
// thread, can finish the unit; one whose service is further back is left to the window.
void attach_in_chunk(std::vector<Item>& items) {
    constexpr size_t kLookBack = 64;
    for (size_t i = 0; i < items.size(); ++i) {
        if (items[i].kind != Kind::kFinding) continue;
        for (size_t j = i; j-- > 0 && i - j <= kLookBack;) {
            Item& s = items[j];
            if (s.kind != Kind::kService || s.unit.key.ip_key != items[i].key.ip_key ||
                s.unit.key.port != items[i].key.port)
                continue;
            s.unit.findings.push_back(std::move(items[i].finding));
            items[i].kind = Kind::kSkip;
            break;
        }
    }
    for (auto& item : items)
        if (item.kind == Kind::kService) finish_unit(item.unit);
}

void parse_chunk(Chunk& c, LinePreparer& fast) {
    c.items.reserve(c.lines.size());
    for (size_t i = 0; i < c.lines.size(); ++i) {
        auto item = parse_line(c.lines[i], fast);
        if (!item) {
            c.error = {{c.first_line + i, item.error().message}};
            break;
        }
        c.items.push_back(std::move(*item));
    }
    c.lines.clear();
    c.lines.shrink_to_fit();
    attach_in_chunk(c.items);
}

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

// Reads chunks of lines from the sources, one after the other, on its own thread, and parses
// them on worker threads; next() hands them back in order. Reading runs ahead of the store by
// at most kChunksInFlight chunks, so memory stays bounded whatever the files' size, and the
// workers keep parsing (the next file too) while the store commits.
class ParsePipeline {
  public:
    explicit ParsePipeline(const std::vector<ImportSource>& sources) : sources_(sources) {
        size_t n = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, kMaxWorkers);
        max_in_flight_ = kChunksInFlight;
        threads_.emplace_back([this] {
            pthread_setname_np(pthread_self(), "sl-import-read");
            read();
        });
        for (size_t i = 0; i < n; ++i)
            threads_.emplace_back([this] {
                pthread_setname_np(pthread_self(), "sl-import-parse");
                work();
            });
    }
    ~ParsePipeline() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        changed_.notify_all();
        for (auto& t : threads_) t.join();
    }
    ParsePipeline(const ParsePipeline&) = delete;
    ParsePipeline& operator=(const ParsePipeline&) = delete;

    // The next chunk in file order, or none at the end.
    std::optional<Chunk> next() {
        std::unique_lock lock(mutex_);
        changed_.wait(
            lock, [&] { return done_.count(next_out_) || (read_all_ && next_out_ == chunks_); });
        auto it = done_.find(next_out_);
        if (it == done_.end()) return std::nullopt;
        Chunk c = std::move(it->second);
        done_.erase(it);
        ++next_out_;
        lock.unlock();
        changed_.notify_all();
        return c;
    }

  private:
    bool room() const { return chunks_ - next_out_ < max_in_flight_; }

    void read() {
        for (size_t i = 0; i < sources_.size(); ++i)
            if (!read_source(i)) return;
        std::lock_guard lock(mutex_);
        read_all_ = true;
        changed_.notify_all();
    }

    // False when stopped.
    bool read_source(size_t source) {
        LineReader reader(*sources_[source].in);
        uint64_t line_no = 0;
        bool more = true;
        while (more) {
            Chunk c;
            c.source = source;
            c.first_line = line_no + 1;
            std::string line;
            while (c.lines.size() < kLinesPerChunk) {
                auto got = reader.next(line);
                if (got == LineReader::kEnd) {
                    more = false;
                    break;
                }
                ++line_no;
                if (got == LineReader::kTooLong) {
                    c.error = {
                        {line_no, fmt::format("a line longer than {} bytes", kMaxImportLine)}};
                    more = false;
                    break;
                }
                c.lines.push_back(std::move(line));
            }
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stop_ || room(); });
            if (stop_) return false;
            if (!c.lines.empty() || c.error) todo_.emplace_back(chunks_++, std::move(c));
            lock.unlock();
            changed_.notify_all();
        }
        return true;
    }

    void work() {
        LinePreparer fast;
        while (true) {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stop_ || !todo_.empty() || read_all_; });
            if (stop_ || (todo_.empty() && read_all_)) return;
            auto [seq, c] = std::move(todo_.front());
            todo_.pop_front();
            lock.unlock();
            // a too-long line ends its chunk: the lines before it still count
            parse_chunk(c, fast);
            lock.lock();
            done_.emplace(seq, std::move(c));
            lock.unlock();
            changed_.notify_all();
        }
    }

    const std::vector<ImportSource>& sources_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::pair<uint64_t, Chunk>> todo_;
    std::map<uint64_t, Chunk> done_;
    uint64_t chunks_ = 0, next_out_ = 0;
    size_t max_in_flight_ = 0;
    bool read_all_ = false, stop_ = false;
    std::vector<std::thread> threads_;
};

// The scan being imported: its units wait in a window for their findings.
class ScanImport {
  public:
    ScanImport(Store& store, ImportStats& stats) : store_(store), stats_(stats) {}

    Status begin(const std::string& id, const Item& first) {
        auto exists = store_.db().scalar("SELECT count(*) FROM scans WHERE id = ?", {id});
        if (!exists) return exists.error();
        skip_ = *exists > 0;
        if (skip_) {
            ++stats_.scans_skipped;
            return Ok{};
        }
        ++stats_.scans;
        ScanStart s{id,
                    first.time_s ? *first.time_s * 1000 : unix_ms(),
                    "import",
                    true,
                    Json{{"imported", true}},
                    Json::object()};
        return store_.begin_scan(s);
    }

    Status add(Item&& item) {
        if (skip_) return Ok{};
        switch (item.kind) {
            case Kind::kService:
                stats_.findings += item.unit.findings.size();
                units_.push_back({std::move(item.unit), false});
                ++stats_.services;
                return units_.size() > kWindow ? flush(units_.size() - kWindow) : Status(Ok{});
            case Kind::kFinding:
                attach(std::move(item));
                return Ok{};
            case Kind::kPort:
                (text_of(item.record, "state") == "open" ? batch_.open_ports : batch_.misses)
                    .push_back(std::move(item.record));
                return Ok{};
            case Kind::kHost:
                batch_.hosts.push_back(std::move(item.record));
                return Ok{};
            case Kind::kSummary:
                summary_ = std::move(item.record);
                return Ok{};
            case Kind::kSkip:
                return Ok{};
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
    // A finding joins the nearest earlier unit of its service (ip and port).
    void attach(Item&& f) {
        for (auto it = units_.rbegin(); it != units_.rend(); ++it)
            if (it->unit.key.ip_key == f.key.ip_key && it->unit.key.port == f.key.port) {
                it->unit.findings.push_back(std::move(f.finding));
                it->refinish = true;
                ++stats_.findings;
                return;
            }
        ++stats_.orphan_findings;
    }

    Status flush(size_t n) {
        for (size_t i = 0; i < n; ++i) {
            if (units_.front().refinish) finish_unit(units_.front().unit);
            batch_.prepared.push_back(std::move(units_.front().unit));
            units_.pop_front();
            if (batch_.prepared.size() >= kUnitsPerBatch)
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
    bool skip_ = false;
    struct Open {
        PreparedUnit unit;
        bool refinish;  // a finding joined it after its worker finished it
    };
    std::deque<Open> units_;
    Batch batch_;
    Json summary_;
};

Result<bool> is_bulk(Store& store, const std::vector<ImportSource>& sources) {
    uint64_t bytes = 0;
    for (const auto& s : sources) bytes += s.bytes;
    auto services = store.services_held();
    if (!services) return services.error();
    uint64_t records = bytes / kBytesPerRecord;
    return records >= kMinBulkRecords && records > 2 * static_cast<uint64_t>(*services);
}

Result<ImportStats> read_sources(Store& store, const std::vector<ImportSource>& sources) {
    ImportStats stats;
    std::optional<ScanImport> scan;
    std::string current;
    size_t source = 0;
    auto end_scan = [&](bool clean) -> Status {
        Status s = scan ? scan->end(clean) : Status(Ok{});
        scan.reset();
        current.clear();
        return s;
    };
    auto fail = [&](uint64_t line, const std::string& what) -> Error {
        (void)end_scan(false);
        return make_error(fmt::format("{}:{}: {}", sources[source].name, line, what));
    };
    ParsePipeline pipeline(sources);
    while (auto chunk = pipeline.next()) {
        if (chunk->source != source) {  // a scan ends with its file
            if (auto s = end_scan(true); !s) return s.error();
            source = chunk->source;
        }
        uint64_t line = chunk->first_line;
        for (auto& item : chunk->items) {
            uint64_t at = line++;
            if (item.kind == Kind::kSkip) continue;
            if (item.scan_id != current) {
                if (auto s = end_scan(true); !s) return s.error();
                scan.emplace(store, stats);
                current = item.scan_id;
                if (auto s = scan->begin(current, item); !s) return fail(at, s.error().message);
            }
            if (auto s = scan->add(std::move(item)); !s) return fail(at, s.error().message);
        }
        stats.lines += chunk->items.size();
        if (chunk->error) return fail(chunk->error->first, chunk->error->second);
    }
    if (auto s = end_scan(true); !s) return s.error();
    return stats;
}

}  // namespace

Result<ImportStats> import_ndjson(Store& store, const std::vector<ImportSource>& sources) {
    auto bulk = is_bulk(store, sources);
    if (!bulk) return bulk.error();
    if (*bulk)
        if (auto s = store.defer_search_indexes(); !s) return s.error();
    auto stats = read_sources(store, sources);
    if (*bulk)  // whatever became of the import: what it stored is searched by index again
        if (auto s = store.restore_search_indexes(); !s && stats) return s.error();
    return stats;
}

Result<ImportStats> import_ndjson(Store& store, std::istream& in, const std::string& name) {
    return import_ndjson(store, {ImportSource{&in, name}});
}

}  // namespace sl::store
