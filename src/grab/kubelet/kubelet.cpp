// kubelet (the node agent's HTTPS API, and its read-only HTTP port). CATALOGUE row 17.
//
// What we send: GET /pods, once. We keep pod and namespace counts and container image names
// (metadata); never /run, /exec, /logs, /configz or an environment variable.
// Open versus auth-required: a PodList served without credentials is `open` (anonymous
// authentication with AlwaysAllow authorization, or the read-only port 10255): whoever reaches
// it sees every pod, and on 10250 may run commands in them. 401 "Unauthorized" (anonymous off)
// and 403 "Forbidden (user=system:anonymous, ...)" (webhook authorization refusing anonymous)
// are `auth_required`; the 403 sets kubelet.anonymous. A bare 401 names the kubelet only on its
// own ports.
// Evidence: pods, namespaces, container images (first 10 names).
// References: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/ ;
// https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/ (--read-only-port,
// --anonymous-auth, --authorization-mode) ;
// https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
#include "grab/kubelet/kubelet.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "grab/http_product.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"kubelet.pods", FieldType::kInteger, "pods the node lists to an anonymous client"},
    {"kubelet.namespaces", FieldType::kInteger, "distinct namespaces of those pods"},
    {"kubelet.images", FieldType::kStringList, "container image names (first 10)"},
    {"kubelet.anonymous", FieldType::kBool, "the kubelet named us system:anonymous"},
    {"kubelet.http_status", FieldType::kInteger, "status of /pods when it was refused"},
};

constexpr uint16_t kPorts[] = {10250, 10255};
constexpr size_t kImagesKept = 10;

class KubeletGrabber final : public HttpProductGrabber {
  private:
    std::string path() const override { return "/pods"; }

    Next on_response(Session& s) override {
        const HttpResponse& r = http_.response();
        if (r.status == 401 || r.status == 403) return refused(s, r);
        auto j = r.status == 200 && !r.body_truncated ? parse_json(r.body) : std::nullopt;
        if (!j || json_string(*j, "kind") != "PodList") return conclude(s);
        const nlohmann::json* items = json_field(*j, "items");
        if (!items || !items->is_array()) return conclude(s);
        identify(s, Access::kOpen);
        std::set<std::string> namespaces, images;
        for (const auto& pod : *items) {
            const nlohmann::json* meta = json_field(pod, "metadata");
            if (meta) namespaces.insert(json_string(*meta, "namespace").substr(0, 253));
            const nlohmann::json* spec = json_field(pod, "spec");
            const nlohmann::json* containers = spec ? json_field(*spec, "containers") : nullptr;
            if (!containers || !containers->is_array()) continue;
            for (const auto& c : *containers)
                if (images.size() < kImagesKept && !json_string(c, "image").empty())
                    images.insert(json_string(c, "image").substr(0, 256));
        }
        Record& rec = s.record();
        rec.set("kubelet.pods", static_cast<uint64_t>(items->size()));
        rec.set("kubelet.namespaces", static_cast<uint64_t>(namespaces.size()));
        for (const auto& image : images) rec.append("kubelet.images", image);
        return conclude(s);
    }

    Next refused(Session& s, const HttpResponse& r) {
        bool anonymous = r.body.find("user=system:anonymous") != std::string::npos;
        bool own_port =
            std::find(std::begin(kPorts), std::end(kPorts), s.target().port) != std::end(kPorts);
        if (!anonymous && !(own_port && r.body.starts_with("Unauthorized"))) return conclude(s);
        identify(s, Access::kAuthRequired);
        s.record().set("kubelet.http_status", static_cast<int64_t>(r.status));
        if (anonymous) s.record().set("kubelet.anonymous", true);
        return conclude(s);
    }

    void identify(Session& s, Access access) {
        identified_ = true;
        access_ = access;
        s.record().set("product", "kubelet");
    }
};

// The kubelet answers / with Go's 404, or refuses it (401, 403); a JSON root is an API that
// may be the kubelet's.
bool might_be_kubelet(const HttpResponse& r) {
    return r.status == 404 || r.status == 401 || r.status == 403 || root_is_json(r);
}

}  // namespace

GrabberSpec kubelet_spec() {
    GrabberSpec spec{
        "kubelet", kPorts,  Transport::kTcp,
        true,      kFields, [] { return std::unique_ptr<Grabber>(new KubeletGrabber()); }};
    spec.might_be = might_be_kubelet;
    return spec;
}

}  // namespace sl::grab
