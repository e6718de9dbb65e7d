// FTP (RFC 959, FEAT RFC 2389). CATALOGUE row 23.
//
// What we send: after the 220 greeting, "USER anonymous" and "PASS anonymous@" (the anonymous
// login is the check, not a guess, CATALOGUE R3); when it succeeds, FEAT, PWD, PASV and
// "STAT /", then QUIT. The root's listing comes over the control connection (STAT with a path),
// so no data connection is ever opened. PASV's reply is only read: an address other than the
// target is recorded (a NAT'd server leaking its inside address) and never connected to
// (CATALOGUE, "Following addresses a server gives"). Never RETR, STOR or any write.
// Open versus auth-required: 230 after USER/PASS anonymous is `open`; 530 is `auth_required`.
// 421 in place of a greeting is `denied`.
// Identification: a 220 greeting. SMTP also greets with 220; it is tried first and takes the
// greetings that say SMTP (or any 220 on its ports), so FTP takes the rest.
// Evidence: greeting, product, FEAT, the root's entries (count, names, sizes from the ls -l
// lines), the PASV address when it is not the target.
// References: RFC 959 sections 4.1.3 (STAT, PASV) and 4.2; RFC 2389; nmap ftp-anon; zgrab2
// modules/ftp; nuclei ftp-anonymous-login.
#include "grab/ftp/ftp.h"

#include <charconv>
#include <optional>
#include <string>

#include "grab/codecs/lines.h"
#include "grab/data_summary.h"
#include "grab/mail_product.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"ftp.greeting", FieldType::kString, "the 220 greeting (first line)"},
    {"ftp.anonymous", FieldType::kBool, "the anonymous login succeeded"},
    {"ftp.features", FieldType::kStringList, "FEAT lines"},
    {"ftp.cwd", FieldType::kString, "the directory PWD names after login"},
    {"ftp.root_entries", FieldType::kInteger, "entries listed by STAT / (without . and ..)"},
    {"ftp.pasv_address", FieldType::kString,
     "the address PASV named when it was not the target's (never connected to)"},
    {"ftp.reply_code", FieldType::kInteger, "the code that refused the login"},
};

constexpr uint16_t kPorts[] = {21, 2121};
enum class Stage { kGreeting, kUser, kPass, kFeat, kPwd, kPasv, kStat, kDone };

// "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)": the dotted address, or "".
std::string pasv_host(std::string_view text) {
    size_t open = text.find('(');
    if (open == std::string_view::npos) return {};
    int parts[6] = {};
    const char* p = text.data() + open + 1;
    const char* end = text.data() + text.size();
    for (int i = 0; i < 6; ++i) {
        auto [next, ec] = std::from_chars(p, end, parts[i]);
        if (ec != std::errc() || parts[i] < 0 || parts[i] > 255) return {};
        p = next;
        if (i < 5 && (p == end || *p++ != ',')) return {};
    }
    return std::to_string(parts[0]) + "." + std::to_string(parts[1]) + "." +
           std::to_string(parts[2]) + "." + std::to_string(parts[3]);
}

// One "ls -l" line of STAT: the name and the size (the fifth field), when it looks like one.
bool ls_entry(std::string_view line, std::string_view* name, uint64_t* size) {
    std::string_view fields[9];
    size_t n = 0;
    while (n < 8 && !line.empty()) {
        size_t a = line.find_first_not_of(' ');
        if (a == std::string_view::npos) return false;
        line.remove_prefix(a);
        size_t sp = line.find(' ');
        fields[n++] = line.substr(0, sp);
        line = sp == std::string_view::npos ? std::string_view() : line.substr(sp);
    }
    size_t a = line.find_first_not_of(' ');
    if (n < 8 || a == std::string_view::npos) return false;
    *name = line.substr(a);
    *size = 0;
    std::from_chars(fields[4].data(), fields[4].data() + fields[4].size(), *size);
    return fields[0].size() == 10;  // drwxr-xr-x
}

class FtpGrabber final : public Grabber {
  public:
    Next on_open(Session&) override { return Next::kRead; }  // the server speaks first

