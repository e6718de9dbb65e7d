// Docker Engine API (HTTP). CATALOGUE row 15.
//
// What we send: GET /version, then GET /info (counts only). Never /containers/*/exec, never a
// create, never a log or an image pull.
// Open versus auth-required: the plain API (2375) has no authentication mode at all, so a
// /version answer with ApiVersion, Version and Os is `open` (and the whole host is at the
// caller's mercy). A 401/403 (an authorization plugin or a proxy) is `auth_required`. The TLS
// port (2376) demands a client certificate: the handshake fails with tls-error.
// Evidence: version, API version, OS, kernel, containers (running), images.
// References: https://docs.docker.com/engine/api/v1.43/ (SystemVersion, SystemInfo) ;
// https://docs.docker.com/engine/security/protect-access/ ; nmap docker-version.
#include "grab/docker/docker.h"

#include <optional>
#include <string>

#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"docker.api_version", FieldType::kString, "ApiVersion from /version"},
    {"docker.os", FieldType::kString, "Os from /version"},
    {"docker.kernel", FieldType::kString, "KernelVersion from /version"},
    {"docker.containers", FieldType::kInteger, "Containers from /info"},
    {"docker.containers_running", FieldType::kInteger, "ContainersRunning from /info"},
    {"docker.images", FieldType::kInteger, "Images from /info"},
    {"docker.http_status", FieldType::kInteger, "status of /version when it was refused"},
};

constexpr uint16_t kPorts[] = {2375, 2376};
constexpr std::string_view kPaths[] = {"/version", "/info"};

int64_t count(const nlohmann::json& obj, const char* key) {
    const nlohmann::json* v = json_field(obj, key);
    return v && v->is_number_integer() ? v->get<int64_t>() : 0;
}

// The headers the Docker API puts on every answer.
bool names_docker(const HttpResponse& r) {
    return !r.header("api-version").empty() ||
           r.header("server").find("Docker") != std::string_view::npos;
}

class DockerGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override { return std::string(kPaths[step_]); }
    Next on_response(Session& s) override { return step_ == 0 ? on_version(s) : on_info(s); }
    Next on_broken(Session&, HttpSequence::Event) override {
        return done(identified_ ? access_ : Access::kUnknown);
    }

    Next done(Access access) {
        verdict_ = identified_ ? Verdict{GrabStatus::kOk, access}
                               : Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
        return Next::kClose;
    }

    Next on_version(Session& s) {
        const HttpResponse& r = http_.response();
        Record& rec = s.record();
        if ((r.status == 401 || r.status == 403) && names_docker(r)) {
            identified_ = true;
            rec.set("product", "Docker Engine");
            rec.set("docker.http_status", static_cast<int64_t>(r.status));
            return done(Access::kAuthRequired);
        }
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        if (!j || json_string(*j, "ApiVersion").empty() || json_string(*j, "Version").empty() ||
            json_string(*j, "Os").empty())
            return done(Access::kUnknown);
        identified_ = true;
        access_ = Access::kOpen;
        rec.set("product", "Docker Engine");
        rec.set("version", json_string(*j, "Version"));
        rec.set("docker.api_version", json_string(*j, "ApiVersion"));
        rec.set("docker.os", json_string(*j, "Os"));
        if (!json_string(*j, "KernelVersion").empty())
            rec.set("docker.kernel", json_string(*j, "KernelVersion"));
        step_ = 1;
        return Next::kRead;
    }

    Next on_info(Session& s) {
        const HttpResponse& r = http_.response();
        auto j = r.status == 200 ? parse_json(r.body) : std::nullopt;
        Record& rec = s.record();
        if (j && j->is_object()) {
            rec.set("docker.containers", count(*j, "Containers"));
            rec.set("docker.containers_running", count(*j, "ContainersRunning"));
            rec.set("docker.images", count(*j, "Images"));
        } else {
            rec.set("evidence_truncated", true);
        }
        return done(access_);
    }

    size_t step_ = 0;
};

// The Docker API names itself in headers on every answer, / included (a 404).
bool might_be_docker(const HttpResponse& r) { return names_docker(r); }

}  // namespace

GrabberSpec docker_spec() {
    GrabberSpec spec{"docker",        kPorts,
                     Transport::kTcp, true,
                     kFields,         [] { return std::unique_ptr<Grabber>(new DockerGrabber()); }};
    spec.might_be = might_be_docker;
    return spec;
}

}  // namespace sl::grab
