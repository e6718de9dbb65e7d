// Elasticsearch and OpenSearch (HTTP REST). CATALOGUE rows 1 and 2.
//
// What we send: GET /; if it is Elasticsearch or OpenSearch and answers without credentials,
// GET /_cat/indices?format=json&bytes=b&h=index,docs.count,store.size,health (names, counts and
// sizes only) and GET /_cluster/health. Never _search, never a document.
// Open versus auth-required: GET / with 200 and "tagline": "You Know, for Search" (or
// version.distribution "opensearch") is `open` unless the index list is then refused; 401 with
// WWW-Authenticate realm "security" or a security_exception body (Elasticsearch 8 is secure by
// default), or the OpenSearch security plugin's 401, is `auth_required`.
// Evidence: cluster name, version, distribution, index count, total documents, total store
// bytes, up to 10 index names (largest first) and the count of mail-like names (the seeds'
// mail-archive case), node count.
// References: https://www.elastic.co/guide/en/elasticsearch/reference/current/cat-indices.html ;
// https://www.elastic.co/guide/en/elasticsearch/reference/current/cluster-health.html ;
// https://www.elastic.co/guide/en/elasticsearch/reference/8.0/configuring-stack-security.html ;
// LeakIX Elasticsearch plugins.
#include "grab/elasticsearch/elasticsearch.h"

#include <optional>
#include <string>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"elasticsearch.cluster_name", FieldType::kString, "cluster_name from GET /"},
    {"elasticsearch.distribution", FieldType::kString, "elasticsearch or opensearch"},
    {"elasticsearch.indices", FieldType::kInteger, "indices in _cat/indices"},
    {"elasticsearch.docs", FieldType::kInteger, "sum of docs.count"},
    {"elasticsearch.store_bytes", FieldType::kNumber, "sum of store.size, in bytes"},
    {"elasticsearch.nodes", FieldType::kInteger, "number_of_nodes from _cluster/health"},
    {"elasticsearch.health", FieldType::kString, "green, yellow or red"},
    {"elasticsearch.http_status", FieldType::kInteger, "status of GET / when it was refused"},
};

constexpr uint16_t kPorts[] = {9200, 9201};
constexpr std::string_view kPaths[] = {"/", kCatIndicesPath, "/_cluster/health"};
// A 401/403 from the security layer names the product: OpenSearch's challenge, or
// Elasticsearch's realm="security" or security_exception.
std::optional<std::string_view> refusing_product(const HttpResponse& r) {
    std::string_view auth = r.header("www-authenticate");
    if (auth.find("OpenSearch") != std::string_view::npos) return "OpenSearch";
    if (auth.find("realm=\"security\"") != std::string_view::npos ||
        r.body.find("security_exception") != std::string::npos)
        return "Elasticsearch";
    return std::nullopt;
}

class ElasticsearchGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override { return std::string(kPaths[step_]); }

    Next on_broken(Session& s, HttpSequence::Event why) override {
        return end(s, why == HttpSequence::Event::kLimit ? GrabStatus::kLimitExceeded
                                                         : GrabStatus::kNotThisProtocol);
    }

    Next end(Session& s, GrabStatus status) {
        if (identified_ && status != GrabStatus::kNotThisProtocol) {  // a size step failed
            s.record().set("evidence_truncated", true);
            verdict_ = Verdict{GrabStatus::kOk, access_};
        } else if (identified_) {
            verdict_ = Verdict{GrabStatus::kOk, access_};
        } else {  // only an Elasticsearch answer makes this Elasticsearch; the rest is HTTP's
            verdict_ = Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
        }
        return Next::kClose;
    }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        Next outcome = step_ == 0 ? on_root(s, r) : step_ == 1 ? on_indices(s, r) : on_health(s, r);
        if (outcome != Next::kRead) return outcome;
        if (++step_ >= std::size(kPaths)) {
            verdict_ = Verdict{GrabStatus::kOk, access_};
            return Next::kClose;
        }
        return Next::kRead;
    }

    Next identify(Session& s, std::string_view product, Access access) {
        identified_ = true;
        access_ = access;
        s.record().set("product", product);
        return Next::kRead;
    }

    Next on_root(Session& s, const HttpResponse& r) {
        Record& rec = s.record();
        if (r.status == 401 || r.status == 403) {
            std::optional<std::string_view> refusing = refusing_product(r);
            if (!refusing) return end(s, GrabStatus::kNotThisProtocol);
            rec.set("elasticsearch.http_status", static_cast<int64_t>(r.status));
            identify(s, *refusing, Access::kAuthRequired);
            verdict_ = Verdict{GrabStatus::kOk, Access::kAuthRequired};
            return Next::kClose;
        }
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (!j || !j->is_object()) return end(s, GrabStatus::kNotThisProtocol);
        const nlohmann::json* version = json_field(*j, "version");
        bool opensearch = version && json_string(*version, "distribution") == "opensearch";
        bool elastic = json_string(*j, "tagline").find("You Know, for Search") != std::string::npos;
        if (!opensearch && !elastic) return end(s, GrabStatus::kNotThisProtocol);
        if (version && !json_string(*version, "number").empty())
            rec.set("version", json_string(*version, "number"));
        if (!json_string(*j, "cluster_name").empty())
            rec.set("elasticsearch.cluster_name", json_string(*j, "cluster_name"));
        rec.set("elasticsearch.distribution", opensearch ? "opensearch" : "elasticsearch");
        // With security on, even GET / needs credentials: a 200 here means it is off. The index
        // list confirms it (a 401/403 there turns the verdict back to auth_required).
        return identify(s, opensearch ? "OpenSearch" : "Elasticsearch", Access::kOpen);
    }

    Next on_indices(Session& s, const HttpResponse& r) {
        if (r.status == 401 || r.status == 403) {
            access_ = Access::kAuthRequired;
            verdict_ = Verdict{GrabStatus::kOk, access_};
            return Next::kClose;
        }
        auto j = r.status == 200 && !r.body_truncated ? parse_json(r.body) : std::nullopt;
        if (!j || !j->is_array()) {
            access_ = r.status == 200 ? Access::kOpen : Access::kUnknown;
            s.record().set("evidence_truncated", true);
            verdict_ = Verdict{GrabStatus::kOk, access_};
            return Next::kClose;
        }
        DataSummary summary = summarize_cat_indices(*j);
        Record& rec = s.record();
        rec.set("elasticsearch.indices", summary.collections());
        rec.set("elasticsearch.docs", summary.rows());
        rec.set("elasticsearch.store_bytes", summary.bytes());
        summary.write(rec);
        access_ = Access::kOpen;
        return Next::kRead;
    }

    Next on_health(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (j && j->is_object()) {
            if (const auto* nodes = json_field(*j, "number_of_nodes"); nodes && nodes->is_number())
                s.record().set("elasticsearch.nodes", json_count(*nodes));
            if (!json_string(*j, "status").empty())
                s.record().set("elasticsearch.health", json_string(*j, "status"));
        }
        return Next::kRead;
    }

    size_t step_ = 0;
};

// GET / is this grabber's own first step: a JSON banner, or the security realm's refusal.
bool might_be_elasticsearch(const HttpResponse& r) {
    if (r.status == 401 || r.status == 403) return refusing_product(r).has_value();
    return r.status == 200 && root_is_json(r);
}

}  // namespace

GrabberSpec elasticsearch_spec() {
    GrabberSpec spec{
        "elasticsearch", kPorts,
        Transport::kTcp, true,
        kFields,         [] { return std::unique_ptr<Grabber>(new ElasticsearchGrabber()); }};
    spec.might_be = might_be_elasticsearch;
    return spec;
}

}  // namespace sl::grab
