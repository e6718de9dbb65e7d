// The encoding of a record's content hash (PreparedUnit::content_hash), shared by the two walks
// that compute it: over a nlohmann tree (prepare.cpp, the scan's records and the importer's
// slow path) and over simdjson's DOM (line_prepare.cpp, the importer's fast path). FNV-1a over
// a tagged, separated form of the record in document order, without the volatile fields
// (kVolatileFields, by dotted path; an array does not extend the path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/fingerprint.h"

namespace sl::store {

inline constexpr uint64_t kFnvBasis = 1469598103934665603ull, kFnvPrime = 1099511628211ull;

class ContentHasher {
  public:
    void begin_object() { bytes("{"); }
    void end_object() { bytes("}"); }
    void begin_array() { bytes("["); }
    void end_array() { bytes("]"); }
    void string(std::string_view s) {
        bytes("s");
        bytes(s);
    }
    // Signed or not: the scan builds one, a parse the other; the bits are the same.
    void integer(int64_t n) { bytes({reinterpret_cast<const char*>(&n), sizeof n}); }
    void real(double d) { bytes({reinterpret_cast<const char*>(&d), sizeof d}); }
    void literal(std::string_view json) { bytes(json); }  // true, false, null
    // Enters an object's field: false, with nothing entered, when the field is volatile.
    bool enter(std::string_view key) {
        marks_.push_back(path_.size());
        if (!path_.empty()) path_ += '.';
        path_ += key;
        if (is_volatile(path_)) {
            leave();
            return false;
        }
        bytes(key);
        return true;
    }
    void leave() {
        path_.resize(marks_.back());
        marks_.pop_back();
    }
    int64_t value() const { return static_cast<int64_t>(h_ >> 1); }

  private:
    void bytes(std::string_view b) {
        for (unsigned char ch : b) h_ = (h_ ^ ch) * kFnvPrime;
        h_ = (h_ ^ 0xff) * kFnvPrime;  // a separator, so "ab","c" and "a","bc" differ
    }
    uint64_t h_ = kFnvBasis;
    std::string path_;
    std::vector<size_t> marks_;
};

}  // namespace sl::store
