// Telnet (RFC 854, option negotiation RFC 855). CATALOGUE row 30.
//
// What we send: only refusals. Every DO the server asks is answered WONT, every WILL it offers
// is answered DONT, once per option (RFC 854's rule against negotiation loops). We never type a
// byte of text: no user name, no password, not even a newline.
// Open versus auth-required: we read what the server prints until it waits for input. A login
// prompt ("login:", "Username:", "Password:") is `auth_required`; a shell or CLI prompt ending
// a short line ("# ", "$ ", "> ", "% ") is `open`: whoever connects has a shell. Anything else
// within the limits is telnet with access `unknown`.
// Identification: a server that opens with IAC negotiation (0xFF then WILL/WONT/DO/DONT) is
// telnet (so an SSH or FTP greeting is never taken for it); every telnetd we know negotiates.
// Prompts are judged at the byte that ends them, so the verdict never depends on how the
// server's bytes were split into reads.
// Evidence: the printable banner up to the prompt, which prompt, and the options the server
// offered (WILL) and asked for (DO), by name. Telnet is cleartext remote administration: a
// rule flags it even when a login is required.
// References: RFC 854, RFC 855, RFC 1091 (TERMINAL-TYPE), RFC 1073 (NAWS), RFC 1184
// (LINEMODE); IANA telnet-options; l9tcpid IdentifyTelnet; nmap telnet-ntlm-info (not sent).
#include "grab/telnet/telnet.h"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <optional>
#include <string>

#include "core/text.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"telnet.banner", FieldType::kString, "printable text up to the prompt (first 256 bytes)"},
    {"telnet.prompt", FieldType::kString, "login, password or shell: what the server waits for"},
    {"telnet.options_will", FieldType::kStringList, "options the server offered (WILL)"},
    {"telnet.options_do", FieldType::kStringList, "options the server asked us for (DO)"},
};

constexpr uint16_t kPorts[] = {23, 2323};
constexpr size_t kMaxText = 4096;  // printed text read before giving up on a prompt
constexpr size_t kBannerKept = 256;
constexpr uint8_t kIac = 255, kDont = 254, kDo = 253, kWont = 252, kWill = 251, kSb = 250,
                  kSe = 240;

std::string option_name(uint8_t option) {
    switch (option) {
        case 0:
            return "BINARY";
        case 1:
            return "ECHO";
        case 3:
            return "SUPPRESS-GO-AHEAD";
        case 5:
            return "STATUS";
        case 6:
            return "TIMING-MARK";
        case 24:
            return "TERMINAL-TYPE";
        case 31:
            return "NAWS";
        case 32:
            return "TERMINAL-SPEED";
        case 33:
            return "TOGGLE-FLOW-CONTROL";
        case 34:
            return "LINEMODE";
        case 35:
            return "X-DISPLAY-LOCATION";
        case 36:
            return "OLD-ENVIRON";
        case 37:
            return "AUTHENTICATION";
        case 38:
            return "ENCRYPT";
        case 39:
            return "NEW-ENVIRON";
        default:
            return "option " + std::to_string(option);
    }
}

constexpr size_t kPromptLine = 64;  // a prompt is the end of a short line

// The prompt that the text's current line ends in, judged at the byte that ends it (so the
// verdict never depends on how the bytes were split): "login:" and its kin at the colon, a
// shell or CLI prompt ("# ", "$ ", "> ", "% ") at the space after it, on a short line.
std::optional<std::string_view> prompt_at(std::string_view text) {
    size_t nl = text.find_last_of('\n');
    std::string_view line = nl == std::string_view::npos ? text : text.substr(nl + 1);
    if (line.empty() || line.size() > kPromptLine) return std::nullopt;
    std::string low = ascii_lower(line);
    if (low.back() == ':') {
        if (low.starts_with("last login")) return std::nullopt;  // a banner line, not a prompt
        for (auto p : {"login:", "username:", "user name:", "user:"})
            if (low.ends_with(p)) return "login";
        for (auto p : {"password:", "passcode:"})
            if (low.ends_with(p)) return "password";
        return std::nullopt;
    }
    if (low.size() < 2 || low.back() != ' ' || low.find('<') != std::string::npos)
        return std::nullopt;
    char mark = low[low.size() - 2];
    if (mark == '#' || mark == '$' || mark == '>' || mark == '%') return "shell";
    return std::nullopt;
}

class TelnetGrabber final : public Grabber {
  public:
    Next on_open(Session&) override { return Next::kRead; }  // the server speaks first

