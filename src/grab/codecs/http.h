// HTTP/1.x responses, parsed by libhttp-parser (Debian libhttp-parser-dev), fed as bytes
// arrive, so it fits sans-I/O grabbers. Header count, header size and kept body are capped.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sl::grab {

inline constexpr size_t kMaxHeaderCount = 100;
inline constexpr size_t kMaxHeaderLine = 8 * 1024;
inline constexpr size_t kMaxKeptBody = 64 * 1024;

struct HttpResponse {
    int status = 0;
    int version_major = 0;
    int version_minor = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;                                          // at most kMaxKeptBody
    bool body_truncated = false;
    bool keep_alive = false;
    // The first value of a header (name in lower case), or empty.
    std::string_view header(std::string_view name) const;
};

class HttpResponseParser {
  public:
    enum class Result { kIncomplete, kComplete, kNotHttp, kLimit };

    // head: the request was HEAD, so the response has no body.
    explicit HttpResponseParser(bool head = false);
    ~HttpResponseParser();
    HttpResponseParser(const HttpResponseParser&) = delete;
    HttpResponseParser& operator=(const HttpResponseParser&) = delete;

    // Feeds bytes; stops at the end of one response. *consumed says how many were used.
    Result feed(std::string_view bytes, size_t* consumed);
    // The peer closed: a response that ends at EOF completes here.
    Result finish();
    // True once any byte has been parsed as HTTP.
    bool started() const { return started_; }
    const HttpResponse& response() const { return response_; }

  private:
    struct Impl;
    friend struct Impl;
    std::unique_ptr<Impl> impl_;
    HttpResponse response_;
    bool started_ = false;
    bool complete_ = false;
    bool limit_ = false;
    std::string field_;
    std::string value_;
    bool in_value_ = false;
    size_t header_bytes_ = 0;
};

}  // namespace sl::grab
