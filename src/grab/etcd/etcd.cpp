// etcd (HTTP/JSON: the v2 keys API and the v3 gRPC gateway). CATALOGUE row 13.
//
// What we send: GET /version (always public, so never proof); then the v3 gateway's
// POST /v3/kv/range {"key":"AA==","range_end":"AA==","count_only":true} (a read: the number of
// keys, no key and no value); GET /v2/keys/ (the top-level names; values in the answer are
// dropped unread); GET /metrics (etcd_mvcc_db_total_size_in_bytes). Never a value.
// Open versus auth-required: the v3 count without credentials is `open`; "etcdserver: user
// name is empty" or "invalid auth token" is `auth_required`. etcd 3.4 serves v2 only with
// --enable-v2, and v2 has its own auth: a v2 root with names under it is `open` too. A server
// that answers nothing past /version is `auth_required` (DESIGN.md section 7).
// Evidence: version, cluster version, key count, database bytes, v2 top-level names.
// References: https://etcd.io/docs/v3.4/dev-guide/api_grpc_gateway/ ;
// https://etcd.io/docs/v3.4/op-guide/authentication/ ; https://etcd.io/docs/v2.3/api/ ;
// nuclei unauth-etcd-server.
#include "grab/etcd/etcd.h"

#include <charconv>
#include <optional>
#include <string>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"etcd.cluster_version", FieldType::kString, "etcdcluster from /version"},
    {"etcd.v3", FieldType::kString, "open, auth_required or absent: the v3 gateway's answer"},
    {"etcd.v2", FieldType::kString, "open, auth_required or absent: the v2 keys API's answer"},
    {"etcd.keys", FieldType::kInteger,
     "keys in the v3 store (count_only; from /metrics when v3 refused)"},
    {"etcd.db_bytes", FieldType::kInteger, "etcd_mvcc_db_total_size_in_bytes from /metrics"},
};

constexpr uint16_t kPorts[] = {2379};
enum Step { kVersion, kV3Count, kV2Root, kMetrics, kSteps };
constexpr std::string_view kCountAll = R"({"key":"AA==","range_end":"AA==","count_only":true})";
constexpr std::string_view kDbSize = "\netcd_mvcc_db_total_size_in_bytes ";
constexpr std::string_view kKeysTotal = "\netcd_debugging_mvcc_keys_total ";

enum class Api { kAbsent, kOpen, kAuthRequired };

const char* to_string(Api a) {
    return a == Api::kOpen ? "open" : a == Api::kAuthRequired ? "auth_required" : "absent";
}

bool refused(const HttpResponse& r) {
    return r.status == 401 || r.status == 403 ||
           r.body.find("user name is empty") != std::string::npos ||
           r.body.find("invalid auth token") != std::string::npos ||
           r.body.find("requires user authentication") != std::string::npos;
}

class EtcdGrabber final : public HttpProductGrabber {
  private:
    HttpRequest request() const override {
        switch (step_) {
            case kV3Count:
                return HttpRequest::post("/v3/kv/range", kCountAll);
            case kV2Root:
                return HttpRequest::get("/v2/keys/");
            case kMetrics:
                return HttpRequest::get("/metrics", "text/plain");
            default:
                return HttpRequest::get("/version");
        }
    }

    Next on_broken(Session& s, HttpSequence::Event) override {
        if (!identified_) {
            verdict_ = Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
            return Next::kClose;
        }
        return cut_short(s);
    }

    Verdict on_cut_short(Session& s) override {
        cut_short(s);
        return *verdict_;
    }

    // /metrics outgrows the per-connection input limit on a busy server, but the gauges we
    // want come early in it: a cut-short metrics page that held them is not truncated evidence.
    Next cut_short(Session& s) {
        if (step_ != kMetrics || !on_metrics(s, http_.response().body))
            s.record().set("evidence_truncated", true);
        return finish(s, step_ <= kV2Root);
    }

