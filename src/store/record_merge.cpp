#include "store/record_merge.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace sl::store {

namespace {

namespace od = simdjson::ondemand;
using Json = nlohmann::ordered_json;

constexpr size_t kMaxDepth = 64;  // a deeper merge takes the slow path
constexpr size_t kMaxKeys = 128;  // so does an object with more keys (the duplicate check)

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

void put_key(std::string& out, std::string_view key) {
    bool plain = std::all_of(key.begin(), key.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
    });
    if (plain) {
        out += '"';
        out += key;
        out += '"';
    } else {
        out += dump(Json(std::string(key)));
    }
    out += ':';
}

// What merging a patch value over a value that is not an object gives (RFC 7396: over {}).
void put_patch(std::string& out, const Json& patch) {
    if (!patch.is_object()) {
        out += dump(patch);
        return;
    }
    Json merged;
    merged.merge_patch(patch);
    out += dump(merged);
}

// A value as it is stored. False when it is not whole.
bool put_raw(od::value& v, std::string& out) {
    od::json_type type;
    if (v.type().get(type)) return false;
    std::string_view raw;
    if (type == od::json_type::object) {
        od::object o;
        if (v.get_object().get(o) || o.raw_json().get(raw)) return false;
    } else if (type == od::json_type::array) {
        od::array a;
        if (v.get_array().get(a) || a.raw_json().get(raw)) return false;
    } else {
        raw = v.raw_json_token();
    }
    while (!raw.empty() && std::string_view(" \t\r\n").find(raw.back()) != std::string_view::npos)
        raw.remove_suffix(1);
    out += raw;
    return true;
}

// The target object with the patch object merged in, as nlohmann's merge_patch() orders it:
// the target's members in place (a null in the patch removes one), then the patch's new ones.
// False to decline.
bool merge_object(od::object target, const Json& patch, std::string& out, size_t depth) {
    if (depth > kMaxDepth) return false;
    std::vector<std::string> keys;
    bool first = true;
    auto next_member = [&](std::string_view key) {
        if (!first) out += ',';
        first = false;
        put_key(out, key);
    };
    out += '{';
    for (auto member : target) {
        od::field f;
        std::string_view k;
        if (std::move(member).get(f) || f.unescaped_key().get(k)) return false;
        std::string key(k);
        if (keys.size() == kMaxKeys || std::find(keys.begin(), keys.end(), key) != keys.end())
            return false;
        keys.push_back(key);
        auto p = patch.find(key);
        if (p == patch.end()) {
            next_member(key);
            if (!put_raw(f.value(), out)) return false;
            continue;
        }
        if (p->is_null()) continue;
        next_member(key);
        od::json_type type;
        if (f.value().type().get(type)) return false;
        if (p->is_object() && type == od::json_type::object) {
            od::object inner;
            if (f.value().get_object().get(inner) || !merge_object(inner, *p, out, depth + 1))
                return false;
        } else {
            put_patch(out, *p);
        }
    }
    for (const auto& [key, value] : patch.items())
        if (!value.is_null() && std::find(keys.begin(), keys.end(), key) == keys.end()) {
            next_member(key);
            put_patch(out, value);
        }
    out += '}';
    return true;
}

}  // namespace

std::optional<std::string> RecordMerger::fast(std::string_view record,
                                              std::optional<std::string_view> patch) {
    buffer_.assign(record);
    buffer_.reserve(record.size() + simdjson::SIMDJSON_PADDING);
    simdjson::dom::element whole;
    if (check_.parse(buffer_.data(), buffer_.size(), false).get(whole) || !whole.is_object())
        return std::nullopt;
    Json changes = patch ? Json::parse(*patch, nullptr, false) : Json();
    if (!changes.is_object()) return std::string(record);
    od::document doc;
    od::object target;
    if (slice_.iterate(buffer_.data(), buffer_.size(), buffer_.capacity()).get(doc) ||
        doc.get_object().get(target))
        return std::nullopt;
    std::string out;
    out.reserve(record.size() + patch->size());
    if (!merge_object(target, changes, out, 0)) return std::nullopt;
    return out;
}

std::string RecordMerger::merged(std::string_view record, std::optional<std::string_view> patch) {
    if (auto out = fast(record, patch)) return std::move(*out);
    return merged_record_slow(record, patch);
}

std::string merged_record_slow(std::string_view record, std::optional<std::string_view> patch) {
    Json r = Json::parse(record, nullptr, false);
    if (r.is_discarded()) return "null";
    if (patch && r.is_object()) {
        Json p = Json::parse(*patch, nullptr, false);
        if (p.is_object()) r.merge_patch(p);
    }
    return dump(r);
}

std::string record_merge_disagreement(RecordMerger& m, std::string_view record,
                                      std::optional<std::string_view> patch) {
    auto fast = m.fast(record, patch);
    if (!fast) return "";
    std::string slow = merged_record_slow(record, patch);
    Json a = Json::parse(*fast, nullptr, false), b = Json::parse(slow, nullptr, false);
    if (a.is_discarded()) return "the fast path's output, which is not JSON: " + *fast;
    if (a != b) return "the merged record: fast " + *fast + ", slow " + slow;
    return "";
}

}  // namespace sl::store
