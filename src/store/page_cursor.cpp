#include "store/page_cursor.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace sl::store {

namespace {

using Json = nlohmann::json;

constexpr size_t kMaxKeyParts = 8;
constexpr const char* kBad = "cursor: not one this server gave";

}  // namespace

// Each part is a JSON value: null, an integer, a real, a string, or {"b": hex} for a blob.
std::string encode_cursor(const std::vector<SqlValue>& key) {
    Json parts = Json::array();
    for (const auto& v : key) {
        if (std::holds_alternative<int64_t>(v))
            parts.push_back(std::get<int64_t>(v));
        else if (std::holds_alternative<double>(v))
            parts.push_back(std::get<double>(v));
        else if (std::holds_alternative<std::string>(v))
            parts.push_back(std::get<std::string>(v));
        else if (std::holds_alternative<Blob>(v))
            parts.push_back({{"b", hex_encode(std::get<Blob>(v).bytes)}});
        else
            parts.push_back(nullptr);
    }
    return hex_encode(parts.dump(-1, ' ', false, Json::error_handler_t::replace));
}

Result<std::vector<SqlValue>> decode_cursor(std::string_view text) {
    if (text.empty() || text.size() > kMaxCursorText) return make_error(kBad);
    auto bytes = hex_decode(text);
    if (!bytes) return make_error(kBad);
    Json parts = Json::parse(*bytes, nullptr, false);
    if (parts.is_discarded() || !parts.is_array() || parts.empty() || parts.size() > kMaxKeyParts)
        return make_error(kBad);
    std::vector<SqlValue> key;
    for (const auto& p : parts) {
        if (p.is_null()) {
            key.emplace_back(std::monostate{});
        } else if (p.is_number_integer()) {
            key.emplace_back(p.get<int64_t>());
        } else if (p.is_number_float()) {
            key.emplace_back(p.get<double>());
        } else if (p.is_string()) {
            key.emplace_back(p.get<std::string>());
        } else if (p.is_object() && p.size() == 1 && p.contains("b") && p["b"].is_string()) {
            auto blob = hex_decode(p["b"].get<std::string>());
            if (!blob) return make_error(kBad);
            key.emplace_back(Blob{std::move(*blob)});
        } else {
            return make_error(kBad);
        }
    }
    return key;
}

}  // namespace sl::store
