#include "grab/codecs/http.h"

#include <http_parser.h>

#include <algorithm>
#include <cctype>

namespace sl::grab {

std::string_view HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return {};
}

struct HttpResponseParser::Impl {
    http_parser parser{};
    http_parser_settings settings{};
    HttpResponseParser* self = nullptr;

    static HttpResponseParser& owner(http_parser* p) { return *static_cast<Impl*>(p->data)->self; }
    static int flush_header(HttpResponseParser& o) {
        if (!o.in_value_) return 0;
        if (o.response_.headers.size() >= kMaxHeaderCount) {
            o.limit_ = true;
            return 1;
        }
        std::transform(o.field_.begin(), o.field_.end(), o.field_.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        o.response_.headers.emplace_back(std::move(o.field_), std::move(o.value_));
        o.field_.clear();
        o.value_.clear();
        o.in_value_ = false;
        o.header_bytes_ = 0;
        return 0;
    }
    static int on_field(http_parser* p, const char* at, size_t n) {
        auto& o = owner(p);
        if (flush_header(o)) return 1;
        o.header_bytes_ += n;
        if (o.header_bytes_ > kMaxHeaderLine) {
            o.limit_ = true;
            return 1;
        }
        o.field_.append(at, n);
        return 0;
    }
    static int on_value(http_parser* p, const char* at, size_t n) {
        auto& o = owner(p);
        o.in_value_ = true;
        o.header_bytes_ += n;
        if (o.header_bytes_ > kMaxHeaderLine) {
            o.limit_ = true;
            return 1;
        }
        o.value_.append(at, n);
        return 0;
    }
    static int on_headers_complete(http_parser* p) {
        auto& o = owner(p);
        if (flush_header(o)) return -1;  // 1 would mean "no body", not an error
        o.response_.status = static_cast<int>(p->status_code);
        o.response_.version_major = p->http_major;
        o.response_.version_minor = p->http_minor;
        return 0;
    }
    static int on_body(http_parser* p, const char* at, size_t n) {
        auto& o = owner(p);
        size_t room = kMaxKeptBody - o.response_.body.size();
        if (n > room) o.response_.body_truncated = true;
        o.response_.body.append(at, std::min(n, room));
        return 0;
    }
    static int on_message_complete(http_parser* p) {
        auto& o = owner(p);
        o.complete_ = true;
        o.response_.keep_alive = http_should_keep_alive(p) != 0;
        http_parser_pause(p, 1);
        return 0;
    }
};

HttpResponseParser::HttpResponseParser(bool head) : impl_(std::make_unique<Impl>()) {
    impl_->self = this;
    http_parser_init(&impl_->parser, HTTP_RESPONSE);
    impl_->parser.data = impl_.get();
    http_parser_settings_init(&impl_->settings);
    impl_->settings.on_header_field = Impl::on_field;
    impl_->settings.on_header_value = Impl::on_value;
    impl_->settings.on_headers_complete =
        head ? [](http_parser* p) { return Impl::on_headers_complete(p) ? -1 : 1; }
             : Impl::on_headers_complete;
    impl_->settings.on_body = Impl::on_body;
    impl_->settings.on_message_complete = Impl::on_message_complete;
}

HttpResponseParser::~HttpResponseParser() = default;

HttpResponseParser::Result HttpResponseParser::feed(std::string_view bytes, size_t* consumed) {
    *consumed = 0;
    if (complete_) return Result::kComplete;
    if (bytes.empty()) return Result::kIncomplete;
    started_ = true;
    size_t n = http_parser_execute(&impl_->parser, &impl_->settings, bytes.data(), bytes.size());
    *consumed = n;
    if (complete_) return Result::kComplete;
    if (limit_) return Result::kLimit;
    if (HTTP_PARSER_ERRNO(&impl_->parser) != HPE_OK) return Result::kNotHttp;
    return Result::kIncomplete;
}

HttpResponseParser::Result HttpResponseParser::finish() {
    if (complete_) return Result::kComplete;
    if (!started_ || limit_) return limit_ ? Result::kLimit : Result::kIncomplete;
    http_parser_execute(&impl_->parser, &impl_->settings, nullptr, 0);
    if (complete_) return Result::kComplete;
    return Result::kIncomplete;
}

}  // namespace sl::grab
