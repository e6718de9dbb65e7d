// Jenkins (HTTP). CATALOGUE row 18.
//
// What we send: GET / (X-Jenkins names the product and version), then as anonymous GET
// /api/json?tree=jobs[name], GET /computer/api/json?tree=computer[displayName], GET
// /asynchPeople/api/json?tree=users[user[id]] (counted, never kept) and GET /script (only its
// status: the script console is never used). Never a build log, a workspace or a config.
// Open versus auth-required: the dashboard (GET / 200, which needs Overall/Read) and the job
// list served to anonymous are `open`; 403 with X-You-Are-Authenticated-As: anonymous, or a
// redirect to the login page, is `auth_required`. /script 200: jenkins.script_console.
// Evidence: version, jobs (count and names), agents, users (count), script console.
// References: https://www.jenkins.io/doc/book/using/remote-access-api/ (api/json, tree) ;
// https://www.jenkins.io/doc/book/security/access-control/ (anonymous read) ; metasploit
// jenkins_enum ; nuclei jenkins-users-exposure ; the CommuteAir no-fly list case.
#include "grab/jenkins/jenkins.h"

#include <optional>
#include <string>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"jenkins.jobs", FieldType::kInteger, "top-level jobs anonymous can see"},
    {"jenkins.agents", FieldType::kInteger, "computers (the built-in node and agents)"},
    {"jenkins.users", FieldType::kInteger, "users in asynchPeople (names never kept)"},
    {"jenkins.script_console", FieldType::kBool, "GET /script answered 200 to anonymous"},
    {"jenkins.http_status", FieldType::kInteger, "status of the refused request"},
};

constexpr uint16_t kPorts[] = {8080};
constexpr std::string_view kPaths[] = {
    "/", "/api/json?tree=jobs%5Bname%5D", "/computer/api/json?tree=computer%5BdisplayName%5D",
    "/asynchPeople/api/json?tree=users%5Buser%5Bid%5D%5D", "/script"};
enum Step { kRoot, kJobs, kAgents, kUsers, kScript };

bool refused(const HttpResponse& r) {
    if (r.status == 401 || r.status == 403) return true;
    return r.status >= 300 && r.status < 400 &&
           r.header("location").find("login") != std::string_view::npos;
}

// The length of a JSON array member, or nullopt.
std::optional<uint64_t> array_size(const HttpResponse& r, const char* key) {
    auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
    const nlohmann::json* a = j ? json_field(*j, key) : nullptr;
    if (!a || !a->is_array()) return std::nullopt;
    return a->size();
}

// Jenkins names itself in X-Jenkins (or X-Hudson) on every answer.
bool names_jenkins(const HttpResponse& r) {
    return !r.header("x-jenkins").empty() || !r.header("x-hudson").empty();
}

class JenkinsGrabber final : public HttpProductGrabber {
  private:
    HttpRequest request() const override {  // the dashboard is a page; the rest is JSON
        return HttpRequest::get(
            kPaths[step_], step_ == kRoot || step_ == kScript ? "text/html" : "application/json");
    }

    void write_evidence(Session& s) override { summary_.write(s.record()); }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        Record& rec = s.record();
        switch (step_) {
            case kRoot:
                if (!names_jenkins(r)) return conclude(s);
                identified_ = true;
                rec.set("product", "Jenkins");
                if (!r.header("x-jenkins").empty()) rec.set("version", r.header("x-jenkins"));
                if (refused(r)) return refuse(s, r);
                if (r.status == 200) access_ = Access::kOpen;  // the dashboard needs Overall/Read
                break;
            case kJobs:
                if (refused(r)) return refuse(s, r);
                if (!on_jobs(s, r)) return conclude(s);
                break;
            case kAgents:
                if (auto n = array_size(r, "computer")) rec.set("jenkins.agents", *n);
                break;
            case kUsers:
                if (auto n = array_size(r, "users")) rec.set("jenkins.users", *n);
                break;
            default:
                rec.set("jenkins.script_console", r.status == 200);
                return conclude(s);
        }
        ++step_;
        return Next::kRead;
    }

    Next refuse(Session& s, const HttpResponse& r) {
        access_ = Access::kAuthRequired;
        s.record().set("jenkins.http_status", static_cast<int64_t>(r.status));
        return conclude(s);
    }

    // True when the job list was read.
    bool on_jobs(Session& s, const HttpResponse& r) {
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        const nlohmann::json* jobs = j ? json_field(*j, "jobs") : nullptr;
        if (!jobs || !jobs->is_array()) {
            if (r.status == 200 && r.body_truncated) s.record().set("evidence_truncated", true);
            return false;  // the dashboard's verdict stands
        }
        access_ = Access::kOpen;
        summary_.listed();
        for (const auto& job : *jobs) summary_.add(json_string(job, "name"));
        s.record().set("jenkins.jobs", static_cast<uint64_t>(jobs->size()));
        return true;
    }

    size_t step_ = kRoot;
    DataSummary summary_;
};

// GET / is this grabber's own first step: Jenkins names itself in X-Jenkins or X-Hudson.
bool might_be_jenkins(const HttpResponse& r) { return names_jenkins(r); }

}  // namespace

GrabberSpec jenkins_spec() {
    GrabberSpec spec{
        "jenkins", kPorts,  Transport::kTcp,
        true,      kFields, [] { return std::unique_ptr<Grabber>(new JenkinsGrabber()); }};
    spec.might_be = might_be_jenkins;
    return spec;
}

}  // namespace sl::grab
