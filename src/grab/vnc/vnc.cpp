// VNC (RFB 3.3, 3.7, 3.8: RFC 6143). CATALOGUE row 29.
//
// What we send: our ProtocolVersion (3.8, or the server's if lower), and only when the server
// offers security type 1 (None): that type, then ClientInit (shared). We read ServerInit for
// the desktop's size and name, and close. Never a FramebufferUpdateRequest: that would be a
// screenshot, which is content.
// Open versus auth-required: None offered and ServerInit received is `open`; a list without
// None (VNC auth, VeNCrypt, ...) is `auth_required`; a failure reason in place of the list is
// `denied` (too many authentication failures, a blacklist).
// Wire format (RFC 6143 section 7): "RFB xxx.yyy\n"; 3.3: u32 security type; 3.7 and 3.8: u8
// count and the types; 3.8: u32 SecurityResult after None; ServerInit: u16 width, u16 height,
// 16 bytes of pixel format, u32 name length, the name.
// Evidence: version, security types (names), desktop name, width, height.
// References: RFC 6143 sections 7.1-7.3; nmap vnc-info (nselib/vnc.lua type names); nuclei
// unauth-vnc-server-detect.
#include "grab/vnc/vnc.h"

#include <optional>
#include <string>

#include "grab/codecs/bytes.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"vnc.version", FieldType::kString, "the server's RFB version, e.g. 003.008"},
    {"vnc.security_types", FieldType::kStringList, "offered security types, by name"},
    {"vnc.desktop_name", FieldType::kString, "the desktop name of ServerInit"},
    {"vnc.width", FieldType::kInteger, "framebuffer width"},
    {"vnc.height", FieldType::kInteger, "framebuffer height"},
    {"vnc.reason", FieldType::kString, "the server's reason when it refused"},
};

constexpr uint16_t kPorts[] = {5900, 5901, 5902, 5903};
constexpr size_t kMaxReason = 1024;
constexpr uint8_t kNone = 1;

std::string type_name(uint8_t t) {
    switch (t) {
        case 0:
            return "Invalid";
        case 1:
            return "None";
        case 2:
            return "VNC Authentication";
        case 5:
            return "RA2";
        case 6:
            return "RA2ne";
        case 16:
            return "Tight";
        case 17:
            return "Ultra";
        case 18:
            return "TLS";
        case 19:
            return "VeNCrypt";
        case 20:
            return "SASL";
        case 22:
            return "XVP";
        case 30:
            return "Apple ARD";
        case 35:
            return "Apple";
        default:
            return "type " + std::to_string(t);
    }
}

class VncGrabber final : public Grabber {
  public:
    Next on_open(Session&) override { return Next::kRead; }  // the server speaks first

