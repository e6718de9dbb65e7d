// MongoDB (wire protocol, OP_MSG). CATALOGUE row 4.
//
// What we send: OP_MSG {hello: 1, $db: "admin"}; then {buildInfo: 1} (the version, allowed
// without login) and {listDatabases: 1, nameOnly: false} (names and sizes only). Never find,
// never a collection read. OP_MSG, not the legacy OP_QUERY, which new servers refuse (nuclei
// issue #7575).
// Open versus auth-required: listDatabases answered with ok: 1 is `open`; ok: 0 with code 13
// (Unauthorized, "requires authentication") is `auth_required`. hello alone is discovery.
// Evidence: version, wire version, replica set name, database count, totalSize, up to 10 names,
// and the names that look like ransom notes (READ_ME, meow, ...).
// References: https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/ ;
// https://www.mongodb.com/docs/manual/reference/command/listDatabases/ ;
// https://bsonspec.org/spec.html ; zgrab2 modules/mongodb; nmap mongodb-databases.
#include "grab/mongodb/mongodb.h"

#include <algorithm>
#include <optional>
#include <string>

#include "core/text.h"
#include "grab/codecs/bson.h"
#include "grab/codecs/http_sequence.h"
#include "grab/data_summary.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"mongodb.max_wire_version", FieldType::kInteger, "maxWireVersion from hello"},
    {"mongodb.set_name", FieldType::kString, "replica set name from hello"},
    {"mongodb.databases", FieldType::kInteger, "databases in listDatabases"},
    {"mongodb.total_size", FieldType::kNumber, "totalSize from listDatabases, in bytes"},
    {"mongodb.ransom_names", FieldType::kInteger, "database names that look like ransom notes"},
    {"mongodb.error_code", FieldType::kInteger, "code of a refused command"},
    {"mongodb.error", FieldType::kString, "errmsg of a refused command"},
};

constexpr uint16_t kPorts[] = {27017, 27018, 27019};
constexpr int32_t kOpMsg = 2013;
constexpr size_t kHeader = 16;

std::string op_msg(int32_t request_id, const std::string& document) {
    std::string body;
    body.append(4, '\0');  // flagBits
    body.push_back('\0');  // section kind 0: the body document
    body += document;
    std::string msg;
    auto put = [&](int32_t v) {
        for (int i = 0; i < 4; ++i)
            msg.push_back(static_cast<char>(static_cast<uint32_t>(v) >> (8 * i)));
    };
    put(static_cast<int32_t>(kHeader + body.size()));
    put(request_id);
    put(0);
    put(kOpMsg);
    return msg + body;
}

int32_t le32(std::string_view b, size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(b[at + i])} << (8 * i);
    return static_cast<int32_t>(v);
}

double number(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : 0.0; }

bool ransom_like(std::string_view raw) {
    std::string name = ascii_lower(raw);
    for (auto w : {"read_me", "readme", "meow", "warning", "restore", "recover", "pwned"})
        if (name.find(w) != std::string::npos) return true;
    return false;
}

enum class Stage { kHello, kBuildInfo, kList, kDone };

class MongoGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        s.send(op_msg(
            1, bson_document({BsonField::int32("hello", 1), BsonField::string("$db", "admin")})));
        return Next::kRead;
    }

    Next on_data(Session& s, ByteQueue& in) override {
        while (stage_ != Stage::kDone) {
            std::string_view v = in.view();
            if (v.size() < kHeader) return Next::kRead;
            int32_t len = le32(v, 0);
            if (len < static_cast<int32_t>(kHeader + 5 + 5) || le32(v, 12) != kOpMsg)
                return fail(stage_ == Stage::kHello ? GrabStatus::kNotThisProtocol
                                                    : GrabStatus::kProtocolError);
            if (static_cast<size_t>(len) > in.cap()) return fail(GrabStatus::kLimitExceeded);
            if (v.size() < static_cast<size_t>(len)) return Next::kRead;
            auto doc =
                v[kHeader + 4] == '\0'
                    ? bson_to_json(v.substr(kHeader + 5, static_cast<size_t>(len) - kHeader - 5))
                    : std::nullopt;
            in.consume(static_cast<size_t>(len));
            if (!doc || !doc->is_object())
                return fail(stage_ == Stage::kHello ? GrabStatus::kNotThisProtocol
                                                    : GrabStatus::kProtocolError);
            Next next = on_reply(s, *doc);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (stage_ != Stage::kHello) {  // a MongoDB that stopped answering before the list
            s.record().set("evidence_truncated", true);
            return {GrabStatus::kOk, Access::kUnknown};
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

    Next finish(Access access) {
        verdict_ = Verdict{GrabStatus::kOk, access};
        stage_ = Stage::kDone;
        return Next::kClose;
    }

    Next on_reply(Session& s, const nlohmann::json& doc) {
        Record& rec = s.record();
        const nlohmann::json* ok_field = json_field(doc, "ok");
        bool ok = ok_field && number(*ok_field) == 1.0;
        switch (stage_) {
            case Stage::kHello: {
                const nlohmann::json* wire = json_field(doc, "maxWireVersion");
                if (!ok || !wire) return fail(GrabStatus::kNotThisProtocol);
                rec.set("product", "MongoDB");
                rec.set("mongodb.max_wire_version", static_cast<int64_t>(number(*wire)));
                if (!json_string(doc, "setName").empty())
                    rec.set("mongodb.set_name", json_string(doc, "setName"));
                s.send(op_msg(2, bson_document({BsonField::int32("buildInfo", 1),
                                                BsonField::string("$db", "admin")})));
                stage_ = Stage::kBuildInfo;
                return Next::kRead;
            }
            case Stage::kBuildInfo:
                if (ok && !json_string(doc, "version").empty())
                    rec.set("version", json_string(doc, "version"));
                s.send(op_msg(3, bson_document({BsonField::int32("listDatabases", 1),
                                                BsonField::boolean("nameOnly", false),
                                                BsonField::string("$db", "admin")})));
                stage_ = Stage::kList;
                return Next::kRead;
            case Stage::kList:
                return on_list(rec, doc, ok);
            case Stage::kDone:
                break;
        }
        return Next::kClose;
    }

    Next on_list(Record& rec, const nlohmann::json& doc, bool ok) {
        if (!ok) {
            const nlohmann::json* code_field = json_field(doc, "code");
            auto code = static_cast<int64_t>(code_field ? number(*code_field) : 0);
            rec.set("mongodb.error_code", code);
            if (!json_string(doc, "errmsg").empty())
                rec.set("mongodb.error", json_string(doc, "errmsg").substr(0, 200));
            return finish(code == 13 || code == 18 ? Access::kAuthRequired : Access::kUnknown);
        }
        const nlohmann::json* dbs = json_field(doc, "databases");
        uint64_t count = 0, ransom = 0, mail = 0;
        for (const auto& db : dbs && dbs->is_array() ? *dbs : nlohmann::json::array()) {
            std::string name = json_string(db, "name");
            if (name.empty()) continue;
            ++count;
            if (ransom_like(name)) ++ransom;
            if (mail_like(name)) ++mail;
            if (count <= kNamesKept) rec.append("data.names_sample", name);
        }
        const nlohmann::json* total_field = json_field(doc, "totalSize");
        double total = total_field ? number(*total_field) : 0.0;
        rec.set("mongodb.databases", count);
        rec.set("mongodb.total_size", total);
        rec.set("mongodb.ransom_names", ransom);
        rec.set("data.collections", count);
        rec.set("data.mail_like_names", mail);
        rec.set("data.bytes", total);
        return finish(Access::kOpen);
    }

    Stage stage_ = Stage::kHello;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec mongodb_spec() {
    return {"mongodb", kPorts,  Transport::kTcp,
            true,      kFields, [] { return std::unique_ptr<Grabber>(new MongoGrabber()); }};
}

}  // namespace sl::grab
