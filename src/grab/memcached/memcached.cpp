// Memcached. CATALOGUE row 6.
//
// What we send: the ASCII command "version", then "stats", then "quit". No get, set or
// flush. Open versus auth-required: "VERSION x" and a STAT list without credentials is `open`.
// With SASL on, memcached speaks only the binary protocol: an "ERROR" to the ASCII probe
// makes us reconnect and send one binary STAT request (magic 0x80, opcode 0x10); status
// 0x0020 "Authentication error" is `auth_required`, status 0 is `open`.
// Evidence: version, curr_items, bytes, uptime, curr_connections (metadata only).
// References: https://github.com/memcached/memcached/blob/master/doc/protocol.txt ;
// https://github.com/memcached/memcached/wiki/BinaryProtocolRevamped ; nmap memcached-info.
#include "grab/memcached/memcached.h"

#include <charconv>
#include <optional>
#include <string>

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
};

constexpr uint16_t kPorts[] = {11211};

// A binary-protocol STAT request with no key (24-byte header).
constexpr char kBinaryStat[24] = {'\x80', '\x10'};

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
            s.send(std::string_view(kBinaryStat, sizeof kBinaryStat));
            return Next::kRead;
        }
        s.send("version\r\n");
        return Next::kRead;
    }

    Next on_data(Session& s, ByteQueue& in) override {
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

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (why == CloseReason::kLimit) return {GrabStatus::kLimitExceeded, Access::kUnknown};
        if (stage_ == Stage::kStats) {  // VERSION came; STAT did not finish
            s.record().set("evidence_truncated", true);
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

    Next on_version(Session& s, std::string_view line) {
        if (line.starts_with("VERSION ") && line.size() < 64) {
            std::string_view v = line.substr(8);
            s.record().set("product", "Memcached");
            s.record().set("version", v);
            s.record().set("memcached.version", v);
            s.send("stats\r\nquit\r\n");
            stage_ = Stage::kStats;
            return Next::kRead;
        }
        if (line == "ERROR" && s.target().attempt == 0) {
            stage_ = Stage::kBinary;  // SASL mode answers only the binary protocol
            return Next::kReconnect;
        }
        return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
    }

    Next on_stat(Session& s, std::string_view line) {
        Record& rec = s.record();
        if (line == "END") {
            rec.set("data.rows", items_);
            rec.set("data.bytes", bytes_);
            return end(GrabStatus::kOk, Access::kOpen);
        }
        if (!line.starts_with("STAT ")) return end(GrabStatus::kProtocolError, Access::kOpen);
        std::string_view rest = line.substr(5);
        size_t sp = rest.find(' ');
        if (sp == std::string_view::npos) return Next::kRead;
        std::string_view k = rest.substr(0, sp), v = rest.substr(sp + 1);
        if (k == "curr_items")
            rec.set("memcached.curr_items", items_ = to_u64(v));
        else if (k == "bytes")
            rec.set("memcached.bytes", bytes_ = to_u64(v));
        else if (k == "uptime")
            rec.set("memcached.uptime", to_u64(v));
        else if (k == "curr_connections")
            rec.set("memcached.curr_connections", to_u64(v));
        return Next::kRead;
    }

    Next on_binary(Session& s, ByteQueue& in) {
        if (in.size() < 24) return Next::kRead;
        std::string_view h = in.view();
        if (static_cast<unsigned char>(h[0]) != 0x81 || h[1] != '\x10')
            return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        unsigned status =
            (static_cast<unsigned char>(h[6]) << 8) | static_cast<unsigned char>(h[7]);
        s.record().set("product", "Memcached");
        s.record().set("memcached.binary_status", static_cast<int64_t>(status));
        in.consume(in.size());
        if (status == 0x20) return end(GrabStatus::kOk, Access::kAuthRequired);
        if (status == 0) return end(GrabStatus::kOk, Access::kOpen);
        return end(GrabStatus::kOk, Access::kUnknown);
    }

    Stage stage_ = Stage::kVersion;
    std::optional<Verdict> verdict_;
    uint64_t items_ = 0;
    uint64_t bytes_ = 0;
};

}  // namespace

GrabberSpec memcached_spec() {
    return {"memcached", kPorts,  Transport::kTcp,
            true,        kFields, [] { return std::unique_ptr<Grabber>(new MemcachedGrabber()); }};
}

}  // namespace sl::grab
