// Memcached. CATALOGUE row 6.
//
// What we send: the ASCII command "version" (three times: 27 bytes, see below), then "stats",
// then "quit". No get, set or flush. "VERSION x" and a STAT list without credentials is `open`.
// With SASL on (-S), memcached speaks only the binary protocol: it reads our first 24 bytes as
// a binary header, finds no 0x80 magic and closes at once (one "version" alone, 9 bytes, would
// leave it waiting for the rest of a header until our timeout). That close, with nothing said,
// makes us reconnect and send two binary requests (magic 0x80): VERSION (opcode 0x0b), which
// memcached answers before authentication, and STAT (0x10). STAT's status 0x0020
// "Authentication error" is `auth_required`; status 0 and the STAT packets are `open`. A server
// that answers the ASCII probe "ERROR" gets the same binary requests.
// Evidence: version, curr_items, bytes, uptime, curr_connections (metadata only).
// References: https://github.com/memcached/memcached/blob/master/doc/protocol.txt ;
// https://github.com/memcached/memcached/wiki/BinaryProtocolRevamped ; nmap memcached-info.
#include "grab/memcached/memcached.h"

#include <charconv>
#include <optional>
#include <string>

#include "grab/codecs/bytes.h"
#include "grab/codecs/lines.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"memcached.version", FieldType::kString, "the VERSION reply"},
    {"memcached.curr_items", FieldType::kInteger, "items stored now (STAT curr_items)"},
    {"memcached.bytes", FieldType::kInteger, "bytes used by items (STAT bytes)"},
    {"memcached.uptime", FieldType::kInteger, "seconds since the server started"},
    {"memcached.curr_connections", FieldType::kInteger, "open connections"},
    {"memcached.binary_status", FieldType::kInteger, "status of the binary STAT request"},
    {"memcached.binary_only", FieldType::kBool,
     "the server spoke only the binary protocol to us (memcached -S, SASL)"},
};

constexpr uint16_t kPorts[] = {11211};

constexpr std::string_view kAsciiProbe = "version\r\nversion\r\nversion\r\n";
// Binary requests with no key, extras or body (24-byte headers): VERSION, then STAT.
constexpr char kBinaryProbe[48] = {'\x80', '\x0b', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,      0,
                                   0,      0,      0, 0, 0, 0, 0, 0, 0, 0, 0, '\x80', '\x10'};
constexpr size_t kHeader = 24;
constexpr uint32_t kMaxBinaryBody = 4096;  // a STAT value or a version; anything longer is not ours
constexpr uint8_t kOpVersion = 0x0b, kOpStat = 0x10;
constexpr unsigned kStatusAuthError = 0x20;

enum class Stage { kVersion, kStats, kBinary, kDone };