    Next on_data(Session& s, ByteQueue& in) override {
        while (!verdict_) {
            TextReply reply;
            size_t used = 0;
            ReplyResult r = next_reply(in.view(), &reply, &used);
            if (r == ReplyResult::kIncomplete) return Next::kRead;
            if (r != ReplyResult::kReply)
                return stage_ == Stage::kGreeting
                           ? end(GrabStatus::kNotThisProtocol, Access::kUnknown)
                           : cut_short(s);
            in.consume(used);
            Next next = on_reply(s, reply);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (stage_ != Stage::kGreeting) {
            cut_short(s);
            return *verdict_;
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    Next on_reply(Session& s, const TextReply& reply) {
        Record& rec = s.record();
        std::string_view first = reply.lines.empty() ? std::string_view() : reply.lines[0];
        switch (stage_) {
            case Stage::kGreeting:
                return on_greeting(s, reply.code, first);
            case Stage::kUser:
                if (reply.code == 230) return logged_in(s);
                if (reply.code != 331) return refused(s, reply.code);
                return ask(s, "PASS anonymous@\r\n", Stage::kPass);
            case Stage::kPass:
                if (reply.code != 230 && reply.code != 202) return refused(s, reply.code);
                return logged_in(s);
            case Stage::kFeat:
                if (reply.code == 211) record_features(rec, reply);
                return ask(s, "PWD\r\n", Stage::kPwd);
            case Stage::kPwd:
                if (reply.code == 257) {
                    size_t q1 = first.find('"'), q2 = first.rfind('"');
                    if (q1 != q2) rec.set("ftp.cwd", first.substr(q1 + 1, q2 - q1 - 1));
                }
                return ask(s, "PASV\r\n", Stage::kPasv);
            case Stage::kPasv:
                if (reply.code == 227) {
                    std::string host = pasv_host(first);
                    if (!host.empty() && host != s.target().ip.to_string())
                        rec.set("ftp.pasv_address", host);
                }
                return ask(s, "STAT /\r\n", Stage::kStat);
            case Stage::kStat:
                on_stat(s, reply);
                s.send("QUIT\r\n");
                return end(GrabStatus::kOk, Access::kOpen);
            case Stage::kDone:
                break;
        }
        return end(GrabStatus::kOk, access_);
    }

    static void record_features(Record& rec, const TextReply& reply) {
        for (size_t i = 1; i + 1 < reply.lines.size(); ++i) {  // between "Features:" and "End"
            std::string_view line = reply.lines[i];
            size_t a = line.find_first_not_of(' ');
            if (a != std::string_view::npos) rec.append("ftp.features", line.substr(a, 64));
        }
    }

    Next on_greeting(Session& s, int code, std::string_view first) {
        if (code != 220 && code != 421) return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        Record& rec = s.record();
        rec.set("ftp.greeting", first.substr(0, 200));
        name_mail_product(rec, first);
        if (code == 421) return end(GrabStatus::kOk, Access::kDenied);
        return ask(s, "USER anonymous\r\n", Stage::kUser);
    }

    Next ask(Session& s, std::string_view command, Stage next) {
        s.send(command);
        stage_ = next;
        return Next::kRead;
    }

    Next logged_in(Session& s) {
        access_ = Access::kOpen;
        s.record().set("ftp.anonymous", true);
        return ask(s, "FEAT\r\n", Stage::kFeat);
    }

    Next refused(Session& s, int code) {
        s.record().set("ftp.anonymous", false);
        s.record().set("ftp.reply_code", static_cast<int64_t>(code));
        s.send("QUIT\r\n");
        return end(GrabStatus::kOk, code == 530 || code == 331 || code == 332
                                        ? Access::kAuthRequired
                                        : Access::kUnknown);
    }

    void on_stat(Session& s, const TextReply& reply) {
        if (reply.code != 211 && reply.code != 212 && reply.code != 213) {
            s.record().set("evidence_truncated", true);  // no listing over the control channel
            return;
        }
        DataSummary summary;
        summary.listed();
        for (size_t i = 1; i + 1 < reply.lines.size(); ++i) {
            std::string_view name;
            uint64_t size = 0;
            if (!ls_entry(reply.lines[i], &name, &size) || name == "." || name == "..") continue;
            bool file = reply.lines[i].starts_with('-');  // a directory's size is not data
            summary.add(name.substr(0, 200), std::nullopt,
                        file ? std::optional(size) : std::nullopt);
        }
        if (reply.lines.size() >= kMaxReplyLines) s.record().set("evidence_truncated", true);
        s.record().set("ftp.root_entries", summary.collections());
        summary.write(s.record());
    }

    Next cut_short(Session& s) {
        if (access_ == Access::kOpen) s.record().set("evidence_truncated", true);
        return end(GrabStatus::kOk, access_);
    }

    Next end(GrabStatus status, Access access) {
        verdict_ = Verdict{status, access};
        stage_ = Stage::kDone;
        return Next::kClose;
    }

    Stage stage_ = Stage::kGreeting;
    Access access_ = Access::kUnknown;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec ftp_spec() {
    return {"ftp", kPorts,  Transport::kTcp,
            false, kFields, [] { return std::unique_ptr<Grabber>(new FtpGrabber()); }};
}

}  // namespace sl::grab
