// ClickHouse over its HTTP interface. CATALOGUE row 11.
//
// What we send: GET /?query=SELECT version() as the `default` user with no password (the
// documented default account, CATALOGUE R3: no other login is ever tried); if that answers,
// one read of system.parts: per database, active parts' rows and bytes on disk. Never a
// query over a user table.
// Open versus auth-required: 200 with a version is `open`; a ClickHouse exception (HTTP 401 or
// 500 by version, "DB::Exception", codes 192/193/194/516, or the X-ClickHouse-Exception-Code
// header) is `auth_required`. ClickHouse names itself in X-ClickHouse-* headers and in the
// WWW-Authenticate realm "ClickHouse server HTTP API".
// Evidence: version, databases with data, total rows, total bytes on disk, database names.
// References: https://clickhouse.com/docs/en/interfaces/http ;
// https://clickhouse.com/docs/en/operations/system-tables/parts ; nuclei clickhouse-unauth.
#include "grab/clickhouse/clickhouse.h"

#include <optional>
#include <string>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"clickhouse.http_status", FieldType::kInteger, "status of the version query when refused"},
    {"clickhouse.error_code", FieldType::kInteger, "the ClickHouse exception code when refused"},
};

constexpr uint16_t kPorts[] = {8123, 8443};
constexpr std::string_view kPaths[] = {
    "/?query=SELECT%20version()",
    "/?query=SELECT%20database%20AS%20name%2C%20sum(rows)%20AS%20rows%2C%20sum(bytes_on_disk)"
    "%20AS%20bytes%20FROM%20system.parts%20WHERE%20active%20GROUP%20BY%20database%20ORDER%20BY"
    "%20bytes%20DESC%20LIMIT%2010000%20FORMAT%20JSON"};

bool names_clickhouse(const HttpResponse& r) {
    for (const auto& [name, value] : r.headers)
        if (name.starts_with("x-clickhouse-")) return true;
    return r.header("www-authenticate").find("ClickHouse") != std::string_view::npos;
}

// "Code: 194, e.displayText() = ..." (18.x) or "Code: 516. DB::Exception: ..." (22.x and later).
std::optional<int64_t> exception_code(const HttpResponse& r) {
    std::string_view header = r.header("x-clickhouse-exception-code");
    std::string_view text = header.empty() ? std::string_view(r.body) : header;
    if (header.empty()) {
        if (!text.starts_with("Code: ")) return std::nullopt;
        text.remove_prefix(6);
    }
    int64_t code = 0;
    size_t digits = 0;
    for (; digits < text.size() && digits < 6 && text[digits] >= '0' && text[digits] <= '9';
         ++digits)
        code = code * 10 + (text[digits] - '0');
    return digits ? std::optional<int64_t>(code) : std::nullopt;
}

bool auth_code(int64_t code) { return code == 192 || code == 193 || code == 194 || code == 516; }

bool looks_like_version(std::string_view body) {
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
    if (body.empty() || body.size() > 64 || body.front() < '0' || body.front() > '9') return false;
    for (char c : body)
        if (!((c >= '0' && c <= '9') || c == '.')) return false;
    return true;
}

class ClickHouseGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override { return std::string(kPaths[step_]); }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        if (step_ == 0) return on_version(s, r);
        on_sizes(s, r);
        return conclude(s);
    }

    Next on_version(Session& s, const HttpResponse& r) {
        Record& rec = s.record();
        if (!names_clickhouse(r)) return conclude(s);
        identified_ = true;
        rec.set("product", "ClickHouse");
        std::optional<int64_t> code = exception_code(r);
        if (r.status == 200 && looks_like_version(r.body)) {
            std::string_view v(r.body);
            rec.set("version", v.substr(0, v.find_first_of("\r\n")));
            access_ = Access::kOpen;
            ++step_;
            return Next::kRead;
        }
        rec.set("clickhouse.http_status", static_cast<int64_t>(r.status));
        if (code) rec.set("clickhouse.error_code", *code);
        access_ = code && auth_code(*code) ? Access::kAuthRequired : Access::kUnknown;
        return conclude(s);
    }

    void on_sizes(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 && !r.body_truncated ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* data = j ? json_field(*j, "data") : nullptr;
        if (!data || !data->is_array()) {
            s.record().set("evidence_truncated", true);
            return;
        }
        DataSummary summary;
        summary.listed();
        for (const auto& row : *data) {
            const nlohmann::json* rows = json_field(row, "rows");
            const nlohmann::json* bytes = json_field(row, "bytes");
            summary.add(json_string(row, "name"), rows ? json_count(*rows) : 0,
                        bytes ? json_count(*bytes) : 0);
        }
        summary.write(s.record());
    }

    size_t step_ = 0;
};

// ClickHouse answers / with "Ok." and names itself in X-ClickHouse-* headers.
bool might_be_clickhouse(const HttpResponse& r) { return names_clickhouse(r) || r.body == "Ok.\n"; }

}  // namespace

GrabberSpec clickhouse_spec() {
    GrabberSpec spec{
        "clickhouse", kPorts,  Transport::kTcp,
        true,         kFields, [] { return std::unique_ptr<Grabber>(new ClickHouseGrabber()); }};
    spec.might_be = might_be_clickhouse;
    return spec;
}

}  // namespace sl::grab
