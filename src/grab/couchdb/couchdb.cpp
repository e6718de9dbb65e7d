// Apache CouchDB (HTTP). CATALOGUE row 7.
//
// What we send: GET /; if it is CouchDB, GET /_all_dbs (names), then GET /<db> for at most
// kSizedDatabases databases (doc_count and file size only). Never _all_docs, never a document.
// Open versus auth-required: /_all_dbs answered with a list is `open` (admin party, or
// admin_only_all_dbs off); 401 {"error":"unauthorized"} is `auth_required` (the 3.x default).
// Evidence: version, database count, documents and bytes over the sized databases, up to 10
// names, ransom-note names (meow, read_me, wegeturdb).
// References: https://docs.couchdb.org/en/stable/api/server/common.html (/, /_all_dbs) ;
// https://docs.couchdb.org/en/stable/api/database/common.html (GET /{db}) ;
// CouchDB PR #1440 (admin_only_all_dbs); LeakIX CouchDbOpenPlugin.
#include "grab/couchdb/couchdb.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/text.h"
#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"couchdb.databases", FieldType::kInteger, "databases in /_all_dbs"},
    {"couchdb.sized_databases", FieldType::kInteger, "databases whose size was read"},
    {"couchdb.docs", FieldType::kInteger, "doc_count over the sized databases"},
    {"couchdb.file_bytes", FieldType::kInteger, "sizes.file over the sized databases"},
    {"couchdb.ransom_names", FieldType::kInteger, "database names that look like ransom notes"},
    {"couchdb.error", FieldType::kString, "the error of a refused request"},
};

constexpr uint16_t kPorts[] = {5984, 6984};
constexpr size_t kSizedDatabases = 5;

std::string path_segment(std::string_view name) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out = "/";
    for (char ch : name) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '_' || c == '-') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    return out;
}

bool ransom_like(std::string_view raw) {
    std::string name = ascii_lower(raw);
    for (auto w : {"meow", "read_me", "readme", "wegeturdb", "recover", "warning"})
        if (name.find(w) != std::string::npos) return true;
    return false;
}

uint64_t unsigned_field(const nlohmann::json& obj, const char* key) {
    const nlohmann::json* v = json_field(obj, key);
    return v && v->is_number_unsigned() ? v->get<uint64_t>() : 0;
}

class CouchGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override {
        if (step_ == 0) return "/";
        if (step_ == 1) return "/_all_dbs";
        return path_segment(names_[step_ - 2]);
    }

    Next finish(Access access) {
        verdict_ = Verdict{GrabStatus::kOk, access};
        return Next::kClose;
    }

    Next on_broken(Session& s, HttpSequence::Event) override { return truncated(s); }

    Verdict on_cut_short(Session& s) override {
        truncated(s);
        return *verdict_;
    }

    Next truncated(Session& s) {
        if (!identified_) {
            verdict_ = Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
            return Next::kClose;
        }
        s.record().set("evidence_truncated", true);
        record_sizes(s);
        return finish(access_);
    }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        Next outcome = step_ == 0 ? on_root(s, r) : step_ == 1 ? on_all_dbs(s, r) : on_db(r);
        if (outcome != Next::kRead) return outcome;
        ++step_;
        if (step_ >= 2 + std::min(names_.size(), kSizedDatabases)) {
            record_sizes(s);
            return finish(access_);
        }
        return Next::kRead;
    }

    Next on_root(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (!j || json_string(*j, "couchdb") != "Welcome") {
            verdict_ = Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
            return Next::kClose;
        }
        identified_ = true;
        s.record().set("product", "CouchDB");
        if (!json_string(*j, "version").empty())
            s.record().set("version", json_string(*j, "version"));
        return Next::kRead;
    }

    Next on_all_dbs(Session& s, const HttpResponse& r) {
        Record& rec = s.record();
        if (r.status == 401 || r.status == 403) {
            auto j = parse_json(r.body);
            if (j) rec.set("couchdb.error", json_string(*j, "reason").substr(0, 200));
            return finish(Access::kAuthRequired);
        }
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (!j || !j->is_array()) return truncated(s);
        uint64_t ransom = 0, mail = 0;
        for (const auto& name : *j) {
            if (!name.is_string()) continue;
            const std::string& n = name.get_ref<const std::string&>();
            if (ransom_like(n)) ++ransom;
            if (mail_like(n)) ++mail;
            names_.push_back(n);
        }
        rec.set("couchdb.databases", static_cast<uint64_t>(names_.size()));
        rec.set("couchdb.ransom_names", ransom);
        rec.set("data.collections", static_cast<uint64_t>(names_.size()));
        rec.set("data.mail_like_names", mail);
        for (size_t i = 0; i < names_.size() && i < kNamesKept; ++i)
            rec.append("data.names_sample", names_[i]);
        access_ = Access::kOpen;
        return Next::kRead;
    }

    Next on_db(const HttpResponse& r) {
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (j && j->is_object()) {
            ++sized_;
            docs_ += unsigned_field(*j, "doc_count");
            if (const nlohmann::json* sizes = json_field(*j, "sizes"))
                bytes_ += unsigned_field(*sizes, "file");
        }
        return Next::kRead;
    }

    void record_sizes(Session& s) {
        if (access_ != Access::kOpen) return;
        Record& rec = s.record();
        rec.set("couchdb.sized_databases", sized_);
        rec.set("couchdb.docs", docs_);
        rec.set("couchdb.file_bytes", bytes_);
        rec.set("data.rows", docs_);
        rec.set("data.bytes", bytes_);
        if (names_.size() > sized_) rec.set("evidence_truncated", true);
    }

    size_t step_ = 0;
    std::vector<std::string> names_;
    uint64_t sized_ = 0;
    uint64_t docs_ = 0;
    uint64_t bytes_ = 0;
};

// GET / is this grabber's own first step: CouchDB's welcome object.
bool might_be_couchdb(const HttpResponse& r) {
    return r.status == 200 && root_is_json(r) && r.body.find("\"couchdb\"") != std::string::npos;
}

}  // namespace

GrabberSpec couchdb_spec() {
    GrabberSpec spec{"couchdb",       kPorts,
                     Transport::kTcp, true,
                     kFields,         [] { return std::unique_ptr<Grabber>(new CouchGrabber()); }};
    spec.might_be = might_be_couchdb;
    return spec;
}

}  // namespace sl::grab
