// Apache ZooKeeper (the jute binary protocol, then a four-letter word). CATALOGUE row 14.
//
// What we send: connection 1, a ConnectRequest (protocol 0, no session, empty password), then
// getChildren("/") without a watch, then closeSession. Connection 2: "srvr" (the one
// four-letter word whitelisted by default since 3.5.3), read until the server closes.
// Never getData: the children's names are kept, their contents are not read.
// Open versus auth-required: getChildren("/") answered with err 0 is `open`; NoAuth (-102,
// an ACL on /) or SessionClosedRequireAuth (-124, sessionRequireClientSASLAuth) is
// `auth_required`. A refused "srvr" (not in the whitelist) is not proof of anything.
// Wire format: every message is a 4-byte big-endian length and a jute record; ints and longs
// are big-endian, strings and buffers are a 4-byte length and bytes (-1: null).
// Evidence: version, mode, node count, the children of / (count and names).
// References: https://zookeeper.apache.org/doc/r3.8.0/zookeeperAdmin.html (four letter words,
// 4lw.commands.whitelist, sessionRequireClientSASLAuth) ; zookeeper.jute (ConnectRequest,
// GetChildrenRequest, ReplyHeader) ; nuclei exposed-zookeeper.
#include "grab/zookeeper/zookeeper.h"

#include <charconv>
#include <optional>
#include <string>

#include "grab/data_summary.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"zookeeper.mode", FieldType::kString, "standalone, leader or follower (srvr)"},
    {"zookeeper.node_count", FieldType::kInteger, "znodes in the tree (srvr)"},
    {"zookeeper.root_children", FieldType::kInteger, "children of / (getChildren)"},
    {"zookeeper.error", FieldType::kInteger, "getChildren's error code when it was refused"},
    {"zookeeper.four_letter_words", FieldType::kString, "srvr answered: enabled or disabled"},
};

constexpr uint16_t kPorts[] = {2181};
constexpr uint32_t kMaxFrame = 60 * 1024;  // under the runner's input cap: a frame fits whole
constexpr int32_t kGetChildren = 8, kCloseSession = -11;
constexpr int32_t kNoAuth = -102, kSessionClosedRequireAuth = -124;
constexpr size_t kMaxSrvr = 4096;

void put32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void put64(std::string& out, uint64_t v) {
    put32(out, static_cast<uint32_t>(v >> 32));
    put32(out, static_cast<uint32_t>(v));
}
std::string framed(const std::string& body) {
    std::string out;
    put32(out, static_cast<uint32_t>(body.size()));
    return out + body;
}

// Bounds-checked reads from one frame; any overrun sets ok = false and returns zeros.
class JuteReader {
  public:
    explicit JuteReader(std::string_view b) : b_(b) {}
    int32_t i32() { return static_cast<int32_t>(static_cast<uint32_t>(take(4))); }
    int64_t i64() { return static_cast<int64_t>(take(8)); }
    std::optional<std::string_view> str() {
        int32_t n = i32();
        if (!ok || n < -1 || static_cast<size_t>(std::max(n, 0)) > b_.size() - at_) {
            ok = false;
            return std::nullopt;
        }
        if (n <= 0) return std::string_view();
        std::string_view s = b_.substr(at_, static_cast<size_t>(n));
        at_ += static_cast<size_t>(n);
        return s;
    }
    size_t left() const { return b_.size() - at_; }
    bool ok = true;

  private:
    uint64_t take(size_t n) {
        if (!ok || b_.size() - at_ < n) {
            ok = false;
            return 0;
        }
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(b_[at_ + i]);
        at_ += n;
        return v;
    }
    std::string_view b_;
    size_t at_ = 0;
};

