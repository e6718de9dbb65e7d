// Redis (and Valkey, KeyDB). CATALOGUE row 5.
//
// What we send: the inline command PING. On +PONG, the pipeline "INFO server", "INFO memory",
// "INFO keyspace", then QUIT. Never KEYS, SCAN, GET or anything that reads or writes data.
// Open versus auth-required: +PONG and an INFO reply without credentials is `open`;
// "-NOAUTH Authentication required." is `auth_required`; "-DENIED Redis is running in
// protected mode..." is `denied` (reachable, but this client is refused). Any other RESP
// error to PING is a RESP speaker we cannot judge (`unknown`). Bytes that are not RESP are
// `not-this-protocol`.
// Evidence: version, mode, os, used_memory, per-db key counts (INFO keyspace): metadata only.
// References: https://redis.io/docs/reference/protocol-spec/ ; https://redis.io/commands/info/ ;
// zgrab2 modules/redis; nmap redis-info.
#include "grab/redis/redis.h"

#include <charconv>
#include <optional>
#include <string>

#include "grab/codecs/resp.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"redis.version", FieldType::kString, "redis_version from INFO server"},
    {"redis.mode", FieldType::kString, "redis_mode: standalone, cluster or sentinel"},
    {"redis.os", FieldType::kString, "os from INFO server"},
    {"redis.used_memory", FieldType::kInteger, "used_memory from INFO memory, in bytes"},
    {"redis.keys", FieldType::kInteger, "the sum of keys over every database (INFO keyspace)"},
    {"redis.databases", FieldType::kInteger, "databases that hold keys"},
    {"redis.error", FieldType::kString, "the error reply to PING, when there was one"},
};

constexpr uint16_t kPorts[] = {6379, 6380};

enum class Stage { kPing, kInfoServer, kInfoMemory, kInfoKeyspace, kDone };

uint64_t to_u64(std::string_view s) {
    uint64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

// Calls fn(key, value) for each "key:value" line of an INFO reply.
template <class Fn>
void for_each_info(std::string_view text, Fn fn) {
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        size_t colon = line.find(':');
        if (colon != std::string_view::npos && !line.empty() && line[0] != '#')
            fn(line.substr(0, colon), line.substr(colon + 1));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

class RedisGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        s.send("PING\r\n");
        return Next::kRead;
    }

    Next on_data(Session& s, ByteQueue& in) override {
        while (stage_ != Stage::kDone) {
            RespReply reply;
            RespResult r = parse_resp(in.view(), &reply);
            if (r == RespResult::kIncomplete) return Next::kRead;
            if (r == RespResult::kNotResp) return fail(GrabStatus::kNotThisProtocol);
            if (r == RespResult::kTooLarge) return fail(GrabStatus::kLimitExceeded);
            Next next = stage_ == Stage::kPing ? on_ping(s, reply) : on_info(s, reply);
            in.consume(reply.consumed);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (why == CloseReason::kLimit) return {GrabStatus::kLimitExceeded, Access::kUnknown};
        if (stage_ == Stage::kPing)
            return {why == CloseReason::kTimeout ? GrabStatus::kIoTimeout
                                                 : GrabStatus::kNotThisProtocol,
                    Access::kUnknown};
        // PONG came, INFO did not finish: Redis without auth, with truncated evidence.
        s.record().set("product", "Redis");
        s.record().set("evidence_truncated", true);
        return {GrabStatus::kOk, Access::kOpen};
    }

  private:
    Next fail(GrabStatus status) {
        verdict_ = Verdict{status, Access::kUnknown};
        return Next::kClose;
    }

    Next finish(Session& s, Access access) {
        s.record().set("product", "Redis");
        verdict_ = Verdict{GrabStatus::kOk, access};
        stage_ = Stage::kDone;
        return Next::kClose;
    }

    Next on_ping(Session& s, const RespReply& reply) {
        Record& rec = s.record();
        if (reply.type == '+' && reply.text == "PONG") {
            s.send("INFO server\r\nINFO memory\r\nINFO keyspace\r\nQUIT\r\n");
            stage_ = Stage::kInfoServer;
            return Next::kRead;
        }
        if (reply.type != '-') return fail(GrabStatus::kNotThisProtocol);
        rec.set("redis.error", reply.text.substr(0, 200));
        if (reply.text.starts_with("NOAUTH")) return finish(s, Access::kAuthRequired);
        if (reply.text.starts_with("DENIED")) return finish(s, Access::kDenied);
        return finish(s, Access::kUnknown);
    }

    Next on_info(Session& s, const RespReply& reply) {
        Record& rec = s.record();
        if (reply.type != '$') return finish(s, Access::kOpen);
        for_each_info(reply.text, [&](std::string_view k, std::string_view v) {
            if (k == "redis_version") {
                rec.set("version", v);
                rec.set("redis.version", v);
            } else if (k == "redis_mode") {
                rec.set("redis.mode", v);
            } else if (k == "os") {
                rec.set("redis.os", v);
            } else if (k == "used_memory") {
                rec.set("redis.used_memory", to_u64(v));
            } else if (k.starts_with("db") && v.starts_with("keys=")) {
                keys_ += to_u64(v.substr(5, v.find(',') - 5));
                ++databases_;
            }
        });
        if (stage_ == Stage::kInfoServer) {
            stage_ = Stage::kInfoMemory;
            return Next::kRead;
        }
        if (stage_ == Stage::kInfoMemory) {
            stage_ = Stage::kInfoKeyspace;
            return Next::kRead;
        }
        rec.set("redis.keys", keys_);
        rec.set("redis.databases", databases_);
        rec.set("data.rows", keys_);
        rec.set("data.collections", databases_);
        if (const auto* mem = rec.find("redis.used_memory"))
            rec.set("data.bytes", mem->get<uint64_t>());
        return finish(s, Access::kOpen);
    }

    Stage stage_ = Stage::kPing;
    std::optional<Verdict> verdict_;
    uint64_t keys_ = 0;
    uint64_t databases_ = 0;
};

}  // namespace

GrabberSpec redis_spec() {
    return {"redis", kPorts,  Transport::kTcp,
            true,    kFields, [] { return std::unique_ptr<Grabber>(new RedisGrabber()); }};
}

}  // namespace sl::grab
