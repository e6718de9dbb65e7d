#include "grab/codecs/http_sequence.h"

namespace sl::grab {

std::optional<nlohmann::json> parse_json(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth) return std::nullopt;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

const nlohmann::json* json_field(const nlohmann::json& obj, const char* key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

std::string json_string(const nlohmann::json& obj, const char* key) {
    const nlohmann::json* v = json_field(obj, key);
    return v && v->is_string() ? v->get<std::string>() : std::string();
}

HttpRequest HttpRequest::get(std::string_view path, std::string_view accept) {
    HttpRequest r;
    r.path = path;
    r.accept = accept;
    return r;
}

HttpRequest HttpRequest::post(std::string_view path, std::string_view json_body) {
    HttpRequest r;
    r.method = "POST";
    r.path = path;
    r.body = json_body;
    return r;
}

void HttpSequence::get(Session& s, std::string_view path, std::string_view accept) {
    send(s, HttpRequest::get(path, accept));
}

void HttpSequence::send(Session& s, const HttpRequest& request) {
    parser_ = std::make_unique<HttpResponseParser>(request.method == "HEAD");
    const Target& t = s.target();
    std::string host = t.ip.family == Family::kV6 ? "[" + t.ip.to_string() + "]" : t.ip.to_string();
    std::string req =
        request.method + " " + request.path + " HTTP/1.1\r\nHost: " + host + ":" +
        std::to_string(t.port) +
        "\r\nUser-Agent: Searchlight/0.1 (exposure scanner)\r\nAccept: " + request.accept +
        "\r\nAccept-Encoding: identity\r\n" + request.extra_headers;
    if (!request.body.empty() || request.method == "POST")
        req += "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(request.body.size()) + "\r\n";
    req += request.keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    req += request.body;
    s.send(req);
}

HttpSequence::Event HttpSequence::feed(ByteQueue& in) {
    size_t used = 0;
    auto r = parser_->feed(in.view(), &used);
    in.consume(used);
    switch (r) {
        case HttpResponseParser::Result::kIncomplete:
            return Event::kNeedMore;
        case HttpResponseParser::Result::kComplete:
            return Event::kResponse;
        case HttpResponseParser::Result::kLimit:
            return Event::kLimit;
        case HttpResponseParser::Result::kNotHttp:
            break;
    }
    return Event::kNotHttp;
}

bool HttpSequence::finish() {
    return parser_ && parser_->finish() == HttpResponseParser::Result::kComplete;
}

}  // namespace sl::grab
