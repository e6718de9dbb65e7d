// Record: one observation of one ip:port (DESIGN.md section 7, `service` records). Protocol
// fields live under dotted names ("redis.keys"); strings from servers are capped and made valid
// UTF-8 (invalid bytes become visible \xNN text) on the way in, so every output stays valid.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sl {

// The longest string kept in a record field; longer ones are cut and marked with "...".
inline constexpr size_t kMaxFieldString = 1024;
// The most elements kept in a list field.
inline constexpr size_t kMaxFieldList = 100;

enum class Access : uint8_t { kUnknown, kOpen, kAuthRequired, kPartial, kDenied };
enum class GrabStatus : uint8_t {
    kOk,
    kConnectionRefused,
    kConnectionReset,
    kConnectionTimeout,
    kIoTimeout,
    kTlsError,
    kProtocolError,
    kNotThisProtocol,
    kLimitExceeded,
};
const char* to_string(Access a);
// The access a name spells (to_string's inverse); any other text is kUnknown.
Access access_from_name(std::string_view name);
const char* to_string(GrabStatus s);

struct Verdict {
    GrabStatus status = GrabStatus::kOk;
    Access access = Access::kUnknown;
    bool operator==(const Verdict&) const = default;
};

// Makes server bytes safe to keep: at most `cap` bytes, valid UTF-8, invalid bytes as \xNN.
std::string sanitize_text(std::string_view bytes, size_t cap = kMaxFieldString);

class Record {
  public:
    using Json = nlohmann::ordered_json;

    void set(std::string_view dotted, std::string_view text);  // sanitized
    void set(std::string_view dotted, const char* text) { set(dotted, std::string_view(text)); }
    void set(std::string_view dotted, int64_t n);
    void set(std::string_view dotted, uint64_t n);
    void set(std::string_view dotted, int n) { set(dotted, static_cast<int64_t>(n)); }
    void set(std::string_view dotted, double d);
    void set(std::string_view dotted, bool b);
    // Appends a sanitized string to a list field (ignored beyond kMaxFieldList).
    void append(std::string_view dotted, std::string_view text);
    // Sets a top-level field to a value that is already a sanitized JSON value (from a Record).
    void set_raw(const std::string& key, const Json& value) { fields_[key] = value; }
    void erase(const std::string& key) { fields_.erase(key); }  // a top-level field
    bool has(std::string_view dotted) const;
    const Json* find(std::string_view dotted) const;
    void erase_all() { fields_ = Json::object(); }
    const Json& fields() const { return fields_; }
    bool operator==(const Record& o) const { return fields_ == o.fields_; }

  private:
    Json& slot(std::string_view dotted);
    Json fields_ = Json::object();
};

}  // namespace sl
