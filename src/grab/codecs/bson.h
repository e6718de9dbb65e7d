// BSON (https://bsonspec.org/spec.html): a bounds-checked reader into JSON, for MongoDB
// replies, and a writer for the few small commands we send. Declared sizes are checked against
// the bytes present, never used to allocate.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sl::grab {

inline constexpr int kMaxBsonDepth = 32;

// One BSON document (the whole of `bytes`) as JSON; nullopt if malformed or too deep.
// Binary, decimal128, regex and code values become null; ObjectIds become hex strings.
std::optional<nlohmann::json> bson_to_json(std::string_view bytes);

// A document of int32, bool and string fields, in the given order.
struct BsonField {
    std::string name;
    enum class Kind { kInt32, kBool, kString } kind;
    int32_t i = 0;
    bool b = false;
    std::string s;
    static BsonField int32(std::string n, int32_t v) {
        return {std::move(n), Kind::kInt32, v, false, {}};
    }
    static BsonField boolean(std::string n, bool v) {
        return {std::move(n), Kind::kBool, 0, v, {}};
    }
    static BsonField string(std::string n, std::string v) {
        return {std::move(n), Kind::kString, 0, false, std::move(v)};
    }
};
std::string bson_document(const std::vector<BsonField>& fields);

}  // namespace sl::grab