uint64_t to_u64(std::string_view s) {
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

class MemcachedGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        if (stage_ == Stage::kBinary) {
            s.send(std::string_view(kBinaryProbe, sizeof kBinaryProbe));
            return Next::kRead;
        }
        s.send(kAsciiProbe);
        return Next::kRead;
    }

    Next on_data(Session& s, ByteQueue& in) override {
        heard_ = true;
        if (stage_ == Stage::kBinary) return on_binary(s, in);
        while (stage_ != Stage::kDone) {
            std::string_view line;
            size_t used = 0;
            LineResult r = next_line(in.view(), &line, &used);
            if (r == LineResult::kIncomplete) return Next::kRead;
            if (r == LineResult::kTooLong)
                return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
            Next next = stage_ == Stage::kVersion ? on_version(s, line) : on_stat(s, line);
            in.consume(used);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    bool reconnect_after_close(Session& s, CloseReason why) override {
        bool closed = why == CloseReason::kPeerClosed || why == CloseReason::kReset;
        if (stage_ != Stage::kVersion || heard_ || !closed || s.target().attempt != 0) return false;
        stage_ = Stage::kBinary;  // closed at our first 24 bytes: binary only
        return true;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (why == CloseReason::kLimit) return {GrabStatus::kLimitExceeded, Access::kUnknown};
        if (stage_ == Stage::kStats || (stage_ == Stage::kBinary && stat_started_)) {
            s.record().set("evidence_truncated", true);  // VERSION came; STAT did not finish
            return {GrabStatus::kOk, Access::kOpen};
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    Next end(GrabStatus status, Access access) {
        verdict_ = Verdict{status, access};
        stage_ = Stage::kDone;
        return Next::kClose;
    }

    void set_version(Session& s, std::string_view v) {
        s.record().set("product", "Memcached");
        s.record().set("version", v);
        s.record().set("memcached.version", v);
    }

    Next on_version(Session& s, std::string_view line) {
        if (line.starts_with("VERSION ") && line.size() < 64) {
            set_version(s, line.substr(8));
            s.send("stats\r\nquit\r\n");
            stage_ = Stage::kStats;
            return Next::kRead;
        }
        if (line == "ERROR" && s.target().attempt == 0) {
            stage_ = Stage::kBinary;  // the ASCII protocol is off here
            return Next::kReconnect;
        }
        return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
    }

    Next on_stat(Session& s, std::string_view line) {
        if (line == "END") return stats_end(s);
        if (!stat_started_ && line.starts_with("VERSION ")) return Next::kRead;  // probes 2, 3
        if (!line.starts_with("STAT ")) return end(GrabStatus::kProtocolError, Access::kOpen);
        std::string_view rest = line.substr(5);
        size_t sp = rest.find(' ');
        if (sp == std::string_view::npos) return Next::kRead;
        note_stat(s, rest.substr(0, sp), rest.substr(sp + 1));
        return Next::kRead;
    }

    void note_stat(Session& s, std::string_view k, std::string_view v) {
        Record& rec = s.record();
        stat_started_ = true;
        if (k == "curr_items")
            rec.set("memcached.curr_items", items_ = to_u64(v));
        else if (k == "bytes")
            rec.set("memcached.bytes", bytes_ = to_u64(v));
        else if (k == "uptime")
            rec.set("memcached.uptime", to_u64(v));
        else if (k == "curr_connections")
            rec.set("memcached.curr_connections", to_u64(v));
    }

    Next stats_end(Session& s) {
        s.record().set("data.rows", items_);
        s.record().set("data.bytes", bytes_);
        return end(GrabStatus::kOk, Access::kOpen);
    }

    // One response packet at a time: header, then extras, key and value.
    Next on_binary(Session& s, ByteQueue& in) {
        while (stage_ == Stage::kBinary) {
            if (in.size() < kHeader) return Next::kRead;
            std::string_view h = in.view();
            uint32_t body = be32(h, 8);
            if (static_cast<uint8_t>(h[0]) != 0x81 || body > kMaxBinaryBody)
                return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
            if (in.size() < kHeader + body) return Next::kRead;
            uint16_t key_len = be16(h, 2);
            uint8_t extras = static_cast<uint8_t>(h[4]);
            if (size_t{extras} + key_len > body)
                return end(GrabStatus::kProtocolError, Access::kUnknown);
            std::string_view key = h.substr(kHeader + extras, key_len);
            std::string_view value = h.substr(kHeader + extras + key_len, body - extras - key_len);
            Next next = on_packet(s, static_cast<uint8_t>(h[1]), be16(h, 6), key, value);
            in.consume(kHeader + body);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Next on_packet(Session& s, uint8_t opcode, unsigned status, std::string_view key,
                   std::string_view value) {
        Record& rec = s.record();
        if (opcode == kOpVersion) {
            if (status == 0 && !value.empty() && value.size() < 64) set_version(s, value);
            return Next::kRead;
        }
        if (opcode != kOpStat) return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        rec.set("product", "Memcached");
        rec.set("memcached.binary_only", true);
        if (status != 0 || !stat_started_) rec.set("memcached.binary_status", int64_t{status});
        if (status == kStatusAuthError) return end(GrabStatus::kOk, Access::kAuthRequired);
        if (status != 0) return end(GrabStatus::kOk, Access::kUnknown);
        if (key.empty()) return stats_end(s);  // the empty STAT ends the list
        note_stat(s, key, value);
        return Next::kRead;
    }

    Stage stage_ = Stage::kVersion;
    std::optional<Verdict> verdict_;
    bool heard_ = false;         // the server sent something on this target
    bool stat_started_ = false;  // a STAT line or packet came
    uint64_t items_ = 0;
    uint64_t bytes_ = 0;
};

}  // namespace

GrabberSpec memcached_spec() {
    return {"memcached", kPorts,  Transport::kTcp,
            true,        kFields, [] { return std::unique_ptr<Grabber>(new MemcachedGrabber()); }};
}

}  // namespace sl::grab
