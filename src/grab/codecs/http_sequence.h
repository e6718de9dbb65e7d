// A sequence of HTTP GETs for product grabbers (Elasticsearch, and the HTTP data products that
// follow): one request at a time, keep-alive when the server allows it, a Reconnect otherwise.
// Also the bounded JSON parse those products need.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "grab/codecs/http.h"
#include "grab/grabber.h"

namespace sl::grab {

// JSON nesting deeper than this is refused before parsing (RELIABILITY.md kMaxJsonDepth).
inline constexpr int kMaxJsonDepth = 64;

// Parses JSON without exceptions; nullopt for invalid JSON or nesting over kMaxJsonDepth.
std::optional<nlohmann::json> parse_json(std::string_view text);

class HttpSequence {
  public:
    enum class Event { kNeedMore, kResponse, kNotHttp, kLimit };

    // Sends GET path (Accept-Encoding: identity, keep-alive).
    void get(Session& s, std::string_view path, std::string_view accept = "*/*");
    Event feed(ByteQueue& in);
    // At the peer's close: a response that ends at EOF completes here.
    bool finish();
    const HttpResponse& response() const { return parser_->response(); }
    bool started() const { return parser_ && parser_->started(); }

  private:
    std::unique_ptr<HttpResponseParser> parser_;
};

}  // namespace sl::grab
