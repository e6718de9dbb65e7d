// Apache Solr (HTTP admin API). CATALOGUE row 36.
//
// What we send: GET /solr/admin/info/system?wt=json, then GET
// /solr/admin/cores?action=STATUS&wt=json (per core: numDocs and sizeInBytes). Never /select,
// never a document, never the config API.
// Open versus auth-required: system info served without credentials is `open`; the
// BasicAuth plugin's 401 ("require authentication", WWW-Authenticate: Basic realm="solr") is
// `auth_required`.
// Evidence: version, mode (std or solrcloud), cores (count and names), documents, bytes.
// References: https://solr.apache.org/guide/solr/latest/configuration-guide/coreadmin-api.html
// (STATUS) ;
// https://solr.apache.org/guide/solr/latest/deployment-guide/basic-authentication-plugin.html ;
// https://solr.apache.org/guide/solr/latest/deployment-guide/system-info-handler.html (not
// quoted: the field names are those of info/system).
#include "grab/solr/solr.h"

#include <optional>
#include <string>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"solr.mode", FieldType::kString, "std or solrcloud"},
    {"solr.cores", FieldType::kInteger, "cores in admin/cores STATUS"},
    {"solr.http_status", FieldType::kInteger, "status of info/system when it was refused"},
};

constexpr uint16_t kPorts[] = {8983};
constexpr std::string_view kPaths[] = {"/solr/admin/info/system?wt=json",
                                       "/solr/admin/cores?action=STATUS&wt=json"};

class SolrGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override { return std::string(kPaths[step_]); }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        if (step_ == 0) return on_system(s, r);
        on_cores(s, r);
        return conclude(s);
    }

    Next on_system(Session& s, const HttpResponse& r) {
        Record& rec = s.record();
        if (r.status == 401 &&
            (r.header("www-authenticate").find("realm=\"solr\"") != std::string_view::npos ||
             r.body.find("require authentication") != std::string::npos)) {
            identified_ = true;
            access_ = Access::kAuthRequired;
            rec.set("product", "Solr");
            rec.set("solr.http_status", int64_t{401});
            return conclude(s);
        }
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* lucene = j ? json_field(*j, "lucene") : nullptr;
        std::string version = lucene ? json_string(*lucene, "solr-spec-version") : std::string();
        if (version.empty()) return conclude(s);
        identified_ = true;
        access_ = Access::kOpen;
        rec.set("product", "Solr");
        rec.set("version", version);
        if (!json_string(*j, "mode").empty()) rec.set("solr.mode", json_string(*j, "mode"));
        ++step_;
        return Next::kRead;
    }

    void on_cores(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 && !r.body_truncated ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* status = j ? json_field(*j, "status") : nullptr;
        if (!status || !status->is_object()) {
            s.record().set("evidence_truncated", true);
            return;
        }
        DataSummary summary;
        summary.listed();
        for (const auto& [name, core] : status->items()) {
            const nlohmann::json* index = json_field(core, "index");
            const nlohmann::json* docs = index ? json_field(*index, "numDocs") : nullptr;
            const nlohmann::json* bytes = index ? json_field(*index, "sizeInBytes") : nullptr;
            summary.add(name, docs ? json_count(*docs) : 0, bytes ? json_count(*bytes) : 0);
        }
        s.record().set("solr.cores", summary.collections());
        summary.write(s.record());
    }

    size_t step_ = 0;
};

// Solr's Jetty redirects / to /solr/; its auth plugin answers 401; a JSON root is an API.
bool might_be_solr(const HttpResponse& r) {
    return r.status == 401 || root_is_json(r) ||
           r.header("location").find("/solr") != std::string_view::npos ||
           r.body.find("Solr") != std::string::npos;
}

}  // namespace

GrabberSpec solr_spec() {
    GrabberSpec spec{"solr", kPorts,  Transport::kTcp,
                     true,   kFields, [] { return std::unique_ptr<Grabber>(new SolrGrabber()); }};
    spec.might_be = might_be_solr;
    return spec;
}

}  // namespace sl::grab
