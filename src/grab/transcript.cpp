#include "grab/transcript.h"

#include <fmt/format.h>

#include <charconv>

#include "core/text.h"

namespace sl::grab {

namespace {

std::string join(const TranscriptConnection& c, bool client) {
    std::string out;
    for (const auto& b : c.blocks)
        if (b.from_client == client) out += b.bytes;
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Status directive(std::string_view d, Transcript& t) {
    if (d.starts_with("target ")) {
        std::string_view v = d.substr(7);
        size_t colon = v.rfind(':');
        if (colon == std::string_view::npos) return make_error("@target needs ip:port");
        auto ip = parse_ip(v.substr(0, colon));
        unsigned port = 0;
        auto pv = v.substr(colon + 1);
        auto [p, ec] = std::from_chars(pv.data(), pv.data() + pv.size(), port);
        if (!ip || ec != std::errc() || p != pv.data() + pv.size() || port == 0 || port > 65535)
            return make_error("@target needs ip:port");
        t.ip = *ip;
        t.port = static_cast<uint16_t>(port);
        return Ok{};
    }
    if (d == "close timeout") {
        t.ends_in_timeout = true;
        return Ok{};
    }
    return make_error(fmt::format("unknown directive '@{}'", d));
}

}  // namespace

std::string TranscriptConnection::client_bytes() const { return join(*this, true); }
std::string TranscriptConnection::server_bytes() const { return join(*this, false); }

std::string escape_bytes(std::string_view bytes) {
    std::string out;
    for (char ch : bytes) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\\')
            out += "\\\\";
        else if (c >= 0x20 && c < 0x7f)
            out.push_back(ch);
        else {
            out += "\\x";
            append_hex(out, c);
        }
    }
    return out;
}

Result<std::string> unescape_bytes(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out.push_back(text[i]);
            continue;
        }
        if (++i >= text.size()) return make_error("dangling backslash");
        switch (text[i]) {
            case 'r':
                out.push_back('\r');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 't':
                out.push_back('\t');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '0':
                out.push_back('\0');
                break;
            case 'x': {
                int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
                int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
                if (hi < 0 || lo < 0) return make_error("bad \\x escape");
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                break;
            }
            default:
                return make_error(fmt::format("unknown escape \\{}", text[i]));
        }
    }
    return out;
}

Result<Transcript> parse_transcript(std::string_view text) {
    Transcript t;
    t.connections.emplace_back();
    size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty()) continue;
        auto where = [&](const std::string& what) {
            return make_error(fmt::format("line {}: {}", line_no, what));
        };
        if (line.starts_with("# @")) {
            if (auto s = directive(line.substr(3), t); !s) return where(s.error().message);
        } else if (line.starts_with("#")) {
            t.header.emplace_back(line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1));
        } else if (line.starts_with("=== connection")) {
            bool tls = line.find("(tls)") != std::string_view::npos;
            if (t.connections.size() == 1 && t.connections[0].blocks.empty()) {
                t.connections[0].tls = tls;  // "=== connection 1 (tls)" opens the transcript
            } else {
                TranscriptConnection c;
                c.tls = tls;
                t.connections.push_back(std::move(c));
            }
        } else if (line == "=== starttls") {
            t.connections.back().starttls_block = t.connections.back().blocks.size();
        } else if (line.starts_with("> ") || line.starts_with("< ")) {
            auto bytes = unescape_bytes(line.substr(2));
            if (!bytes) return where(bytes.error().message);
            bool client = line[0] == '>';
            auto& blocks = t.connections.back().blocks;
            if (blocks.empty() || blocks.back().from_client != client)
                blocks.push_back({client, {}});
            blocks.back().bytes += *bytes;
        } else {
            return where("expected '#', '> ', '< ', '=== connection' or '=== starttls'");
        }
    }
    if (t.header.empty()) return make_error("a transcript must name its source in a '#' line");
    return t;
}

std::string format_transcript(const Transcript& t) {
    std::string out;
    for (const auto& h : t.header) out += "# " + h + "\n";
    out += fmt::format("# @target {}:{}\n",
                       t.ip.family == Family::kV6 ? "[" + t.ip.to_string() + "]" : t.ip.to_string(),
                       t.port);
    if (t.ends_in_timeout) out += "# @close timeout\n";
    for (size_t i = 0; i < t.connections.size(); ++i) {
        const auto& c = t.connections[i];
        if (i > 0 || c.tls)
            out += fmt::format("=== connection {}{}\n", i + 1, c.tls ? " (tls)" : "");
        for (size_t bi = 0; bi < c.blocks.size(); ++bi) {
            const auto& b = c.blocks[bi];
            if (c.starttls_block == bi) out += "=== starttls\n";
            // One line per received line of the protocol, for readability.
            std::string_view rest = b.bytes;
            while (!rest.empty()) {
                size_t nl = rest.find('\n');
                std::string_view piece =
                    rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1);
                out += (b.from_client ? "> " : "< ") + escape_bytes(piece) + "\n";
                rest.remove_prefix(piece.size());
            }
        }
    }
    return out;
}

}  // namespace sl::grab
