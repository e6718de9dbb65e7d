// Grafana (HTTP API). CATALOGUE row 20.
//
// What we send: GET /api/health (always public: database state and version), then GET
// /api/search?type=dash-db&limit=1000 (dashboard titles: names only, never a dashboard's
// panels or queries), then GET /api/org (the organisation's name). Nothing else: no
// datasource, no user list, no snapshot.
// Open versus auth-required: /api/health proves Grafana but nothing about access; a search
// answered without credentials means anonymous access is on ([auth.anonymous] enabled = true):
// `open`. Its 401 ("Unauthorized") is `auth_required`.
// Evidence: version, the health's database state, dashboards (count and titles as data.*), the
// organisation's name.
// References: https://grafana.com/docs/grafana/latest/developers/http_api/other/#health-api ;
// https://grafana.com/docs/grafana/latest/developers/http_api/folder_dashboard_search/ ;
// https://grafana.com/docs/grafana/latest/developers/http_api/org/#get-current-organization ;
// https://grafana.com/docs/grafana/latest/setup-grafana/configure-security/configure-authentication/grafana/#anonymous-authentication
#include "grab/grafana/grafana.h"

#include <optional>
#include <string>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"grafana.database", FieldType::kString, "the database state of /api/health (ok, failing)"},
    {"grafana.dashboards", FieldType::kInteger, "dashboards an anonymous visitor can list"},
    {"grafana.org", FieldType::kString, "the name of the anonymous visitor's organisation"},
    {"grafana.http_status", FieldType::kInteger, "status of the search when it was refused"},
};

constexpr uint16_t kPorts[] = {3000};
constexpr uint64_t kSearchLimit = 1000;
constexpr std::string_view kPaths[] = {"/api/health", "/api/search?type=dash-db&limit=1000",
                                       "/api/org"};
enum Step { kHealth, kSearch, kOrg, kSteps };

class GrafanaGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override { return std::string(kPaths[step_]); }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        switch (step_) {
            case kHealth:
                if (!on_health(s, r)) return conclude(s);
                break;
            case kSearch:
                if (!on_search(s, r)) return conclude(s);
                break;
            default:
                on_org(s, r);
        }
        return ++step_ == kSteps ? conclude(s) : Next::kRead;
    }

    bool on_health(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (!j || !j->is_object() || !json_field(*j, "database") || !json_field(*j, "version"))
            return false;
        identified_ = true;
        access_ = Access::kUnknown;  // until the search says
        Record& rec = s.record();
        rec.set("product", "Grafana");
        rec.set("version", json_string(*j, "version").substr(0, 64));
        rec.set("grafana.database", json_string(*j, "database").substr(0, 32));
        return true;
    }

    bool on_search(Session& s, const HttpResponse& r) {
        if (r.status == 401 || r.status == 403) {
            access_ = Access::kAuthRequired;
            s.record().set("grafana.http_status", static_cast<int64_t>(r.status));
            return false;
        }
        auto j = r.status == 200 && !r.body_truncated ? parse_json(r.body) : std::nullopt;
        if (!j || !j->is_array()) {
            s.record().set("evidence_truncated", true);
            return false;
        }
        access_ = Access::kOpen;
        summary_.listed();
        for (const auto& dashboard : *j) summary_.add(json_string(dashboard, "title"));
        s.record().set("grafana.dashboards", static_cast<uint64_t>(j->size()));
        if (j->size() >= kSearchLimit) s.record().set("evidence_truncated", true);
        return true;
    }

    void on_org(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (j && j->is_object() && !json_string(*j, "name").empty())
            s.record().set("grafana.org", json_string(*j, "name").substr(0, 128));
    }

    void write_evidence(Session& s) override {
        if (access_ == Access::kOpen) summary_.write(s.record());
    }

    size_t step_ = kHealth;
    DataSummary summary_;
};

// Grafana redirects / to /login when anonymous access is off, and serves its app (titled
// Grafana) when it is on.
bool might_be_grafana(const HttpResponse& r) {
    return r.header("location").find("/login") != std::string_view::npos ||
           r.body.find("Grafana") != std::string::npos || root_is_json(r);
}

}  // namespace

GrabberSpec grafana_spec() {
    GrabberSpec spec{
        "grafana", kPorts,  Transport::kTcp,
        true,      kFields, [] { return std::unique_ptr<Grabber>(new GrafanaGrabber()); }};
    spec.might_be = might_be_grafana;
    return spec;
}

}  // namespace sl::grab
