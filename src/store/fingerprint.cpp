#include "store/fingerprint.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>

#include "core/text.h"

namespace sl::store {

namespace {

std::string sha256_hex32(const std::string& canonical) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr);
    return "v1:" + hex_encode({reinterpret_cast<const char*>(digest), std::min(len, 16u)});
}

// Strings as themselves, anything else as compact JSON, absent as an empty value.
std::string canonical_value(const Json* v) {
    if (!v || v->is_null()) return "";
    if (v->is_string()) return "s" + v->get<std::string>();
    return "j" + v->dump();
}

}  // namespace

const Json* find_dotted(const Json& record, std::string_view dotted) {
    const Json* at = &record;
    size_t start = 0;
    while (true) {
        size_t dot = dotted.find('.', start);
        std::string part(dotted.substr(start, dot == std::string_view::npos ? dot : dot - start));
        if (!at->is_object()) return nullptr;
        auto it = at->find(part);
        if (it == at->end()) return nullptr;
        at = &*it;
        if (dot == std::string_view::npos) return at;
        start = dot + 1;
    }
}

std::string state_canonical(const Json& service) {
    std::string canonical = "service-state/1";
    for (auto field : kStateFields) {
        canonical += '\x1f';
        canonical += canonical_value(find_dotted(service, field));
    }
    return canonical;
}

std::string state_fingerprint(std::string canonical, const std::vector<std::string>& rules) {
    canonical += "\x1erules";
    for (const auto& r : rules) {
        canonical += '\x1f';
        canonical += r;
    }
    return sha256_hex32(canonical);
}

std::string state_fingerprint(const Json& service, const std::set<std::string>& rules) {
    return state_fingerprint(state_canonical(service), {rules.begin(), rules.end()});
}

std::string finding_fingerprint(std::string_view ip, int64_t port, std::string_view transport,
                                std::string_view rule) {
    return sha256_hex32(
        fmt::format("finding/1\x1f{}\x1f{}\x1f{}\x1f{}", ip, port, transport, rule));
}

}  // namespace sl::store
