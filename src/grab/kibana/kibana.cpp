// Kibana and OpenSearch Dashboards (HTTP). CATALOGUE row 3.
//
// What we send: GET /api/status; if it answers without credentials, the index list of the
// Elasticsearch behind it through the console proxy: POST /api/console/proxy?path=<the
// _cat/indices path of row 1>&method=GET with "kbn-xsrf: true". The proxied request is a GET
// (a read, CATALOGUE R2); the POST only carries it. Never a search, never a document.
// Open versus auth-required: /api/status 200 with a version is `open` (security off, or
// anonymous access); 401 {"statusCode":401,"error":"Unauthorized"} or a redirect to /login is
// `auth_required`. Kibana names itself in kbn-name / kbn-version headers (OpenSearch
// Dashboards: osd-name / osd-version).
// Evidence: version, status, and the backing cluster's indices, documents and bytes as row 1.
// References: https://www.elastic.co/guide/en/kibana/7.17/access.html (/api/status) ;
// https://www.elastic.co/guide/en/kibana/7.17/console-kibana.html (console proxy) ;
// LeakIX Elasticsearch plugins (the Kibana path) ; l9tcpid IdentifyKibana (headers).
#include "grab/kibana/kibana.h"

#include <optional>
#include <string>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"kibana.name", FieldType::kString, "the kbn-name (or osd-name) of the instance"},
    {"kibana.status", FieldType::kString, "overall status: green, yellow, red or available"},
    {"kibana.indices", FieldType::kInteger, "indices of the backing cluster, via the proxy"},
    {"kibana.http_status", FieldType::kInteger, "status of /api/status when it was refused"},
};

constexpr uint16_t kPorts[] = {5601};

bool names_kibana(const HttpResponse& r) {
    return !r.header("kbn-name").empty() || !r.header("kbn-version").empty() ||
           !r.header("osd-name").empty() || !r.header("osd-version").empty() ||
           r.body.find("\"statusCode\":401") != std::string::npos;
}

std::string proxy_path() {
    std::string encoded;  // the _cat/indices path as one query value
    for (char c : kCatIndicesPath) {
        if (c == '/' || c == '?' || c == '&' || c == '=' || c == ',') {
            static constexpr char kHex[] = "0123456789ABCDEF";
            encoded += '%';
            encoded += kHex[static_cast<unsigned char>(c) >> 4];
            encoded += kHex[static_cast<unsigned char>(c) & 15];
        } else {
            encoded += c;
        }
    }
    return "/api/console/proxy?path=" + encoded + "&method=GET";
}

class KibanaGrabber final : public HttpProductGrabber {
  private:
    HttpRequest request() const override {
        if (step_ == 0) return HttpRequest::get("/api/status");
        HttpRequest r = HttpRequest::post(proxy_path(), "");
        r.extra_headers = "kbn-xsrf: true\r\nosd-xsrf: true\r\n";
        return r;
    }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        if (step_ == 0) return on_status(s, r);
        on_indices(s, r);
        return conclude(s);
    }

    Next on_status(Session& s, const HttpResponse& r) {
        Record& rec = s.record();
        if (!names_kibana(r)) return conclude(s);
        bool dashboards = !r.header("osd-name").empty() || !r.header("osd-version").empty();
        rec.set("product", dashboards ? "OpenSearch Dashboards" : "Kibana");
        identified_ = true;
        std::string_view name = dashboards ? r.header("osd-name") : r.header("kbn-name");
        if (!name.empty()) rec.set("kibana.name", name.substr(0, 200));
        std::string_view header_version =
            dashboards ? r.header("osd-version") : r.header("kbn-version");
        if (!header_version.empty()) rec.set("version", header_version.substr(0, 64));
        bool to_login = r.status >= 300 && r.status < 400 &&
                        r.header("location").find("login") != std::string_view::npos;
        if (r.status == 401 || r.status == 403 || to_login) {
            access_ = Access::kAuthRequired;
            rec.set("kibana.http_status", static_cast<int64_t>(r.status));
            return conclude(s);
        }
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (!j) return conclude(s);  // access stays unknown
        access_ = Access::kOpen;
        const nlohmann::json* version = json_field(*j, "version");
        if (version && !json_string(*version, "number").empty())
            rec.set("version", json_string(*version, "number"));
        const nlohmann::json* status = json_field(*j, "status");
        const nlohmann::json* overall = status ? json_field(*status, "overall") : nullptr;
        if (overall) {
            std::string state = json_string(*overall, "state");  // 7.x
            if (state.empty()) {
                const nlohmann::json* level = json_field(*overall, "level");  // 8.x
                if (level && level->is_string()) state = level->get<std::string>();
            }
            if (!state.empty()) rec.set("kibana.status", state.substr(0, 32));
        }
        ++step_;
        return Next::kRead;
    }

    void on_indices(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 && !r.body_truncated ? parse_json(r.body) : std::nullopt;
        if (!j || !j->is_array()) {
            s.record().set("evidence_truncated", true);
            return;
        }
        DataSummary summary = summarize_cat_indices(*j);
        s.record().set("kibana.indices", summary.collections());
        summary.write(s.record());
    }

    size_t step_ = 0;
};

// Kibana and OpenSearch Dashboards name themselves in kbn-*/osd-* headers, and redirect / into
// their app or spaces.
bool might_be_kibana(const HttpResponse& r) {
    std::string_view location = r.header("location");
    return names_kibana(r) || location.find("/app/") != std::string_view::npos ||
           location.find("spaces/enter") != std::string_view::npos;
}

}  // namespace

GrabberSpec kibana_spec() {
    GrabberSpec spec{"kibana",        kPorts,
                     Transport::kTcp, true,
                     kFields,         [] { return std::unique_ptr<Grabber>(new KibanaGrabber()); }};
    spec.might_be = might_be_kibana;
    return spec;
}

}  // namespace sl::grab
