#include "grab/http_root.h"

namespace sl::grab {

Next HttpRootProbe::on_open(Session& s) {
    HttpRequest root = HttpRequest::get("/", "*/*");
    root.keep_alive = false;
    http_.send(s, root);
    return Next::kRead;
}

Next HttpRootProbe::on_data(Session& s, ByteQueue& in) {
    HttpSequence::Event event = http_.feed(in);
    if (event == HttpSequence::Event::kNeedMore) return Next::kRead;
    answered_ = event == HttpSequence::Event::kResponse;
    if (answered_ && asks_for_https(http_.response())) {
        wants_tls_ = true;
        s.needs_tls();
    }
    return Next::kClose;
}

Verdict HttpRootProbe::on_close(Session&, CloseReason why) {
    if (!answered_ && http_.finish()) answered_ = true;  // a response that ends at EOF
    if (!answered_ && why == CloseReason::kTimeout)      // silent, or a drip
        return {GrabStatus::kIoTimeout, Access::kUnknown};
    return {GrabStatus::kNotThisProtocol, Access::kUnknown};
}

bool looks_like_json(std::string_view body) {
    size_t a = body.find_first_not_of(" \t\r\n");
    return a != std::string_view::npos && (body[a] == '{' || body[a] == '[');
}

bool root_is_json(const HttpResponse& root) { return looks_like_json(root.body); }

bool any_http_root(const HttpResponse&) { return true; }

bool asks_for_https(const HttpResponse& r) {
    return r.status == 400 && (r.body.find("HTTPS port") != std::string::npos ||
                               r.body.find("speak HTTPS") != std::string::npos);
}

}  // namespace sl::grab
