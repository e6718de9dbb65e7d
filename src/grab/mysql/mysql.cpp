// MySQL and MariaDB (client/server protocol 10). CATALOGUE row 10.
//
// What we send: nothing until the server's HandshakeV10 greeting (a server-first protocol);
// then a HandshakeResponse41 for user "root" with an EMPTY password (CATALOGUE R3: testing "no
// authentication", never a guess). An AuthSwitchRequest gets the same empty answer. On OK, one
// catalog query over information_schema.tables (schemas, estimated rows, data bytes), then
// COM_QUIT. No table is read.
// Open versus auth-required: OK after the empty password is `open`; ERR 1045 "Access denied" is
// `auth_required`; an ERR in place of the greeting (1130 "Host ... is not allowed to connect")
// is `denied`.
// Evidence: server version and auth plugin from the greeting (free, no login), then schema
// count, estimated rows and bytes, and up to 10 schema names.
// References: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html
// ; https://mariadb.com/kb/en/connection/ ; nmap mysql-empty-password, mysql-info.
#include "grab/mysql/mysql.h"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "grab/data_summary.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"mysql.version", FieldType::kString, "server version from the greeting"},
    {"mysql.auth_plugin", FieldType::kString, "the default authentication plugin"},
    {"mysql.error_code", FieldType::kInteger, "code of an ERR packet"},
    {"mysql.error", FieldType::kString, "message of an ERR packet"},
    {"mysql.schemas", FieldType::kInteger, "user schemas (information_schema.tables)"},
    {"mysql.rows", FieldType::kInteger, "estimated rows over those schemas (table_rows)"},
    {"mysql.bytes", FieldType::kInteger, "data bytes over those schemas (data_length)"},
};

constexpr uint16_t kPorts[] = {3306};
constexpr size_t kMaxPacket = 60 * 1024;
constexpr size_t kMaxNames = 10;
constexpr std::string_view kSizeQuery =
    "SELECT table_schema, SUM(table_rows), SUM(data_length) FROM information_schema.tables "
    "WHERE table_schema NOT IN ('mysql','sys','information_schema','performance_schema') "
    "GROUP BY 1";
constexpr uint32_t kClientCaps = 0x00000001 | 0x00000200 | 0x00008000 | 0x00080000;

std::string packet(uint8_t seq, std::string_view payload) {
    std::string p;
    p.push_back(static_cast<char>(payload.size() & 0xff));
    p.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
    p.push_back(static_cast<char>((payload.size() >> 16) & 0xff));
    p.push_back(static_cast<char>(seq));
    return p.append(payload);
}

void put_le32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::string handshake_response() {
    std::string p;
    put_le32(p, kClientCaps);
    put_le32(p, 16 * 1024 * 1024);
    p.push_back(33);  // utf8_general_ci
    p.append(23, '\0');
    p.append("root");
    p.push_back('\0');
    p.push_back('\0');  // auth response: empty
    p.append("mysql_native_password");
    p.push_back('\0');
    return packet(1, p);
}

// Length-encoded string at s[pos]; returns false at the end or on a malformed value.
bool lenenc(std::string_view s, size_t& pos, std::optional<std::string_view>& out) {
    if (pos >= s.size()) return false;
    auto first = static_cast<unsigned char>(s[pos++]);
    if (first == 0xfb) {
        out.reset();
        return true;
    }
    uint64_t len = first;
    int extra = first == 0xfc ? 2 : first == 0xfd ? 3 : first == 0xfe ? 8 : 0;
    if (extra) {
        if (pos + static_cast<size_t>(extra) > s.size()) return false;
        len = 0;
        for (int i = 0; i < extra; ++i)
            len |= uint64_t{static_cast<unsigned char>(s[pos + i])} << (8 * i);
        pos += static_cast<size_t>(extra);
    }
    if (len > s.size() - pos) return false;
    out = s.substr(pos, len);
    pos += len;
    return true;
}

uint64_t number(const std::optional<std::string_view>& v) {
    uint64_t n = 0;
    if (v) std::from_chars(v->data(), v->data() + v->size(), n);
    return n;
}