    Next on_data(Session& s, ByteQueue& in) override {
        std::string reply;
        size_t used = parse(s, in.view(), reply);
        in.consume(used);
        if (!reply.empty()) s.send(reply);
        if (not_telnet_) return not_telnet();
        if (prompt_ || text_.size() >= kMaxText) return finish(s, prompt_);
        return Next::kRead;
    }

    Verdict on_close(Session& s, CloseReason) override {
        if (verdict_) return *verdict_;
        if (!negotiated_ || not_telnet_) return {GrabStatus::kNotThisProtocol, Access::kUnknown};
        finish(s, std::nullopt);  // telnet, but no prompt within the limits
        return *verdict_;
    }

  private:
    // Walks whole commands and text at the front of v; returns the bytes used (a command cut
    // in half stays for the next read). Refusals go to reply.
    size_t parse(Session& s, std::string_view v, std::string& reply) {
        size_t i = 0;
        while (i < v.size() && !verdict_) {
            auto b = static_cast<uint8_t>(v[i]);
            if (in_subnegotiation_) {  // skip to IAC SE
                if (b == kIac && i + 1 >= v.size()) return i;
                if (b == kIac && static_cast<uint8_t>(v[i + 1]) == kSe) in_subnegotiation_ = false;
                i += b == kIac ? 2 : 1;
                continue;
            }
            if (!negotiated_ && b != kIac) {  // telnet opens with negotiation
                not_telnet_ = true;
                return i;
            }
            if (b != kIac) {
                text_.push_back(static_cast<char>(b));
                ++i;
                prompt_ = prompt_at(text_);
                if (prompt_ || text_.size() >= kMaxText) return i;
                continue;
            }
            if (i + 1 >= v.size()) return i;
            auto cmd = static_cast<uint8_t>(v[i + 1]);
            if (!negotiated_ && (cmd < kWill || cmd > kDont)) {  // IAC, but not a negotiation
                not_telnet_ = true;
                return i;
            }
            if (cmd == kIac) {  // an escaped 0xFF in the text
                i += 2;
                continue;
            }
            if (cmd == kSb) {
                in_subnegotiation_ = true;
                i += 2;
                continue;
            }
            if (cmd < kWill) {  // NOP, GA, and the other two-byte commands
                i += 2;
                continue;
            }
            if (i + 2 >= v.size()) return i;
            negotiate(s, cmd, static_cast<uint8_t>(v[i + 2]), reply);
            i += 3;
        }
        return i;
    }

    void negotiate(Session& s, uint8_t cmd, uint8_t option, std::string& reply) {
        negotiated_ = true;
        if (cmd == kWill || cmd == kDo) {
            bool will = cmd == kWill;
            std::bitset<256>& seen = will ? will_seen_ : do_seen_;
            if (seen[option]) return;
            seen[option] = true;
            s.record().append(will ? "telnet.options_will" : "telnet.options_do",
                              option_name(option));
            reply += std::string{static_cast<char>(kIac), static_cast<char>(will ? kDont : kWont),
                                 static_cast<char>(option)};
        }
    }

    Next finish(Session& s, std::optional<std::string_view> prompt) {
        Record& rec = s.record();
        std::string banner;
        for (char c : text_)
            if (std::isprint(static_cast<unsigned char>(c)) || c == '\n') banner.push_back(c);
        size_t a = banner.find_first_not_of(" \n");
        size_t z = banner.find_last_not_of(" \n");
        banner = a == std::string::npos ? "" : banner.substr(a, std::min(z + 1 - a, kBannerKept));
        if (!banner.empty()) rec.set("telnet.banner", banner);
        Access access = Access::kUnknown;
        if (prompt) {
            rec.set("telnet.prompt", *prompt);
            access = *prompt == "shell" ? Access::kOpen : Access::kAuthRequired;
        }
        verdict_ = Verdict{GrabStatus::kOk, access};
        return Next::kClose;
    }

    Next not_telnet() {
        verdict_ = Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
        return Next::kClose;
    }

    std::string text_;
    bool negotiated_ = false;
    bool in_subnegotiation_ = false;
    bool not_telnet_ = false;
    std::optional<std::string_view> prompt_;
    std::bitset<256> will_seen_, do_seen_;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec telnet_spec() {
    return {"telnet", kPorts,  Transport::kTcp,
            false,    kFields, [] { return std::unique_ptr<Grabber>(new TelnetGrabber()); }};
}

}  // namespace sl::grab
