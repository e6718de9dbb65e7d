// SSH (RFC 4253: the identification string and the first binary packet). CATALOGUE row 30's
// neighbour in DESIGN.md's remote-access class; issue 5.
//
// What we send: our identification line "SSH-2.0-Searchlight_0.1" after the server's. Then we
// read the server's SSH_MSG_KEXINIT, which travels in clear before any key exchange, and close
// without sending a KEXINIT of our own. No key exchange, no authentication attempt.
// Open versus auth-required: an SSH server always demands authentication before a shell; the
// `none` method could only be probed after a full key exchange (out of scope), so a server that
// speaks SSH is `auth_required`.
// Evidence: the identification line, software and comments (OpenSSH_9.2p1, Debian-2+deb12u3),
// and the name-lists of KEXINIT: key exchange, host key, ciphers, MACs, compression.
// Wire format: "SSH-protoversion-softwareversion SP comments CR LF" (RFC 4253 lets other
// lines come first; we do not accept them, so that the greeting stage can judge a banner by its
// first four bytes); then uint32 packet_length, byte padding_length, payload, padding; the payload
// is byte 20, 16 cookie bytes, ten name-lists (uint32 length + comma-separated ASCII), a boolean
// and a reserved uint32. References: RFC 4253 sections 4.2, 6 and 7.1; nmap ssh2-enum-algos; zgrab2
// modules/ssh.
#include "grab/ssh/ssh.h"

#include <optional>
#include <string>

#include "grab/codecs/bytes.h"
#include "grab/codecs/lines.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"ssh.banner", FieldType::kString, "the server's identification line"},
    {"ssh.protocol", FieldType::kString, "protocol version of the identification: 2.0 or 1.99"},
    {"ssh.software", FieldType::kString, "softwareversion, e.g. OpenSSH_9.2p1"},
    {"ssh.comments", FieldType::kString, "the comments after the software version"},
    {"ssh.kex_algorithms", FieldType::kStringList, "key exchange methods (KEXINIT)"},
    {"ssh.host_key_algorithms", FieldType::kStringList, "server host key algorithms"},
    {"ssh.ciphers", FieldType::kStringList, "encryption, server to client"},
    {"ssh.macs", FieldType::kStringList, "MACs, server to client"},
    {"ssh.compression", FieldType::kStringList, "compression, server to client"},
};

constexpr uint16_t kPorts[] = {22, 2222};
constexpr std::string_view kOurId = "SSH-2.0-Searchlight_0.1\r\n";
constexpr uint32_t kMaxPacket = 35000;  // RFC 4253 section 6.1
constexpr uint8_t kMsgKexinit = 20;

// The name-lists of KEXINIT, in order; nullptr entries are read and not kept.
constexpr const char* kLists[] = {"ssh.kex_algorithms",
                                  "ssh.host_key_algorithms",
                                  nullptr,
                                  "ssh.ciphers",
                                  nullptr,
                                  "ssh.macs",
                                  nullptr,
                                  "ssh.compression",
                                  nullptr,
                                  nullptr};

class SshGrabber final : public Grabber {
  public:
    Next on_open(Session&) override { return Next::kRead; }  // the server speaks first

    Next on_data(Session& s, ByteQueue& in) override {
        if (stage_ == Stage::kIdent) {
            Next n = on_ident(s, in);
            if (n != Next::kRead || stage_ == Stage::kIdent) return n;
        }  // KEXINIT may have come in the same read as the identification
        if (in.size() < 6) return Next::kRead;
        uint32_t len = be32(in.view(), 0);
        if (len < 2 || len > kMaxPacket) return done(s);
        if (in.size() < 4 + len) return Next::kRead;
        on_packet(s, in.view().substr(4, len));
        in.consume(4 + len);
        return done(s);
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (stage_ == Stage::kKexinit) {  // identified; KEXINIT did not come whole
            done(s);
            return *verdict_;
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    enum class Stage { kIdent, kKexinit };

    Next on_ident(Session& s, ByteQueue& in) {
        std::string_view v = in.view();
        // Judge the first bytes at once: the greeting stage offers every greeting to us.
        if (!std::string_view("SSH-").starts_with(v.substr(0, 4))) return reject();
        std::string_view line;
        size_t used = 0;
        LineResult r = next_line(v, &line, &used);
        if (r == LineResult::kIncomplete) return Next::kRead;
        if (r == LineResult::kTooLong || line.size() > 255) return reject();
        in.consume(used);
        return on_ident_line(s, line);
    }

    Next on_ident_line(Session& s, std::string_view line) {
        std::string_view rest = line.substr(4);
        size_t dash = rest.find('-');
        if (dash == std::string_view::npos) return reject();
        std::string_view proto = rest.substr(0, dash);
        std::string_view software = rest.substr(dash + 1);
        std::string_view comments;
        if (size_t sp = software.find(' '); sp != std::string_view::npos) {
            comments = software.substr(sp + 1);
            software = software.substr(0, sp);
        }
        Record& rec = s.record();
        rec.set("ssh.banner", line);
        rec.set("ssh.protocol", proto);
        rec.set("ssh.software", software);
        if (!comments.empty()) rec.set("ssh.comments", comments);
        size_t us = software.find('_');
        rec.set("product", software.substr(0, us));
        if (us != std::string_view::npos) rec.set("version", software.substr(us + 1));
        if (proto != "2.0" && proto != "1.99") return done(s);  // SSH-1 only: no KEXINIT
        s.send(kOurId);
        stage_ = Stage::kKexinit;
        return Next::kRead;
    }

    void on_packet(Session& s, std::string_view packet) {
        auto padding = static_cast<unsigned char>(packet[0]);
        if (padding + 1u > packet.size()) return;
        std::string_view payload = packet.substr(1, packet.size() - 1 - padding);
        if (payload.size() < 17 || static_cast<uint8_t>(payload[0]) != kMsgKexinit) return;
        size_t at = 17;
        for (const char* field : kLists) {
            if (payload.size() - at < 4) return;
            uint32_t n = be32(payload, at);
            at += 4;
            if (n > payload.size() - at) return;
            std::string_view names = payload.substr(at, n);
            at += n;
            if (!field) continue;
            while (!names.empty()) {
                size_t comma = names.find(',');
                s.record().append(field, names.substr(0, comma).substr(0, 64));
                if (comma == std::string_view::npos) break;
                names.remove_prefix(comma + 1);
            }
        }
        kexinit_ = true;
    }

    Next reject() {
        verdict_ = Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
        return Next::kClose;
    }

    Next done(Session& s) {
        if (stage_ == Stage::kKexinit && !kexinit_) s.record().set("evidence_truncated", true);
        verdict_ = Verdict{GrabStatus::kOk, Access::kAuthRequired};
        return Next::kClose;
    }

    Stage stage_ = Stage::kIdent;
    bool kexinit_ = false;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec ssh_spec() {
    return {"ssh", kPorts,  Transport::kTcp,
            false, kFields, [] { return std::unique_ptr<Grabber>(new SshGrabber()); }};
}

}  // namespace sl::grab