enum class Stage { kGreeting, kAuth, kColumns, kColumnDefs, kRows, kDone };

class MysqlGrabber final : public Grabber {
  public:
    Next on_open(Session&) override { return Next::kRead; }  // the server speaks first

    Next on_data(Session& s, ByteQueue& in) override {
        while (stage_ != Stage::kDone) {
            std::string_view v = in.view();
            if (v.size() < 4) return Next::kRead;
            size_t len = static_cast<unsigned char>(v[0]) |
                         (static_cast<unsigned char>(v[1]) << 8) |
                         (static_cast<size_t>(static_cast<unsigned char>(v[2])) << 16);
            if (len == 0 || len > kMaxPacket)
                return stage_ == Stage::kGreeting ? fail(GrabStatus::kNotThisProtocol)
                                                  : fail(GrabStatus::kLimitExceeded);
            if (stage_ == Stage::kGreeting && v[3] != 0) return fail(GrabStatus::kNotThisProtocol);
            if (v.size() < len + 4) return Next::kRead;
            Next next = on_packet(s, v.substr(4, len));
            in.consume(len + 4);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (stage_ >= Stage::kColumns) {  // logged in; the size step did not finish
            s.record().set("evidence_truncated", true);
            return {GrabStatus::kOk, Access::kOpen};
        }
        if (why == CloseReason::kLimit) return {GrabStatus::kLimitExceeded, Access::kUnknown};
        if (stage_ == Stage::kAuth)
            return {why == CloseReason::kTimeout ? GrabStatus::kIoTimeout : GrabStatus::kOk,
                    Access::kUnknown};
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    Next fail(GrabStatus status) {
        verdict_ = Verdict{status, Access::kUnknown};
        return Next::kClose;
    }

    Next finish(Session& s, Access access) {
        verdict_ = Verdict{GrabStatus::kOk, access};
        stage_ = Stage::kDone;
        s.send(packet(0, "\x01"));  // COM_QUIT
        return Next::kClose;
    }

    Next on_packet(Session& s, std::string_view p) {
        switch (stage_) {
            case Stage::kGreeting:
                return on_greeting(s, p);
            case Stage::kAuth:
                return on_auth(s, p);
            case Stage::kColumns:
                if (is_err(p)) return on_err(s, p, Access::kOpen);
                stage_ = Stage::kColumnDefs;
                return Next::kRead;
            case Stage::kColumnDefs:
                if (is_eof(p)) stage_ = Stage::kRows;
                return Next::kRead;
            case Stage::kRows:
                if (is_eof(p) || is_err(p)) return done_query(s);
                return on_row(p);
            case Stage::kDone:
                break;
        }
        return Next::kClose;
    }

    static bool is_err(std::string_view p) { return static_cast<unsigned char>(p[0]) == 0xff; }
    static bool is_eof(std::string_view p) {
        return static_cast<unsigned char>(p[0]) == 0xfe && p.size() < 9;
    }

    Next on_err(Session& s, std::string_view p, Access access) {
        if (p.size() < 3) return fail(GrabStatus::kNotThisProtocol);
        int code = static_cast<unsigned char>(p[1]) | (static_cast<unsigned char>(p[2]) << 8);
        std::string_view msg = p.substr(3);
        if (!msg.empty() && msg[0] == '#' && msg.size() >= 6) msg.remove_prefix(6);
        s.record().set("mysql.error_code", code);
        s.record().set("mysql.error", msg.substr(0, 200));
        if (access == Access::kOpen) s.record().set("evidence_truncated", true);
        return finish(s, access);
    }

    Next on_greeting(Session& s, std::string_view p) {
        Record& rec = s.record();
        if (is_err(p)) {  // refused before any login: 1130 host not allowed, 1040 too many
            rec.set("product", p.find("MariaDB") != std::string_view::npos ? "MariaDB" : "MySQL");
            if (p.size() >= 3) {
                int code =
                    static_cast<unsigned char>(p[1]) | (static_cast<unsigned char>(p[2]) << 8);
                return on_err(s, p, code == 1130 ? Access::kDenied : Access::kUnknown);
            }
            return fail(GrabStatus::kNotThisProtocol);
        }
        if (p[0] != 10) return fail(GrabStatus::kNotThisProtocol);
        size_t nul = p.find('\0', 1);
        if (nul == std::string_view::npos || nul > 80) return fail(GrabStatus::kNotThisProtocol);
        std::string_view version = p.substr(1, nul - 1);
        for (char c : version)
            if (c < 0x20 || c > 0x7e) return fail(GrabStatus::kNotThisProtocol);
        size_t pos = nul + 1 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10;
        if (pos > p.size()) return fail(GrabStatus::kNotThisProtocol);
        size_t auth_len = static_cast<unsigned char>(p[nul + 1 + 4 + 8 + 1 + 2 + 1 + 2 + 2]);
        pos += std::max<size_t>(13, auth_len > 8 ? auth_len - 8 : 0);
        if (pos < p.size()) {
            std::string_view plugin = p.substr(pos);
            rec.set("mysql.auth_plugin", plugin.substr(0, plugin.find('\0')).substr(0, 64));
        }
        bool mariadb = version.find("MariaDB") != std::string_view::npos;
        if (version.starts_with("5.5.5-") && mariadb) version.remove_prefix(6);
        rec.set("product", mariadb ? "MariaDB" : "MySQL");
        rec.set("version", version);
        rec.set("mysql.version", version);
        s.send(handshake_response());
        stage_ = Stage::kAuth;
        return Next::kRead;
    }

    Next on_auth(Session& s, std::string_view p) {
        auto first = static_cast<unsigned char>(p[0]);
        if (first == 0x00) {
            s.send(packet(0, std::string("\x03").append(kSizeQuery)));
            stage_ = Stage::kColumns;
            return Next::kRead;
        }
        if (first == 0xff) {
            int code = p.size() >= 3 ? static_cast<unsigned char>(p[1]) |
                                           (static_cast<unsigned char>(p[2]) << 8)
                                     : 0;
            return on_err(s, p,
                          code == 1045 || code == 1698 ? Access::kAuthRequired : Access::kUnknown);
        }
        if (first == 0xfe &&
            !switched_) {  // AuthSwitchRequest: answer with the same empty password
            switched_ = true;
            s.send(packet(3, ""));
            return Next::kRead;
        }
        return finish(s, Access::kAuthRequired);  // more auth data wanted: a real password
    }

    Next on_row(std::string_view p) {
        size_t pos = 0;
        std::optional<std::string_view> schema, rows, bytes;
        if (!lenenc(p, pos, schema) || !lenenc(p, pos, rows) || !lenenc(p, pos, bytes))
            return Next::kRead;
        ++schemas_;
        rows_ += number(rows);
        bytes_ += number(bytes);
        if (schema && names_.size() < kMaxNames) names_.emplace_back(*schema);
        return Next::kRead;
    }

    Next done_query(Session& s) {
        Record& rec = s.record();
        rec.set("mysql.schemas", schemas_);
        rec.set("mysql.rows", rows_);
        rec.set("mysql.bytes", bytes_);
        rec.set("data.collections", schemas_);
        rec.set("data.rows", rows_);
        rec.set("data.bytes", bytes_);
        uint64_t mail = 0;
        for (const auto& n : names_) {
            rec.append("data.names_sample", n);
            mail += mail_like(n) ? 1 : 0;
        }
        rec.set("data.mail_like_names", mail);
        return finish(s, Access::kOpen);
    }

    Stage stage_ = Stage::kGreeting;
    bool switched_ = false;
    std::optional<Verdict> verdict_;
    uint64_t schemas_ = 0;
    uint64_t rows_ = 0;
    uint64_t bytes_ = 0;
    std::vector<std::string> names_;
};

}  // namespace

GrabberSpec mysql_spec() {
    return {"mysql", kPorts,  Transport::kTcp,
            false,   kFields, [] { return std::unique_ptr<Grabber>(new MysqlGrabber()); }};
}

}  // namespace sl::grab
