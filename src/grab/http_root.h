// HttpRootProbe: the shared first GET / on a port that is not any HTTP grabber's own. The
// runner runs it once before the HTTP grabbers of a plan and offers its answer to each
// GrabberSpec::might_be: a product the answer rules out costs no connection, and a server that
// does not answer HTTP at all rules out every HTTP grabber at once (one connection instead of
// one per product); an answer that breaks off rules out nothing. It identifies nothing itself:
// its verdict is not-this-protocol, or io-timeout when the server stayed silent or dripped
// (which ends the session, as it would have on the first HTTP grabber). The request says
// Connection: close, so it is never byte-identical to a grabber's own.
#pragma once

#include <optional>

#include "grab/codecs/http_sequence.h"
#include "grab/grabber.h"

namespace sl::grab {

class HttpRootProbe final : public Grabber {
  public:
    Next on_open(Session& s) override;
    Next on_data(Session& s, ByteQueue& in) override;
    Verdict on_close(Session& s, CloseReason why) override;
    // The answer to GET /, when the server answered HTTP.
    const HttpResponse* response() const { return answered_ ? &http_.response() : nullptr; }
    // The server began an HTTP answer, complete or not.
    bool spoke_http() const { return answered_ || http_.started(); }
    // The answer was nginx's "plain HTTP request was sent to HTTPS port" (needs_tls was said).
    bool wants_tls() const { return wants_tls_; }

  private:
    HttpSequence http_;
    bool answered_ = false;
    bool wants_tls_ = false;
};

// Helpers for might_be: the body is JSON (an API answered).
bool looks_like_json(std::string_view body);
bool root_is_json(const HttpResponse& root);
// Any HTTP answer: the product cannot be told from / (the generic HTTP record).
bool any_http_root(const HttpResponse& root);
// The body says the plain request reached a TLS port (nginx, Apache, Go's net/http).
bool asks_for_https(const HttpResponse& response);

}  // namespace sl::grab
