// IMAP4 (RFC 9051, RFC 3501). CATALOGUE row 32.
//
// What we send: after the server's greeting, "a1 CAPABILITY"; when STARTTLS is offered on a
// plaintext connection, "a2 STARTTLS" and, inside TLS (the runner records the certificate),
// "a3 LOGOUT"; otherwise "a2 LOGOUT". No LOGIN, no AUTHENTICATE, no mailbox is ever selected.
// Open versus auth-required: a "* PREAUTH" greeting means the connection is already logged in:
// `open`. Otherwise IMAP demands a login: `auth_required`, even when the login would travel in
// cleartext; that is the finding `imap.cleartext_login` (no LOGINDISABLED outside TLS), not an
// `open` verdict (DESIGN.md section 7). "* BYE" in place of a greeting is `denied`.
// Evidence: greeting text, product when it names itself, capabilities, STARTTLS,
// LOGINDISABLED, AUTH= mechanisms, cleartext login allowed.
// References: RFC 9051 sections 7.1 (greetings), 6.1.1 (CAPABILITY) and 6.2.1 (STARTTLS);
// RFC 3501 section 6.2.3 (LOGINDISABLED); nmap imap-capabilities; zgrab2 modules/imap.
#include "grab/imap/imap.h"

#include <optional>
#include <string>

#include "grab/codecs/lines.h"
#include "grab/mail_product.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"imap.greeting", FieldType::kString, "the server's greeting line"},
    {"imap.capabilities", FieldType::kStringList, "CAPABILITY atoms (first 100)"},
    {"imap.starttls", FieldType::kBool, "STARTTLS is offered"},
    {"imap.login_disabled", FieldType::kBool, "LOGINDISABLED: no login before TLS"},
    {"imap.auth_mechanisms", FieldType::kStringList, "AUTH= mechanisms"},
    {"imap.cleartext_login", FieldType::kBool,
     "a password would be accepted without TLS (no LOGINDISABLED on a plaintext connection)"},
};

constexpr uint16_t kPorts[] = {143, 993};

class ImapGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        if (stage_ != Stage::kStartTls) return Next::kRead;  // the server speaks first
        s.send("a3 LOGOUT\r\n");  // inside TLS now: the certificate is what we came for
        return end(GrabStatus::kOk, access_);
    }

    Next on_data(Session& s, ByteQueue& in) override {
        if (tls_pending_) return Next::kRead;  // plaintext after "a2 OK" is never read
        while (!verdict_) {
            std::string_view v = in.view();
            if (stage_ == Stage::kGreeting && !std::string_view("* ").starts_with(v.substr(0, 2)))
                return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
            std::string_view line;
            size_t used = 0;
            LineResult r = next_line(v, &line, &used);
            if (r == LineResult::kIncomplete) return Next::kRead;
            if (r == LineResult::kTooLong)
                return stage_ == Stage::kGreeting
                           ? end(GrabStatus::kNotThisProtocol, Access::kUnknown)
                           : end(GrabStatus::kLimitExceeded, access_);
            Next next = stage_ == Stage::kGreeting     ? on_greeting(s, line)
                        : stage_ == Stage::kCapability ? on_capability(s, line)
                                                       : on_starttls(s, line);
            in.consume(used);
            if (next != Next::kRead || tls_pending_) return next;  // nothing plain crosses TLS
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (stage_ != Stage::kGreeting) {  // a capability list cut short, or STARTTLS failed
            s.record().set("evidence_truncated", true);
            return {GrabStatus::kOk, access_};
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    enum class Stage { kGreeting, kCapability, kStartTls };

    Next on_greeting(Session& s, std::string_view line) {
        bool ok = line.starts_with("* OK"), preauth = line.starts_with("* PREAUTH");
        bool bye = line.starts_with("* BYE");
        if (!ok && !preauth && !bye) return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        Record& rec = s.record();
        rec.set("imap.greeting", line.substr(0, 200));
        name_mail_product(rec, line);
        if (bye) return end(GrabStatus::kOk, Access::kDenied);
        access_ = preauth ? Access::kOpen : Access::kAuthRequired;
        s.send("a1 CAPABILITY\r\n");
        stage_ = Stage::kCapability;
        return Next::kRead;
    }

    Next on_capability(Session& s, std::string_view line) {
        Record& rec = s.record();
        if (line.starts_with("* CAPABILITY ")) {
            std::string_view atoms = line.substr(13);
            while (!atoms.empty()) {
                size_t sp = atoms.find(' ');
                std::string_view atom = atoms.substr(0, sp);
                if (!atom.empty()) on_atom(rec, atom);
                if (sp == std::string_view::npos) break;
                atoms.remove_prefix(sp + 1);
            }
            return Next::kRead;
        }
        if (!line.starts_with("a1 ")) return Next::kRead;  // other untagged data
        rec.set("imap.starttls", starttls_);
        rec.set("imap.login_disabled", login_disabled_);
        rec.set("imap.cleartext_login", !login_disabled_ && !s.target().tls);
        if (starttls_ && !s.target().tls) {
            s.send("a2 STARTTLS\r\n");
            stage_ = Stage::kStartTls;
            return Next::kRead;
        }
        s.send("a2 LOGOUT\r\n");
        return end(GrabStatus::kOk, access_);
    }

    Next on_starttls(Session& s, std::string_view line) {
        if (!line.starts_with("a2 ")) return Next::kRead;  // untagged data
        if (!line.starts_with("a2 OK")) {
            s.send("a3 LOGOUT\r\n");
            return end(GrabStatus::kOk, access_);
        }
        s.start_tls();  // on_open follows inside TLS
        tls_pending_ = true;
        return Next::kRead;
    }

    void on_atom(Record& rec, std::string_view atom) {
        rec.append("imap.capabilities", atom.substr(0, 64));
        if (atom == "STARTTLS") starttls_ = true;
        if (atom == "LOGINDISABLED") login_disabled_ = true;
        if (atom.starts_with("AUTH=")) rec.append("imap.auth_mechanisms", atom.substr(5, 64));
    }

    Next end(GrabStatus status, Access access) {
        verdict_ = Verdict{status, access};
        return Next::kClose;
    }

    Stage stage_ = Stage::kGreeting;
    Access access_ = Access::kUnknown;
    bool starttls_ = false;
    bool login_disabled_ = false;
    bool tls_pending_ = false;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec imap_spec() {
    return {"imap", kPorts,  Transport::kTcp,
            false,  kFields, [] { return std::unique_ptr<Grabber>(new ImapGrabber()); }};
}

}  // namespace sl::grab
