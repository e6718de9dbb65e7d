// Kubernetes API server (HTTPS). CATALOGUE row 16.
//
// What we send: GET /version (often readable by anyone through the system:public-info-viewer
// role, so it proves the product, never access), then GET /api/v1/namespaces?limit=500
// (namespace names only). Never a secret, a pod, a config map or a log.
// Open versus auth-required: a NamespaceList served without credentials means anonymous
// requests have list rights: `open` (critical). A 403 Status naming system:anonymous means
// anonymous authentication is on but RBAC refuses it; a 401 Status means it is off: both are
// `auth_required`, and the first sets kubernetes.anonymous.
// Evidence: version (gitVersion), platform, whether requests ran as system:anonymous, the
// namespaces (count and names as data.*).
// References:
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests ;
// https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles ;
// https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/#list-list-or-watch-objects-of-kind-namespace
// ; https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/
#include "grab/kubernetes/kubernetes.h"

#include <optional>
#include <string>

#include "grab/data_summary.h"
#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"kubernetes.platform", FieldType::kString, "platform of /version, e.g. linux/amd64"},
    {"kubernetes.anonymous", FieldType::kBool, "our requests ran as system:anonymous"},
    {"kubernetes.namespaces", FieldType::kInteger, "namespaces an anonymous client can list"},
    {"kubernetes.http_status", FieldType::kInteger, "status of the request that was refused"},
};

constexpr uint16_t kPorts[] = {6443};
constexpr std::string_view kPaths[] = {"/version", "/api/v1/namespaces?limit=500"};

// A Kubernetes Status object (the API's error body): {"kind":"Status", "code": ...}.
bool is_status(const std::optional<nlohmann::json>& j) {
    return j && j->is_object() && json_string(*j, "kind") == "Status";
}

class KubernetesGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override { return std::string(kPaths[step_]); }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        auto j = r.body_truncated ? std::nullopt : parse_json(r.body);
        if (r.status == 401 || r.status == 403) return refused(s, r, j);
        if (step_ == 0) return on_version(s, r, j);
        on_namespaces(s, r, j);
        return conclude(s);
    }

    Next on_version(Session& s, const HttpResponse& r, const std::optional<nlohmann::json>& j) {
        if (r.status != 200 || !j || !j->is_object() || json_string(*j, "gitVersion").empty() ||
            json_string(*j, "major").empty())
            return conclude(s);
        identify(s);
        s.record().set("version", json_string(*j, "gitVersion").substr(0, 64));
        if (!json_string(*j, "platform").empty())
            s.record().set("kubernetes.platform", json_string(*j, "platform").substr(0, 64));
        step_ = 1;
        return Next::kRead;
    }

    // 401 (anonymous authentication off) or 403 (on, without rights): a Status says which.
    Next refused(Session& s, const HttpResponse& r, const std::optional<nlohmann::json>& j) {
        if (!is_status(j)) return conclude(s);
        identify(s);
        access_ = Access::kAuthRequired;
        s.record().set("kubernetes.http_status", static_cast<int64_t>(r.status));
        if (json_string(*j, "message").find("system:anonymous") != std::string::npos)
            s.record().set("kubernetes.anonymous", true);
        return conclude(s);
    }

    void on_namespaces(Session& s, const HttpResponse& r, const std::optional<nlohmann::json>& j) {
        const nlohmann::json* items =
            r.status == 200 && j && json_string(*j, "kind") == "NamespaceList"
                ? json_field(*j, "items")
                : nullptr;
        if (!items || !items->is_array()) {
            s.record().set("evidence_truncated", true);
            return;
        }
        access_ = Access::kOpen;
        s.record().set("kubernetes.anonymous", true);
        DataSummary summary;
        summary.listed();
        for (const auto& ns : *items) {
            const nlohmann::json* meta = json_field(ns, "metadata");
            summary.add(meta ? json_string(*meta, "name") : std::string());
        }
        uint64_t more = 0;
        if (const nlohmann::json* meta = json_field(*j, "metadata"))
            if (const nlohmann::json* rest = json_field(*meta, "remainingItemCount"))
                more = json_count(*rest);
        s.record().set("kubernetes.namespaces", static_cast<uint64_t>(items->size()) + more);
        summary.write(s.record());
    }

    void identify(Session& s) {
        identified_ = true;
        s.record().set("product", "Kubernetes");
    }

    size_t step_ = 0;
};

// The API server answers / with its list of paths (anonymous) or a Status (refused): JSON.
bool might_be_kubernetes(const HttpResponse& r) { return root_is_json(r); }

}  // namespace

GrabberSpec kubernetes_spec() {
    GrabberSpec spec{
        "kubernetes", kPorts,  Transport::kTcp,
        true,         kFields, [] { return std::unique_ptr<Grabber>(new KubernetesGrabber()); }};
    spec.might_be = might_be_kubernetes;
    return spec;
}

}  // namespace sl::grab
