// InfluxDB 1.x and 2.x (HTTP API). CATALOGUE row 12.
//
// What we send: GET /ping (204 with X-Influxdb-Version, public in both majors). 1.x: GET
// /query?q=SHOW DATABASES, then one GET with SHOW MEASUREMENTS ON each of the first 10
// databases (names only, never a SELECT). 2.x: GET /api/v2/setup, then GET /api/v2/buckets.
// Open versus auth-required: 1.x answering SHOW DATABASES without credentials is `open` (auth
// is off by default in 1.x); 401 "unable to parse authentication credentials" is
// `auth_required`. 2.x with /api/v2/setup {"allowed": true} was never onboarded: anyone can
// claim the admin account, so it is `open`; otherwise the bucket list decides (401
// {"code":"unauthorized"} is `auth_required`).
// Evidence: version, build, databases or buckets (names), measurements per database (count),
// setup_allowed.
// References: https://docs.influxdata.com/influxdb/v1/tools/api/ (/ping, /query) ;
// https://docs.influxdata.com/influxdb/v1/administration/authentication_and_authorization/ ;
// https://docs.influxdata.com/influxdb/v2/api/ (setup, buckets) ; Shodan influxdb{databases}.
#include "grab/influxdb/influxdb.h"

#include <optional>
#include <string>
#include <vector>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"influxdb.build", FieldType::kString, "X-Influxdb-Build (OSS, ENT, ...)"},
    {"influxdb.api", FieldType::kString, "v1 or v2"},
    {"influxdb.measurements", FieldType::kInteger,
     "measurements over the first 10 databases (1.x, names never kept)"},
    {"influxdb.setup_allowed", FieldType::kBool,
     "2.x /api/v2/setup allowed: never onboarded, anyone can claim it"},
    {"influxdb.http_status", FieldType::kInteger, "status of the listing when it was refused"},
};

constexpr uint16_t kPorts[] = {8086};
constexpr size_t kMeasuredDatabases = 10;
constexpr size_t kMaxSafeName = 64;
enum Step { kPing, kShowDatabases, kShowMeasurements, kSetup, kBuckets };

// Database names go back into a query only when they are plain identifiers: nothing to escape.
bool plain_identifier(std::string_view name) {
    if (name.empty() || name.size() > kMaxSafeName) return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
            return false;
    return true;
}

// results[i].series[0].values: the rows of statement i, or nullptr.
const nlohmann::json* statement_values(const nlohmann::json& results, size_t i) {
    if (!results.is_array() || i >= results.size()) return nullptr;
    const nlohmann::json* series = json_field(results[i], "series");
    if (!series || !series->is_array() || series->empty()) return nullptr;
    const nlohmann::json* values = json_field((*series)[0], "values");
    return values && values->is_array() ? values : nullptr;
}

class InfluxDbGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override {
        switch (step_) {
            case kShowDatabases:
                return "/query?q=SHOW%20DATABASES";
            case kShowMeasurements:
                return measurements_query();
            case kSetup:
                return "/api/v2/setup";
            case kBuckets:
                return "/api/v2/buckets?limit=100";
            default:
                return "/ping";
        }
    }

    std::string measurements_query() const {
        std::string q = "/query?q=";
        for (size_t i = 0; i < measured_.size(); ++i)
            q += (i ? "%3B" : "") + std::string("SHOW%20MEASUREMENTS%20ON%20%22") + measured_[i] +
                 "%22";
        return q;
    }

    void write_evidence(Session& s) override { summary_.write(s.record()); }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        switch (step_) {
            case kPing:
                return on_ping(s, r);
            case kShowDatabases:
                return on_databases(s, r);
            case kShowMeasurements:
                on_measurements(s, r);
                return conclude(s);
            case kSetup:
                return on_setup(s, r);
            default:
                on_buckets(s, r);
                return conclude(s);
        }
    }

    Next refused(Session& s, const HttpResponse& r) {
        access_ = Access::kAuthRequired;
        s.record().set("influxdb.http_status", static_cast<int64_t>(r.status));
        return conclude(s);
    }

    Next on_ping(Session& s, const HttpResponse& r) {
        std::string_view version = r.header("x-influxdb-version");
        if (version.empty()) return conclude(s);
        identified_ = true;
        Record& rec = s.record();
        rec.set("product", "InfluxDB");
        rec.set("version", version);
        if (!r.header("x-influxdb-build").empty())
            rec.set("influxdb.build", r.header("x-influxdb-build"));
        bool v2 = version.starts_with("v2") || version.starts_with("2.");
        rec.set("influxdb.api", v2 ? "v2" : "v1");
        if (r.status == 401 || r.status == 403) return refused(s, r);  // ping-auth-enabled
        step_ = v2 ? kSetup : kShowDatabases;
        return Next::kRead;
    }

    Next on_databases(Session& s, const HttpResponse& r) {
        if (r.status == 401 || r.status == 403) return refused(s, r);
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* results = j ? json_field(*j, "results") : nullptr;
        if (!results || !results->is_array()) return conclude(s);
        access_ = Access::kOpen;
        summary_.listed();
        if (const nlohmann::json* values = statement_values(*results, 0)) {
            for (const auto& row : *values) {
                if (!row.is_array() || row.empty() || !row[0].is_string()) continue;
                const auto& name = row[0].get_ref<const std::string&>();
                summary_.add(name);
                if (measured_.size() < kMeasuredDatabases && plain_identifier(name))
                    measured_.push_back(name);
            }
        }
        if (r.body_truncated) s.record().set("evidence_truncated", true);
        if (measured_.empty()) return conclude(s);
        step_ = kShowMeasurements;
        return Next::kRead;
    }

    void on_measurements(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 && !r.body_truncated ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* results = j ? json_field(*j, "results") : nullptr;
        if (!results || !results->is_array()) {
            s.record().set("evidence_truncated", true);
            return;
        }
        uint64_t measurements = 0;
        for (size_t i = 0; i < measured_.size(); ++i)
            if (const nlohmann::json* values = statement_values(*results, i))
                measurements += values->size();
        s.record().set("influxdb.measurements", measurements);
    }

    Next on_setup(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* allowed = j ? json_field(*j, "allowed") : nullptr;
        if (allowed && allowed->is_boolean()) {
            s.record().set("influxdb.setup_allowed", allowed->get<bool>());
            if (allowed->get<bool>()) access_ = Access::kOpen;
        }
        step_ = kBuckets;
        return Next::kRead;
    }

    void on_buckets(Session& s, const HttpResponse& r) {
        if (r.status == 401 || r.status == 403) {
            if (access_ != Access::kOpen) refused(s, r);
            return;
        }
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* buckets = j ? json_field(*j, "buckets") : nullptr;
        if (!buckets || !buckets->is_array()) return;
        access_ = Access::kOpen;
        summary_.listed();
        for (const auto& b : *buckets) summary_.add(json_string(b, "name"));
    }

    int step_ = kPing;
    std::vector<std::string> measured_;
    DataSummary summary_;
};

// InfluxDB names itself in X-Influxdb-Version / X-Influxdb-Build on every answer.
bool might_be_influxdb(const HttpResponse& r) {
    return !r.header("x-influxdb-version").empty() || !r.header("x-influxdb-build").empty();
}

}  // namespace

GrabberSpec influxdb_spec() {
    GrabberSpec spec{
        "influxdb", kPorts,  Transport::kTcp,
        true,       kFields, [] { return std::unique_ptr<Grabber>(new InfluxDbGrabber()); }};
    spec.might_be = might_be_influxdb;
    return spec;
}

}  // namespace sl::grab
