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
// Safe lookups in untrusted JSON (nlohmann's const operator[] on a missing key is undefined):
// the member, or nullptr when `obj` is not an object or has no such key.
const nlohmann::json* json_field(const nlohmann::json& obj, const char* key);
// The member if it is a string, else "".
std::string json_string(const nlohmann::json& obj, const char* key);

// One request. Only read-only requests are ever built (CATALOGUE R2): GETs, and the POSTs
// that products define as reads (etcd's v3 range, Kibana's console proxy with method=GET).
struct HttpRequest {
    std::string method = "GET";
    std::string path = "/";
    std::string body;           // sent with Content-Type: application/json when not empty
    std::string extra_headers;  // whole "Name: value\r\n" lines
    std::string accept = "application/json";
    bool keep_alive = true;  // false: Connection: close

    static HttpRequest get(std::string_view path, std::string_view accept = "application/json");
    static HttpRequest post(std::string_view path, std::string_view json_body);
};

class HttpSequence {
  public:
    enum class Event { kNeedMore, kResponse, kNotHttp, kLimit };

    // Sends GET path (Accept-Encoding: identity, keep-alive).
    void get(Session& s, std::string_view path, std::string_view accept = "*/*");
    void send(Session& s, const HttpRequest& request);
    Event feed(ByteQueue& in);
    // At the peer's close: a response that ends at EOF completes here.
    bool finish();
    const HttpResponse& response() const { return parser_->response(); }
    bool started() const { return parser_ && parser_->started(); }

  private:
    std::unique_ptr<HttpResponseParser> parser_;
};

}  // namespace sl::grab
