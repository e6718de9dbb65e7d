// PostgreSQL (frontend/backend protocol v3). CATALOGUE row 9.
//
// What we send: SSLRequest; on 'S' the runner does STARTTLS and we go on inside TLS, on 'N' in
// clear. Then a StartupMessage for user "postgres", database "postgres" (testing "trust", which
// CATALOGUE R3 counts as no authentication; no password is ever sent). On AuthenticationOk, one
// catalog query: SELECT datname, pg_database_size(datname) FROM pg_database; then Terminate.
// Open versus auth-required: AuthenticationOk (code 0) is `open`; a password or SASL request
// (codes 3, 5, 10) is `auth_required`; an ErrorResponse naming pg_hba.conf is `denied`.
// Evidence: server_version, the authentication method asked for, the database count, their
// total size, and up to 10 names. No table is read.
// References: https://www.postgresql.org/docs/current/protocol-flow.html ,
// https://www.postgresql.org/docs/current/protocol-message-formats.html ; zgrab2 modules/postgres.
#include "grab/postgres/postgres.h"

#include <charconv>
#include <optional>
#include <string>

#include "grab/codecs/bytes.h"
#include "grab/data_summary.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"postgres.server_version", FieldType::kString, "ParameterStatus server_version"},
    {"postgres.auth_method", FieldType::kString,
     "what the server asked for: trust, cleartext, md5, sasl, ..."},
    {"postgres.sasl_mechanisms", FieldType::kStringList, "SASL mechanisms offered"},
    {"postgres.databases", FieldType::kInteger, "databases in pg_database"},
    {"postgres.total_size", FieldType::kInteger, "sum of pg_database_size, in bytes"},
    {"postgres.error_code", FieldType::kString, "SQLSTATE of an ErrorResponse"},
    {"postgres.error", FieldType::kString, "message of an ErrorResponse"},
    {"postgres.tls_offered", FieldType::kBool, "the server accepted SSLRequest"},
};

constexpr uint16_t kPorts[] = {5432};
constexpr size_t kMaxMessage = 60 * 1024;
constexpr size_t kMaxNames = 10;
constexpr std::string_view kSizeQuery =
    "SELECT datname, pg_database_size(datname) FROM pg_database";

void put32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

std::string startup_message() {
    std::string body;
    put32(body, 196608);  // protocol 3.0
    for (std::string_view kv :
         {"user", "postgres", "database", "postgres", "application_name", "searchlight"}) {
        body.append(kv);
        body.push_back('\0');
    }
    body.push_back('\0');
    std::string msg;
    put32(msg, static_cast<uint32_t>(body.size() + 4));
    return msg + body;
}

std::string typed(char type, std::string_view body) {
    std::string msg(1, type);
    put32(msg, static_cast<uint32_t>(body.size() + 4));
    return msg.append(body);
}

enum class Stage { kSsl, kAwaitTls, kAuth, kStartup, kQuery, kDone };

class PostgresGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        if (stage_ == Stage::kSsl && !s.target().tls) {
            std::string req;
            put32(req, 8);
            put32(req, 80877103);
            s.send(req);
            return Next::kRead;
        }
        stage_ = Stage::kAuth;  // inside TLS (after STARTTLS or on a TLS port)
        s.send(startup_message());
        return Next::kRead;
    }

    Next on_data(Session& s, ByteQueue& in) override {
        // Plaintext after 'S' and before the handshake is an injection (CVE-2021-23222).
        if (stage_ == Stage::kAwaitTls) return fail(GrabStatus::kProtocolError);
        if (stage_ == Stage::kSsl) {
            Next n = on_ssl_answer(s, in);
            if (n != Next::kRead || in.empty()) return n;
        }
        while (stage_ != Stage::kDone) {
            std::string_view v = in.view();
            if (v.size() < 5) return Next::kRead;
            uint32_t len = be32(v, 1);
            if (len < 4 || len > kMaxMessage) return fail(GrabStatus::kNotThisProtocol);
            if (v.size() < len + 1) return Next::kRead;
            Next next = on_message(s, v[0], v.substr(5, len - 4));
            in.consume(len + 1);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (stage_ == Stage::kStartup || stage_ == Stage::kQuery) {  // trusted; size step cut
            s.record().set("product", "PostgreSQL");
            s.record().set("evidence_truncated", true);
            return {GrabStatus::kOk, Access::kOpen};
        }
        if (why == CloseReason::kLimit) return {GrabStatus::kLimitExceeded, Access::kUnknown};
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    Next fail(GrabStatus status) {
        verdict_ = Verdict{status, Access::kUnknown};
        return Next::kClose;
    }

    Next finish(Session& s, Access access) {
        s.record().set("product", "PostgreSQL");
        verdict_ = Verdict{GrabStatus::kOk, access};
        stage_ = Stage::kDone;
        return Next::kClose;
    }

    Next on_ssl_answer(Session& s, ByteQueue& in) {
        char answer = in.view()[0];
        if (answer != 'S' && answer != 'N') return fail(GrabStatus::kNotThisProtocol);
        s.record().set("postgres.tls_offered", answer == 'S');
        // Bytes after 'S' would be plaintext injected before TLS (CVE-2021-23222): refuse them.
        if (answer == 'S' && in.size() > 1) return fail(GrabStatus::kProtocolError);
        in.consume(1);
        if (answer == 'S') {
            stage_ = Stage::kAwaitTls;
            s.start_tls();  // on_open follows inside TLS
            return Next::kRead;
        }
        stage_ = Stage::kAuth;
        s.send(startup_message());
        return Next::kRead;
    }

    Next on_message(Session& s, char type, std::string_view body) {
        Record& rec = s.record();
        switch (type) {
            case 'R':
                return on_auth(s, body);
            case 'E':
                return on_error(s, body);
            case 'S': {  // ParameterStatus
                size_t nul = body.find('\0');
                if (nul != std::string_view::npos && body.substr(0, nul) == "server_version") {
                    std::string_view v = body.substr(nul + 1);
                    v = v.substr(0, v.find('\0'));
                    rec.set("version", v);
                    rec.set("postgres.server_version", v);
                }
                return Next::kRead;
            }
            case 'Z':  // ReadyForQuery
                if (stage_ == Stage::kStartup) {
                    s.send(typed('Q', std::string(kSizeQuery) + '\0'));
                    stage_ = Stage::kQuery;
                    return Next::kRead;
                }
                if (stage_ == Stage::kQuery) return done_query(s);
                return Next::kRead;
            case 'D':
                return on_row(body);
            case 'K':
            case 'T':
            case 'C':
            case 'N':
                return Next::kRead;
            default:
                return stage_ == Stage::kAuth ? fail(GrabStatus::kNotThisProtocol) : Next::kRead;
        }
    }

    Next on_auth(Session& s, std::string_view body) {
        if (body.size() < 4) return fail(GrabStatus::kNotThisProtocol);
        uint32_t code = be32(body, 0);
        Record& rec = s.record();
        switch (code) {
            case 0:
                rec.set("postgres.auth_method", "trust");
                stage_ = Stage::kStartup;
                return Next::kRead;
            case 3:
                rec.set("postgres.auth_method", "cleartext");
                break;
            case 5:
                rec.set("postgres.auth_method", "md5");
                break;
            case 7:
                rec.set("postgres.auth_method", "gss");
                break;
            case 9:
                rec.set("postgres.auth_method", "sspi");
                break;
            case 10: {
                rec.set("postgres.auth_method", "sasl");
                std::string_view rest = body.substr(4);
                while (!rest.empty() && rest[0] != '\0') {
                    size_t nul = rest.find('\0');
                    rec.append("postgres.sasl_mechanisms", rest.substr(0, nul));
                    if (nul == std::string_view::npos) break;
                    rest.remove_prefix(nul + 1);
                }
                break;
            }
            default:
                return fail(GrabStatus::kNotThisProtocol);
        }
        s.send(typed('X', ""));  // Terminate: we never answer a password request
        return finish(s, Access::kAuthRequired);
    }

    Next on_error(Session& s, std::string_view body) {
        std::string code, message;
        while (!body.empty() && body[0] != '\0') {
            char field = body[0];
            size_t nul = body.find('\0', 1);
            std::string_view value = body.substr(1, nul == std::string_view::npos ? nul : nul - 1);
            if (field == 'C') code = value;
            if (field == 'M') message = value;
            if (nul == std::string_view::npos) break;
            body.remove_prefix(nul + 1);
        }
        if (code.size() != 5) return fail(GrabStatus::kNotThisProtocol);
        Record& rec = s.record();
        rec.set("postgres.error_code", code);
        rec.set("postgres.error", std::string_view(message).substr(0, 200));
        if (stage_ == Stage::kQuery || stage_ == Stage::kStartup) {
            rec.set("evidence_truncated", true);
            return finish(s, Access::kOpen);
        }
        if (message.find("pg_hba.conf") != std::string::npos) return finish(s, Access::kDenied);
        if (code == "28P01" || code == "28000") return finish(s, Access::kAuthRequired);
        return finish(s, Access::kUnknown);
    }

    Next on_row(std::string_view body) {
        // DataRow: int16 column count, then per column int32 length (-1 = NULL) and bytes.
        if (stage_ != Stage::kQuery || body.size() < 2) return Next::kRead;
        size_t pos = 2;
        std::string_view cols[2];
        for (int c = 0; c < 2; ++c) {
            if (pos + 4 > body.size()) return Next::kRead;
            uint32_t len = be32(body, pos);
            pos += 4;
            if (len == 0xffffffffu || pos + len > body.size()) return Next::kRead;
            cols[c] = body.substr(pos, len);
            pos += len;
        }
        ++databases_;
        uint64_t size = 0;
        std::from_chars(cols[1].data(), cols[1].data() + cols[1].size(), size);
        total_ += size;
        if (names_.size() < kMaxNames) names_.emplace_back(cols[0]);
        return Next::kRead;
    }

    Next done_query(Session& s) {
        Record& rec = s.record();
        rec.set("postgres.databases", databases_);
        rec.set("postgres.total_size", total_);
        rec.set("data.collections", databases_);
        rec.set("data.bytes", total_);
        uint64_t mail = 0;
        for (const auto& n : names_) {
            rec.append("data.names_sample", n);
            mail += mail_like(n) ? 1 : 0;
        }
        rec.set("data.mail_like_names", mail);
        s.send(typed('X', ""));
        return finish(s, Access::kOpen);
    }

    Stage stage_ = Stage::kSsl;
    std::optional<Verdict> verdict_;
    uint64_t databases_ = 0;
    uint64_t total_ = 0;
    std::vector<std::string> names_;
};

}  // namespace

GrabberSpec postgres_spec() {
    return {"postgres", kPorts,  Transport::kTcp,
            true,       kFields, [] { return std::unique_ptr<Grabber>(new PostgresGrabber()); }};
}

}  // namespace sl::grab
