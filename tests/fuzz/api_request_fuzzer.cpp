// Fuzzes the API's request handling (docs/api.md) without a socket: any method, path, query
// arguments, headers and body give an answer (JSON, or one of the UI's files) with a status the
// API documents and the security headers, never a crash. The store is a fresh one in a
// temporary directory, made once.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "api/api.h"
#include "store/store.h"

namespace {

const std::string kToken(64, 'a');

sl::api::Api& api() {
    static sl::api::Api* instance = [] {
        char dir[] = "/tmp/sl_fuzz_api_XXXXXX";
        if (!::mkdtemp(dir)) std::abort();
        std::string db = std::string(dir) + "/f.db";
        if (!sl::store::Store::open(db, sl::store::OpenMode::kReadWrite)) std::abort();
        return new sl::api::Api(
            {db, kToken, sl::api::served_hosts(sl::IpAddr::v4(0x7f000001), 8470), false, nullptr});
    }();
    return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    sl::api::Request r;
    r.method = in.PickValueInArray({"GET", "POST", "DELETE", "PUT", "OPTIONS"});
    r.path = in.PickValueInArray({"/api/search", "/api/findings", "/api/hosts/", "/api/scans",
                                  "/api/events", "/api/monitor", "/api/session", "/api/findings/",
                                  "/healthz", "/"}) +
             in.ConsumeRandomLengthString(64);
    if (in.ConsumeBool()) r.headers["host"] = "127.0.0.1:8470";
    if (in.ConsumeBool()) r.headers["authorization"] = "Bearer " + kToken;
    if (in.ConsumeBool()) r.headers["origin"] = in.ConsumeRandomLengthString(40);
    if (in.ConsumeBool()) r.headers["cookie"] = in.ConsumeRandomLengthString(80);
    for (const char* k : {"q", "facets", "limit", "cursor"})
        if (in.ConsumeBool()) r.args[k] = in.ConsumeRandomLengthString(200);
    r.body = in.ConsumeRemainingBytesAsString();
    sl::api::Response out = api().handle(r);
    static const std::set<int> kStatuses = {200, 400, 401, 403, 404, 405, 409, 413, 421, 500, 503};
    if (!kStatuses.count(out.status)) std::abort();
    // the UI's files are HTML, JavaScript and CSS; everything else the API says is JSON
    if (out.content_type == "application/json" && !nlohmann::json::accept(out.body)) std::abort();
    bool csp = false;
    for (const auto& [k, v] : out.headers) csp |= k == "Content-Security-Policy";
    if (!csp) std::abort();
    return 0;
}