std::string connect_request() {
    std::string body;
    put32(body, 0);       // protocolVersion
    put64(body, 0);       // lastZxidSeen
    put32(body, 10'000);  // timeOut (ms)
    put64(body, 0);       // sessionId: a new session
    put32(body, 16);      // passwd: 16 zero bytes
    body.append(16, '\0');
    body.push_back('\0');  // readOnly: false
    return framed(body);
}

std::string get_children_root() {
    std::string body;
    put32(body, 1);  // xid
    put32(body, static_cast<uint32_t>(kGetChildren));
    put32(body, 1);
    body += "/";
    body.push_back('\0');  // watch: false
    return framed(body);
}

std::string close_session() {
    std::string body;
    put32(body, 2);
    put32(body, static_cast<uint32_t>(kCloseSession));
    return framed(body);
}

class ZooKeeperGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        if (s.target().attempt == 0) {
            s.send(connect_request());
        } else {
            s.send("srvr");
            stage_ = Stage::kSrvr;
        }
        return Next::kRead;
    }

    Next on_data(Session& s, ByteQueue& in) override {
        if (stage_ == Stage::kSrvr) {
            srvr_.append(in.view().substr(0, kMaxSrvr - std::min(kMaxSrvr, srvr_.size())));
            in.consume(in.size());
            return Next::kRead;  // srvr's answer ends when the server closes
        }
        while (!done_) {
            if (in.size() < 4) return Next::kRead;
            JuteReader head(in.view());
            auto len = static_cast<uint32_t>(head.i32());
            if (len > kMaxFrame || (stage_ == Stage::kConnect && (len < 20 || len > 1024)))
                return give_up();
            if (in.size() < 4 + len) return Next::kRead;
            Next next = on_frame(s, in.view().substr(4, len));
            in.consume(4 + len);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (stage_ == Stage::kSrvr) on_srvr(s);
        if (!identified_)
            return {why == CloseReason::kTimeout ? GrabStatus::kIoTimeout
                                                 : GrabStatus::kNotThisProtocol,
                    Access::kUnknown};
        if (access_ == Access::kUnknown && stage_ != Stage::kSrvr)
            s.record().set("evidence_truncated", true);
        summary_.write(s.record());
        return {GrabStatus::kOk, access_};
    }

  private:
    enum class Stage { kConnect, kChildren, kSrvr };

    Next give_up() {
        done_ = true;
        return Next::kClose;
    }

    Next on_frame(Session& s, std::string_view frame) {
        JuteReader r(frame);
        if (stage_ == Stage::kConnect) {
            int32_t version = r.i32();
            int32_t timeout = r.i32();
            r.i64();  // sessionId
            auto passwd = r.str();
            if (!r.ok || version != 0 || timeout < 0 || !passwd || passwd->size() > 64)
                return give_up();
            identified_ = true;
            s.record().set("product", "ZooKeeper");
            s.send(get_children_root());
            stage_ = Stage::kChildren;
            return Next::kRead;
        }
        int32_t xid = r.i32();
        r.i64();  // zxid
        int32_t err = r.i32();
        if (!r.ok) return give_up();
        if (xid != 1) return Next::kRead;  // a ping or a watch event: not our answer
        on_children(s, r, err);
        s.send(close_session());
        done_ = true;
        return Next::kReconnect;
    }

    void on_children(Session& s, JuteReader& r, int32_t err) {
        if (err == kNoAuth || err == kSessionClosedRequireAuth) access_ = Access::kAuthRequired;
        if (err != 0) {
            s.record().set("zookeeper.error", static_cast<int64_t>(err));
            return;
        }
        int32_t count = r.i32();
        if (!r.ok || count < 0 || static_cast<size_t>(count) > r.left() / 4) return;
        access_ = Access::kOpen;
        summary_.listed();
        for (int32_t i = 0; i < count; ++i) {
            auto name = r.str();
            if (!name) break;
            summary_.add(*name);
        }
        s.record().set("zookeeper.root_children", static_cast<int64_t>(count));
    }

    void on_srvr(Session& s) {
        Record& rec = s.record();
        if (srvr_.find("is not executed because it is not in the whitelist") != std::string::npos) {
            rec.set("zookeeper.four_letter_words", "disabled");
            return;
        }
        std::string_view version = line_value("Zookeeper version: ");
        if (version.empty()) return;
        rec.set("zookeeper.four_letter_words", "enabled");
        rec.set("version", version.substr(0, version.find_first_of(",-")));
        if (auto mode = line_value("Mode: "); !mode.empty()) rec.set("zookeeper.mode", mode);
        std::string_view nodes = line_value("Node count: ");
        uint64_t n = 0;
        if (!nodes.empty() &&
            std::from_chars(nodes.data(), nodes.data() + nodes.size(), n).ec == std::errc()) {
            rec.set("zookeeper.node_count", n);
            summary_.add_rows(n);
        }
    }

    std::string_view line_value(std::string_view key) const {
        size_t at = srvr_.find(key);
        if (at == std::string::npos || (at > 0 && srvr_[at - 1] != '\n')) return {};
        std::string_view rest = std::string_view(srvr_).substr(at + key.size());
        return rest.substr(0, rest.find_first_of("\r\n"));
    }

    Stage stage_ = Stage::kConnect;
    bool identified_ = false;
    bool done_ = false;
    Access access_ = Access::kUnknown;
    std::string srvr_;
    DataSummary summary_;
};

}  // namespace

GrabberSpec zookeeper_spec() {
    return {"zookeeper", kPorts,  Transport::kTcp,
            true,        kFields, [] { return std::unique_ptr<Grabber>(new ZooKeeperGrabber()); }};
}

}  // namespace sl::grab
