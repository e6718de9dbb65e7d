// rsync daemon (the rsyncd text handshake). CATALOGUE row 24.
//
// What we send: after the server's "@RSYNCD: <version>" greeting, our own "@RSYNCD: 31.0" and
// an empty module name, which asks for the module list ("name<TAB>comment" lines, ended by
// "@RSYNCD: EXIT"). Then, for each of the first 10 modules, a fresh connection (Reconnect):
// greeting, version, the module's name, and one answer read: "@RSYNCD: OK" (no auth) or
// "@RSYNCD: AUTHREQD <challenge>". We close there: no file list, no transfer.
// Open versus auth-required: a module that answers OK without credentials is `open`; when
// every listed module asks for auth, `auth_required`. A daemon that lists nothing is `unknown`.
// Evidence: protocol version, motd lines (count), modules (names and comments count), which
// modules need auth.
// References: rsyncd.conf(5); rsync's clientserver.c (the daemon handshake); nmap
// rsync-list-modules (nselib/rsync.lua); nuclei rsync-list-modules.
#include "grab/rsync/rsync.h"

#include <optional>
#include <string>
#include <vector>

#include "grab/codecs/lines.h"
#include "grab/data_summary.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"rsync.version", FieldType::kString, "the protocol version of the greeting"},
    {"rsync.modules", FieldType::kInteger, "modules in the list"},
    {"rsync.open_modules", FieldType::kStringList, "modules that answered OK without auth"},
    {"rsync.auth_modules", FieldType::kStringList, "modules that asked for auth"},
    {"rsync.motd_lines", FieldType::kInteger, "lines of the message of the day"},
};

constexpr uint16_t kPorts[] = {873};
constexpr size_t kModulesProbed = 10;
constexpr std::string_view kGreeting = "@RSYNCD: ";

class RsyncGrabber final : public Grabber {
  public:
    Next on_open(Session&) override {
        greeted_ = false;
        return Next::kRead;  // the server speaks first, on every connection
    }

    Next on_data(Session& s, ByteQueue& in) override {
        while (!verdict_) {
            std::string_view v = in.view();
            if (!greeted_ && !kGreeting.starts_with(v.substr(0, kGreeting.size())))
                return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
            std::string_view line;
            size_t used = 0;
            LineResult r = next_line(v, &line, &used);
            if (r == LineResult::kIncomplete) return Next::kRead;
            if (r == LineResult::kTooLong) return finish(s, true);
            std::string copy(line);
            in.consume(used);
            Next next = greeted_ ? on_line(s, copy) : on_greeting(s, copy);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (identified_) {
            finish(s, true);
            return *verdict_;
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    Next on_greeting(Session& s, std::string_view line) {
        greeted_ = true;
        std::string_view version = line.substr(kGreeting.size());
        version = version.substr(0, version.find(' '));
        if (!identified_) {
            if (version.empty() || version[0] < '0' || version[0] > '9')
                return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
            identified_ = true;
            s.record().set("product", "rsync");
            s.record().set("rsync.version", version.substr(0, 16));
        }
        std::string hello = "@RSYNCD: 31.0\n";
        hello += probing_ < modules_.size() ? modules_[probing_] : std::string();
        s.send(hello + "\n");
        return Next::kRead;
    }

    Next on_line(Session& s, std::string_view line) {
        if (probing_ < modules_.size()) return on_module_answer(s, line);
        if (line == "@RSYNCD: EXIT") return listed(s);
        if (line.starts_with("@ERROR")) return listed(s);
        size_t tab = line.find('\t');
        if (tab == std::string_view::npos) {
            ++motd_lines_;  // the message of the day comes before the list
            return Next::kRead;
        }
        std::string name(line.substr(0, tab));
        while (!name.empty() && name.back() == ' ') name.pop_back();
        summary_.add(name.substr(0, 200));
        if (modules_.size() < kModulesProbed && !name.empty() &&
            name.find_first_of("\n\r/") == std::string::npos)
            modules_.push_back(name.substr(0, 200));
        return Next::kRead;
    }

    Next listed(Session& s) {
        summary_.listed();
        s.record().set("rsync.modules", summary_.collections());
        if (modules_.empty()) return finish(s, false);
        probing_ = 0;
        return Next::kReconnect;
    }

    Next on_module_answer(Session& s, std::string_view line) {
        const std::string& name = modules_[probing_];
        if (line.starts_with("@RSYNCD: OK")) {
            s.record().append("rsync.open_modules", name);
            open_ = true;
        } else if (line.starts_with("@RSYNCD: AUTHREQD")) {
            s.record().append("rsync.auth_modules", name);
            auth_ = true;
        } else if (!line.starts_with("@ERROR")) {
            return Next::kRead;  // a motd line before the answer
        }
        if (++probing_ == modules_.size()) return finish(s, false);
        return Next::kReconnect;
    }

    Next finish(Session& s, bool cut_short) {
        Record& rec = s.record();
        if (cut_short) rec.set("evidence_truncated", true);
        rec.set("rsync.motd_lines", motd_lines_);
        summary_.write(rec);
        Access access = open_ ? Access::kOpen : auth_ ? Access::kAuthRequired : Access::kUnknown;
        return end(GrabStatus::kOk, access);
    }

    Next end(GrabStatus status, Access access) {
        verdict_ = Verdict{status, access};
        return Next::kClose;
    }

    bool greeted_ = false, identified_ = false, open_ = false, auth_ = false;
    size_t probing_ = SIZE_MAX;
    uint64_t motd_lines_ = 0;
    std::vector<std::string> modules_;
    DataSummary summary_;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec rsync_spec() {
    return {"rsync",           kPorts,
            Transport::kTcp,   false,
            kFields,           [] { return std::unique_ptr<Grabber>(new RsyncGrabber()); },
            1 + kModulesProbed};
}

}  // namespace sl::grab
