// One generic fuzz harness, compiled once per grabber with SL_FUZZ_PROTOCOL="<name>"
// (RELIABILITY.md section 3). FuzzedDataProvider picks the options (TLS-unwrapped or not, the
// connection split) and the chunk sizes; the rest is what the server sends. The grabber is
// driven through drive_grabber (on_open, on_data per chunk, on_close), and the harness checks:
// consumed <= available, the queue never over its cap, every record string and list within its
// limit, valid verdict enums, and for inputs up to 4 KiB the same record from one-byte chunks as
// from one chunk.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "grab/drive.h"
#include "grab/registry.h"

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
    if (size <= 4096) {
        auto bytewise = sl::grab::drive_grabber(*spec, script, [](size_t) { return size_t{1}; });
        if (!(bytewise.verdict == whole.verdict) || !(bytewise.record == whole.record))
            std::abort();
        if (!(chunked.verdict == whole.verdict) || !(chunked.record == whole.record)) std::abort();
    }
    return 0;
}
