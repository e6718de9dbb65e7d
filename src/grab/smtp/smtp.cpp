// SMTP (RFC 5321, STARTTLS RFC 3207, AUTH RFC 4954). CATALOGUE row 31 (without its relay test).
//
// What we send: after the 220 greeting, "EHLO searchlight.invalid"; if STARTTLS is offered on a
// plaintext connection, "STARTTLS", the TLS handshake, and EHLO again inside TLS; then "QUIT".
// Never MAIL, RCPT or DATA: there is no relay test (it is opt-in in CATALOGUE row 31).
// Open versus auth-required: a server that offers AUTH demands a login to submit: it is
// `auth_required`, even when AUTH is offered in cleartext (the finding smtp.auth_before_tls,
// not an `open` verdict, DESIGN.md section 7). A server with no AUTH at all (a plain MX) is
// `unknown`: whether it relays is exactly the test we do not run. A 554 greeting is `denied`.
// Identification: a 220 greeting that says "SMTP", or any 220 greeting on 25, 465 or 587
// (FTP greets with 220 too; the FTP grabber takes the rest).
// Evidence: greeting, product when named, EHLO extensions, SIZE, STARTTLS, AUTH mechanisms
// before and after TLS, and the certificate (tls_cert) when STARTTLS ran.
// References: RFC 5321 sections 3.1, 4.1.1.1 and 4.2; RFC 3207; RFC 4954; nmap smtp-commands;
// zgrab2 modules/smtp.
#include "grab/smtp/smtp.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "core/text.h"
#include "grab/codecs/lines.h"
#include "grab/mail_product.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"smtp.greeting", FieldType::kString, "the 220 greeting (first line)"},
    {"smtp.extensions", FieldType::kStringList, "EHLO keywords (before TLS)"},
    {"smtp.size", FieldType::kInteger, "SIZE limit in bytes"},
    {"smtp.starttls", FieldType::kBool, "STARTTLS is offered"},
    {"smtp.auth_mechanisms", FieldType::kStringList, "AUTH mechanisms offered before TLS"},
    {"smtp.auth_before_tls", FieldType::kBool, "AUTH is offered on a plaintext connection"},
    {"smtp.auth_mechanisms_tls", FieldType::kStringList, "AUTH mechanisms offered inside TLS"},
};

constexpr uint16_t kPorts[] = {25, 587, 465, 2525};
constexpr uint16_t kSmtpPorts[] = {25, 465, 587};

bool says_smtp(std::string_view text) {
    return ascii_lower(text.substr(0, 512)).find("smtp") != std::string::npos;
}

class SmtpGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        if (stage_ == Stage::kStartTls) {  // inside TLS now
            tls_pending_ = false;
            s.send("EHLO searchlight.invalid\r\n");
            stage_ = Stage::kEhloTls;
        }
        return Next::kRead;  // the server speaks first
    }

    Next on_data(Session& s, ByteQueue& in) override {
        if (tls_pending_) return Next::kRead;  // plaintext after "220 Ready" is never read
        while (!verdict_) {
            TextReply reply;
            size_t used = 0;
            ReplyResult r = next_reply(in.view(), &reply, &used);
            if (r == ReplyResult::kIncomplete) return Next::kRead;
            if (r != ReplyResult::kReply)
                return stage_ == Stage::kGreeting
                           ? end(GrabStatus::kNotThisProtocol, Access::kUnknown)
                           : finish(s, true);
            in.consume(used);
            Next next = on_reply(s, reply);
            if (next != Next::kRead || tls_pending_) return next;  // nothing plain crosses TLS
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (stage_ != Stage::kGreeting) {
            finish(s, true);
            return *verdict_;
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    enum class Stage { kGreeting, kEhlo, kStartTls, kEhloTls };

    Next on_reply(Session& s, const TextReply& reply) {
        switch (stage_) {
            case Stage::kGreeting:
                return on_greeting(s, reply);
            case Stage::kEhlo:
                on_ehlo(s, reply, false);
                if (starttls_ && !s.target().tls) {
                    s.send("STARTTLS\r\n");
                    stage_ = Stage::kStartTls;
                    return Next::kRead;
                }
                return finish(s, false);
            case Stage::kStartTls:
                if (reply.code != 220) return finish(s, false);
                s.start_tls();  // on_open follows inside TLS
                tls_pending_ = true;
                return Next::kRead;
            case Stage::kEhloTls:
                on_ehlo(s, reply, true);
                return finish(s, false);
        }
        return finish(s, false);
    }

    Next on_greeting(Session& s, const TextReply& reply) {
        std::string_view first = reply.lines.empty() ? std::string_view() : reply.lines[0];
        bool usual = std::find(std::begin(kSmtpPorts), std::end(kSmtpPorts), s.target().port) !=
                     std::end(kSmtpPorts);
        bool smtp = says_smtp(first);
        if ((reply.code != 220 && reply.code != 554) || (!smtp && !usual))
            return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        Record& rec = s.record();
        rec.set("smtp.greeting", first.substr(0, 200));
        name_mail_product(rec, first);
        if (reply.code == 554) return end(GrabStatus::kOk, Access::kDenied);
        s.send("EHLO searchlight.invalid\r\n");
        stage_ = Stage::kEhlo;
        return Next::kRead;
    }

    void on_ehlo(Session& s, const TextReply& reply, bool tls) {
        if (reply.code != 250) return;
        Record& rec = s.record();
        for (size_t i = 1; i < reply.lines.size(); ++i) {  // line 0 is the server's name
            std::string_view line = reply.lines[i];
            std::string_view keyword = line.substr(0, line.find(' '));
            if (!tls) rec.append("smtp.extensions", keyword.substr(0, 64));
            if (keyword == "STARTTLS") starttls_ = true;
            if (keyword == "SIZE" && line.size() > 5 && !tls) {
                uint64_t size = 0;
                for (char c : line.substr(5, 20))
                    if (c >= '0' && c <= '9') size = size * 10 + static_cast<uint64_t>(c - '0');
                rec.set("smtp.size", size);
            }
            if (keyword != "AUTH" || line.size() < 5) continue;
            std::string_view mechs = line.substr(5);
            auth_ = true;
            if (!tls && !s.target().tls) auth_before_tls_ = true;
            while (!mechs.empty()) {
                size_t sp = mechs.find(' ');
                if (sp > 0)
                    rec.append(tls ? "smtp.auth_mechanisms_tls" : "smtp.auth_mechanisms",
                               mechs.substr(0, std::min<size_t>(sp, 64)));
                if (sp == std::string_view::npos) break;
                mechs.remove_prefix(sp + 1);
            }
        }
    }

    Next finish(Session& s, bool cut_short) {
        Record& rec = s.record();
        if (cut_short) rec.set("evidence_truncated", true);
        rec.set("smtp.starttls", starttls_);
        rec.set("smtp.auth_before_tls", auth_before_tls_);
        if (!cut_short) s.send("QUIT\r\n");
        return end(GrabStatus::kOk, auth_ ? Access::kAuthRequired : Access::kUnknown);
    }

    Next end(GrabStatus status, Access access) {
        verdict_ = Verdict{status, access};
        return Next::kClose;
    }

    Stage stage_ = Stage::kGreeting;
    bool starttls_ = false, auth_ = false, auth_before_tls_ = false, tls_pending_ = false;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec smtp_spec() {
    return {"smtp", kPorts,  Transport::kTcp,
            false,  kFields, [] { return std::unique_ptr<Grabber>(new SmtpGrabber()); }};
}

}  // namespace sl::grab