    // unproven: the exchange ended before the APIs had their say, so silence proves nothing.
    Next finish(Session& s, bool unproven = false) {
        Record& rec = s.record();
        rec.set("etcd.v3", to_string(v3_));
        rec.set("etcd.v2", to_string(v2_));
        summary_.write(rec);
        bool v2_data = v2_ == Api::kOpen && summary_.collections() > 0;
        bool open = v3_ == Api::kOpen || v2_data || (v2_ == Api::kOpen && v3_ == Api::kAbsent);
        bool refused = v3_ == Api::kAuthRequired || v2_ == Api::kAuthRequired || !unproven;
        verdict_ = Verdict{GrabStatus::kOk, open      ? Access::kOpen
                                            : refused ? Access::kAuthRequired
                                                      : Access::kUnknown};
        return Next::kClose;
    }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        switch (step_) {
            case kVersion:
                if (!on_version(s, r)) {
                    verdict_ = Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
                    return Next::kClose;
                }
                break;
            case kV3Count:
                on_v3_count(s, r);
                break;
            case kV2Root:
                on_v2_root(r);
                break;
            default:
                if (r.status == 200) on_metrics(s, r.body);
        }
        return ++step_ == kSteps ? finish(s) : Next::kRead;
    }

    bool on_version(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (!j || json_string(*j, "etcdserver").empty()) return false;
        identified_ = true;
        access_ = Access::kAuthRequired;  // until an API answers
        s.record().set("product", "etcd");
        s.record().set("version", json_string(*j, "etcdserver"));
        if (!json_string(*j, "etcdcluster").empty())
            s.record().set("etcd.cluster_version", json_string(*j, "etcdcluster"));
        return true;
    }

    void on_v3_count(Session& s, const HttpResponse& r) {
        if (refused(r)) {
            v3_ = Api::kAuthRequired;
            return;
        }
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (!j || !json_field(*j, "header")) return;  // no gateway (404) or not an answer
        v3_ = Api::kOpen;
        const nlohmann::json* count = json_field(*j, "count");  // omitted when zero
        uint64_t keys = count ? json_count(*count) : 0;
        s.record().set("etcd.keys", keys);
        summary_.add_rows(keys);
    }

    void on_v2_root(const HttpResponse& r) {
        if (refused(r)) {
            v2_ = Api::kAuthRequired;
            return;
        }
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* node = j ? json_field(*j, "node") : nullptr;
        if (!node || !node->is_object()) return;
        v2_ = Api::kOpen;
        summary_.listed();
        const nlohmann::json* nodes = json_field(*node, "nodes");
        if (!nodes || !nodes->is_array()) return;
        for (const auto& n : *nodes) {
            std::string key = json_string(n, "key");  // the name only; "value" is never read
            if (!key.empty()) summary_.add(key);
        }
    }

    // Reads the database size (and the key count, when v3 did not give it) from the Prometheus
    // text of /metrics. True when the size was there.
    bool on_metrics(Session& s, std::string_view body) {
        std::optional<uint64_t> bytes = gauge(body, kDbSize);
        if (bytes) {
            s.record().set("etcd.db_bytes", *bytes);
            summary_.add_bytes(*bytes);
        }
        if (v3_ != Api::kOpen)
            if (std::optional<uint64_t> keys = gauge(body, kKeysTotal))
                s.record().set("etcd.keys", *keys);
        return bytes.has_value();
    }

    // The value of "\n<name> <float>" in Prometheus text, when it is a sane count.
    static std::optional<uint64_t> gauge(std::string_view body, std::string_view line_start) {
        size_t at = body.find(line_start);
        if (at == std::string_view::npos) return std::nullopt;
        const char* begin = body.data() + at + line_start.size();
        double value = 0;  // a float such as 20480 or 2.048e+04
        auto [end, ec] = std::from_chars(begin, body.data() + body.size(), value);
        if (ec != std::errc() || end == begin || !(value >= 0 && value < 1.8e19))
            return std::nullopt;
        return static_cast<uint64_t>(value);
    }

    int step_ = kVersion;
    Api v3_ = Api::kAbsent;
    Api v2_ = Api::kAbsent;
    DataSummary summary_;
};

// etcd answers / with Go's "404 page not found"; a JSON root is an API that may be etcd's.
bool might_be_etcd(const HttpResponse& r) {
    return r.status == 404 || root_is_json(r) || r.body.find("etcd") != std::string::npos;
}

}  // namespace

GrabberSpec etcd_spec() {
    GrabberSpec spec{"etcd", kPorts,  Transport::kTcp,
                     true,   kFields, [] { return std::unique_ptr<Grabber>(new EtcdGrabber()); }};
    spec.might_be = might_be_etcd;
    return spec;
}

}  // namespace sl::grab
