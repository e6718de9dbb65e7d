// POP3 (RFC 1939, capabilities RFC 2449, STLS RFC 2595). CATALOGUE row 32.
//
// What we send: after the "+OK" greeting, "CAPA"; when STLS is offered on a plaintext
// connection, "STLS" and, inside TLS (the runner records the certificate), "QUIT"; otherwise
// "QUIT". No USER, PASS, APOP or AUTH.
// Open versus auth-required: POP3 always demands a login: `auth_required`, even when USER/PASS
// would travel in cleartext (the finding `pop3.cleartext_login`, not an `open` verdict,
// DESIGN.md section 7). "-ERR" in place of a greeting is `denied`.
// Evidence: greeting text, product when it names itself, CAPA lines, STLS, USER, SASL
// mechanisms, cleartext login allowed (USER or a SASL mechanism offered outside TLS).
// References: RFC 1939 section 4; RFC 2449 section 5 (CAPA); RFC 2595 section 4 (STLS); nmap
// pop3-capabilities; zgrab2 modules/pop3.
#include "grab/pop3/pop3.h"

#include <optional>
#include <string>

#include "grab/codecs/lines.h"
#include "grab/mail_product.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"pop3.greeting", FieldType::kString, "the server's greeting line"},
    {"pop3.capabilities", FieldType::kStringList, "CAPA lines (first 100)"},
    {"pop3.stls", FieldType::kBool, "STLS is offered"},
    {"pop3.user", FieldType::kBool, "the USER/PASS login is offered"},
    {"pop3.sasl_mechanisms", FieldType::kStringList, "SASL mechanisms from CAPA"},
    {"pop3.cleartext_login", FieldType::kBool,
     "a password would be accepted without TLS (USER or SASL offered on a plaintext connection)"},
};

constexpr uint16_t kPorts[] = {110, 995};

class Pop3Grabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        if (stage_ != Stage::kStls) return Next::kRead;  // the server speaks first
        s.send("QUIT\r\n");  // inside TLS now: the certificate is what we came for
        return end(GrabStatus::kOk, Access::kAuthRequired);
    }

    Next on_data(Session& s, ByteQueue& in) override {
        if (tls_pending_) return Next::kRead;  // plaintext after "+OK" to STLS is never read
        while (!verdict_) {
            std::string_view v = in.view();
            if (stage_ == Stage::kGreeting &&
                !std::string_view("+OK").starts_with(v.substr(0, 3)) &&
                !std::string_view("-ERR").starts_with(v.substr(0, 4)))
                return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
            std::string_view line;
            size_t used = 0;
            LineResult r = next_line(v, &line, &used);
            if (r == LineResult::kIncomplete) return Next::kRead;
            if (r == LineResult::kTooLong)
                return stage_ == Stage::kGreeting
                           ? end(GrabStatus::kNotThisProtocol, Access::kUnknown)
                           : end(GrabStatus::kLimitExceeded, Access::kAuthRequired);
            Next next = stage_ == Stage::kGreeting ? on_greeting(s, line)
                        : stage_ == Stage::kStls   ? on_stls(s, line)
                                                   : on_capa(s, line);
            in.consume(used);
            if (next != Next::kRead || tls_pending_) return next;  // nothing plain crosses TLS
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (stage_ != Stage::kGreeting) {  // CAPA cut short, or STLS failed
            s.record().set("evidence_truncated", true);
            return {GrabStatus::kOk, Access::kAuthRequired};
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    enum class Stage { kGreeting, kCapaStatus, kCapaLines, kStls };

    Next on_greeting(Session& s, std::string_view line) {
        Record& rec = s.record();
        bool ok = line.starts_with("+OK");
        if (!ok && !line.starts_with("-ERR"))
            return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        rec.set("pop3.greeting", line.substr(0, 200));
        name_mail_product(rec, line);
        if (!ok) return end(GrabStatus::kOk, Access::kDenied);
        s.send("CAPA\r\n");
        stage_ = Stage::kCapaStatus;
        return Next::kRead;
    }

    Next on_capa(Session& s, std::string_view line) {
        Record& rec = s.record();
        if (stage_ == Stage::kCapaStatus) {
            if (!line.starts_with("+OK")) return finish(s);  // an RFC 1939-only server
            stage_ = Stage::kCapaLines;
            return Next::kRead;
        }
        if (line == ".") return finish(s);
        rec.append("pop3.capabilities", line.substr(0, 64));
        if (line == "STLS") stls_ = true;
        if (line == "USER") user_ = true;
        if (line.starts_with("SASL")) {
            std::string_view mechs = line.substr(4);
            while (!mechs.empty()) {
                size_t sp = mechs.find(' ');
                if (sp > 0)
                    rec.append("pop3.sasl_mechanisms", mechs.substr(0, std::min<size_t>(sp, 64)));
                if (sp == std::string_view::npos) break;
                mechs.remove_prefix(sp + 1);
                sasl_ = true;
            }
        }
        return Next::kRead;
    }

    Next finish(Session& s) {
        Record& rec = s.record();
        rec.set("pop3.stls", stls_);
        rec.set("pop3.user", user_);
        rec.set("pop3.cleartext_login", (user_ || sasl_) && !s.target().tls);
        if (stls_ && !s.target().tls) {
            s.send("STLS\r\n");
            stage_ = Stage::kStls;
            return Next::kRead;
        }
        s.send("QUIT\r\n");
        return end(GrabStatus::kOk, Access::kAuthRequired);
    }

    Next on_stls(Session& s, std::string_view line) {
        if (!line.starts_with("+OK")) {
            s.send("QUIT\r\n");
            return end(GrabStatus::kOk, Access::kAuthRequired);
        }
        s.start_tls();  // on_open follows inside TLS
        tls_pending_ = true;
        return Next::kRead;
    }

    Next end(GrabStatus status, Access access) {
        verdict_ = Verdict{status, access};
        return Next::kClose;
    }

    Stage stage_ = Stage::kGreeting;
    bool stls_ = false, user_ = false, sasl_ = false, tls_pending_ = false;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec pop3_spec() {
    return {"pop3", kPorts,  Transport::kTcp,
            false,  kFields, [] { return std::unique_ptr<Grabber>(new Pop3Grabber()); }};
}

}  // namespace sl::grab
