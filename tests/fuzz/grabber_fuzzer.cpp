// One generic fuzz harness, compiled once per grabber with SL_FUZZ_PROTOCOL="<name>"
// (RELIABILITY.md section 3). FuzzedDataProvider picks the options (TLS-unwrapped or not, the
// connection split) and the chunk sizes; the rest is what the server sends. The grabber is
// driven through drive_grabber (on_open, on_data per chunk, on_close), and the harness checks:
// consumed <= available, the queue never over its cap, every record string and list within its
// limit, valid verdict enums, and for inputs up to 4 KiB the same record from one-byte chunks as
// from one chunk. The record then meets the shipped rules, as in a scan: every finding must name
// a rule, a known severity and evidence within the record limits.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "grab/drive.h"
#include "grab/registry.h"
#include "rules/loader.h"

namespace {

void check_limits(const sl::Record::Json& j) {
    if (j.is_string() && j.get_ref<const std::string&>().size() > sl::kMaxFieldString) std::abort();
    if (j.is_array() && j.size() > sl::kMaxFieldList) std::abort();
    if (j.is_structured())
        for (const auto& v : j) check_limits(v);
}

bool valid(const sl::Verdict& v) {
    return static_cast<int>(v.status) <= static_cast<int>(sl::GrabStatus::kLimitExceeded) &&
           static_cast<int>(v.access) <= static_cast<int>(sl::Access::kDenied);
}

// What a scan does with the record next (scan_command's sink): rules over hostile fields.
void check_findings(sl::Record record) {
    static const auto rules = sl::rules::load_rules({sl::rules::builtin_rules_dir()});
    if (!rules) std::abort();
    record.set("ip", "192.0.2.1");
    record.set("port", int64_t{1});
    for (const auto& f : sl::rules::findings(**rules, record, sl::rules::EvalContext{1795435546})) {
        const auto* severity = f.find("severity");
        const auto* rule = f.find("rule");
        if (!severity || !severity->is_string() || !rule || !rule->is_string()) std::abort();
        check_limits(f.fields());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const sl::grab::GrabberSpec* spec = sl::grab::find_grabber(SL_FUZZ_PROTOCOL);
    if (!spec) std::abort();
    FuzzedDataProvider fdp(data, size);
    bool tls = fdp.ConsumeBool();
    size_t connections = fdp.ConsumeIntegralInRange<size_t>(1, 3);
    uint32_t chunk_seed = fdp.ConsumeIntegral<uint32_t>();
    std::string server = fdp.ConsumeRemainingBytesAsString();

    sl::grab::Transcript script;
    script.header.push_back("fuzz");
    script.port = spec->ports.empty() ? 1 : spec->ports[0];
    size_t per = server.size() / connections + 1;
    for (size_t c = 0; c < connections; ++c) {
        sl::grab::TranscriptConnection conn;
        conn.tls = tls;
        std::string part = server.substr(std::min(server.size(), c * per), per);
        conn.blocks.push_back({false, part});
        script.connections.push_back(std::move(conn));
    }
    uint32_t state = chunk_seed | 1;
    auto random_chunks = [&](size_t n) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return 1 + state % std::min<size_t>(n, 257);
    };
    auto whole = sl::grab::drive_grabber(*spec, script, [](size_t n) { return n; });
    auto chunked = sl::grab::drive_grabber(*spec, script, random_chunks);
    for (const auto* r : {&whole, &chunked}) {
        if (!r->bytes_within_cap || !r->consumed_within_input || !valid(r->verdict)) std::abort();
        check_limits(r->record.fields());
    }
    check_findings(whole.record);
    if (size <= 4096) {
        auto bytewise = sl::grab::drive_grabber(*spec, script, [](size_t) { return size_t{1}; });
        if (!(bytewise.verdict == whole.verdict) || !(bytewise.record == whole.record))
            std::abort();
        if (!(chunked.verdict == whole.verdict) || !(chunked.record == whole.record)) std::abort();
    }
    return 0;
}