    Next on_data(Session& s, ByteQueue& in) override {
        while (!verdict_) {
            std::optional<size_t> used = step(s, in.view());
            if (!used) return Next::kRead;  // a message is not whole yet
            in.consume(*used);
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (stage_ != Stage::kVersion) {
            s.record().set("evidence_truncated", true);
            return {GrabStatus::kOk,
                    stage_ == Stage::kServerInit ? Access::kOpen : Access::kUnknown};
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    enum class Stage { kVersion, kTypes, kSecurityResult, kServerInit };

    // Handles one whole message at the front of v: the bytes used, or nullopt for "need more".
    std::optional<size_t> step(Session& s, std::string_view v) {
        switch (stage_) {
            case Stage::kVersion:
                return on_version(s, v);
            case Stage::kTypes:
                return minor_ == 3 ? on_type33(s, v) : on_types(s, v);
            case Stage::kSecurityResult:
                return on_result(s, v);
            case Stage::kServerInit:
                return on_server_init(s, v);
        }
        return std::nullopt;
    }

    std::optional<size_t> on_version(Session& s, std::string_view v) {
        constexpr std::string_view kRfb = "RFB ";
        if (!kRfb.starts_with(v.substr(0, 4)))
            return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        if (v.size() < 12) return std::nullopt;
        std::string_view ver = v.substr(4, 7);  // "003.008"
        bool digits = v[11] == '\n' && ver[3] == '.';
        for (size_t i : {0, 1, 2, 4, 5, 6}) digits = digits && ver[i] >= '0' && ver[i] <= '9';
        if (!digits || ver.substr(0, 3) != "003")
            return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        s.record().set("product", "VNC");
        s.record().set("vnc.version", ver);
        int minor = (ver[4] - '0') * 100 + (ver[5] - '0') * 10 + (ver[6] - '0');
        minor_ = minor >= 8 ? 8 : minor >= 7 ? 7 : 3;  // 3.889 (Apple) speaks 3.8
        s.send(minor_ == 8 ? "RFB 003.008\n" : minor_ == 7 ? "RFB 003.007\n" : "RFB 003.003\n");
        stage_ = Stage::kTypes;
        return 12;
    }

    std::optional<size_t> on_type33(Session& s, std::string_view v) {
        if (v.size() < 4) return std::nullopt;
        uint32_t type = be32(v, 0);
        if (type == 0) return refused(s, v.substr(4), 4);
        s.record().append("vnc.security_types", type_name(static_cast<uint8_t>(type)));
        if (type != kNone) return end(GrabStatus::kOk, Access::kAuthRequired, 4);
        return client_init(s, 4);
    }

    std::optional<size_t> on_types(Session& s, std::string_view v) {
        if (v.empty()) return std::nullopt;
        auto count = static_cast<unsigned char>(v[0]);
        if (count == 0) return refused(s, v.substr(1), 1);
        if (v.size() < 1u + count) return std::nullopt;
        bool none = false;
        for (size_t i = 1; i <= count; ++i) {
            auto t = static_cast<uint8_t>(v[i]);
            s.record().append("vnc.security_types", type_name(t));
            none = none || t == kNone;
        }
        if (!none) return end(GrabStatus::kOk, Access::kAuthRequired, 1u + count);
        s.send(std::string(1, static_cast<char>(kNone)));
        if (minor_ == 7) return client_init(s, 1u + count);
        stage_ = Stage::kSecurityResult;
        return 1u + count;
    }

    std::optional<size_t> on_result(Session& s, std::string_view v) {
        if (v.size() < 4) return std::nullopt;
        if (be32(v, 0) != 0) return refused(s, v.substr(4), 4);
        return client_init(s, 4);
    }

    std::optional<size_t> client_init(Session& s, size_t used) {
        s.send(std::string(1, '\x01'));  // shared: do not disconnect anyone
        stage_ = Stage::kServerInit;
        return used;
    }

    std::optional<size_t> on_server_init(Session& s, std::string_view v) {
        if (v.size() < 24) return std::nullopt;
        uint32_t len = be32(v, 20);
        Record& rec = s.record();
        rec.set("vnc.width", static_cast<int64_t>(be16(v, 0)));
        rec.set("vnc.height", static_cast<int64_t>(be16(v, 2)));
        if (len > kMaxReason) {
            rec.set("evidence_truncated", true);
            return end(GrabStatus::kOk, Access::kOpen, v.size());
        }
        if (v.size() < 24 + len) return std::nullopt;
        rec.set("vnc.desktop_name", v.substr(24, len));
        return end(GrabStatus::kOk, Access::kOpen, 24 + len);
    }

    // A u32 length and a reason (3.3 invalid type, 3.7+ zero types, 3.8 failed result).
    std::optional<size_t> refused(Session& s, std::string_view rest, size_t used) {
        if (rest.size() < 4) return std::nullopt;
        uint32_t len = be32(rest, 0);
        size_t keep = std::min<size_t>(len, kMaxReason);
        if (rest.size() < 4 + keep) return std::nullopt;
        s.record().set("vnc.reason", rest.substr(4, keep));
        Access access = stage_ == Stage::kSecurityResult ? Access::kAuthRequired : Access::kDenied;
        return end(GrabStatus::kOk, access, std::min(used + 4 + keep, used + rest.size()));
    }

    size_t end(GrabStatus status, Access access, size_t used = 0) {
        verdict_ = Verdict{status, access};
        return used;
    }

    Stage stage_ = Stage::kVersion;
    int minor_ = 8;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec vnc_spec() {
    return {"vnc", kPorts,  Transport::kTcp,
            false, kFields, [] { return std::unique_ptr<Grabber>(new VncGrabber()); }};
}

}  // namespace sl::grab
