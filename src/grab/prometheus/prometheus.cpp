// Prometheus server (HTTP API). CATALOGUE row 19.
//
// What we send: GET /api/v1/status/buildinfo; if it is Prometheus and open, GET
// /api/v1/targets?state=active (a count: internal host names leak from it) and GET
// /api/v1/status/tsdb (the series count). Never a query over the data, never the config.
// Open versus auth-required: buildinfo with {"status":"success"} and a version is `open`;
// the exporter-toolkit's basic-auth refusal (web.config.file: 401, "WWW-Authenticate: Basic",
// body "Unauthorized") is `auth_required`.
// Evidence: version, active scrape targets, head series.
// References: https://prometheus.io/docs/prometheus/latest/querying/api/ (buildinfo, targets,
// tsdb) ; https://prometheus.io/docs/prometheus/latest/configuration/https/ (web.config.file).
#include "grab/prometheus/prometheus.h"

#include <optional>
#include <string>

#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"prometheus.active_targets", FieldType::kInteger, "active scrape targets"},
    {"prometheus.head_series", FieldType::kInteger, "headStats.numSeries from status/tsdb"},
    {"prometheus.http_status", FieldType::kInteger, "status of buildinfo when it was refused"},
};

constexpr uint16_t kPorts[] = {9090};
constexpr std::string_view kPaths[] = {"/api/v1/status/buildinfo", "/api/v1/targets?state=active",
                                       "/api/v1/status/tsdb"};

class PrometheusGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override { return std::string(kPaths[step_]); }
    Next on_broken(Session& s, HttpSequence::Event) override { return done(s, true); }

    Next done(Session& s, bool cut_short) {
        if (!identified_) {
            verdict_ = Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
        } else {
            if (cut_short) s.record().set("evidence_truncated", true);
            verdict_ = Verdict{GrabStatus::kOk, access_};
        }
        return Next::kClose;
    }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        Record& rec = s.record();
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* data =
            j && json_string(*j, "status") == "success" ? json_field(*j, "data") : nullptr;
        if (step_ == 0) {
            if (r.status == 401 && r.header("www-authenticate") == "Basic" &&
                r.body == "Unauthorized\n") {
                identified_ = true;
                access_ = Access::kAuthRequired;
                rec.set("prometheus.http_status", int64_t{401});
                return done(s, false);
            }
            if (!data || json_string(*data, "version").empty()) return done(s, false);
            identified_ = true;
            access_ = Access::kOpen;
            rec.set("product", "Prometheus");
            rec.set("version", json_string(*data, "version"));
        } else if (step_ == 1) {
            const nlohmann::json* active = data ? json_field(*data, "activeTargets") : nullptr;
            if (active && active->is_array())
                rec.set("prometheus.active_targets", static_cast<uint64_t>(active->size()));
        } else {
            const nlohmann::json* head = data ? json_field(*data, "headStats") : nullptr;
            const nlohmann::json* series = head ? json_field(*head, "numSeries") : nullptr;
            if (series && series->is_number_unsigned()) {
                rec.set("prometheus.head_series", series->get<uint64_t>());
                rec.set("data.rows", series->get<uint64_t>());
            }
        }
        if (++step_ == std::size(kPaths)) return done(s, false);
        return Next::kRead;
    }

    size_t step_ = 0;
};

// Prometheus redirects / to its UI (/graph, /query in 3.x); behind basic auth it answers 401;
// a JSON root is an API that may be Prometheus-compatible.
bool might_be_prometheus(const HttpResponse& r) {
    std::string_view location = r.header("location");
    return r.status == 401 || root_is_json(r) ||
           location.find("/graph") != std::string_view::npos ||
           location.find("/query") != std::string_view::npos ||
           r.body.find("Prometheus") != std::string::npos;
}

}  // namespace

GrabberSpec prometheus_spec() {
    GrabberSpec spec{
        "prometheus", kPorts,  Transport::kTcp,
        true,         kFields, [] { return std::unique_ptr<Grabber>(new PrometheusGrabber()); }};
    spec.might_be = might_be_prometheus;
    return spec;
}

}  // namespace sl::grab
