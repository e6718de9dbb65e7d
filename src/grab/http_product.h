// HttpProductGrabber: the shared shape of grabbers for HTTP data products (Elasticsearch,
// Docker, CouchDB, Prometheus, ...). It owns the request/response loop: one GET per step,
// keep-alive when the server allows it, a Reconnect otherwise, and the close-time fallbacks.
// A product grabber only says which path comes next and what each response means.
#pragma once

#include <optional>
#include <string>

#include "grab/codecs/http_sequence.h"
#include "grab/grabber.h"

namespace sl::grab {

class HttpProductGrabber : public Grabber {
  public:
    Next on_open(Session& s) final;
    Next on_data(Session& s, ByteQueue& in) final;
    Verdict on_close(Session& s, CloseReason why) final;

  protected:
    // The request of the current step: a GET of path() unless a product needs more.
    virtual HttpRequest request() const { return HttpRequest::get(path()); }
    virtual std::string path() const { return "/"; }
    // A whole response is in http_.response(): keep its evidence and advance the step. Return
    // kRead to request path() next, or kClose once verdict_ is set.
    virtual Next on_response(Session& s) = 0;
    // The bytes stopped being HTTP, or hit a limit: set verdict_ and return kClose. By default:
    // evidence_truncated once identified, then conclude().
    virtual Next on_broken(Session& s, HttpSequence::Event why);
    // The connection ended after the product was identified but before the last step.
    // By default: evidence_truncated, then conclude().
    virtual Verdict on_cut_short(Session& s);
    // Evidence gathered across steps (a DataSummary, say), written once when the grab ends.
    virtual void write_evidence(Session&) {}
    // Ends the grab: the verdict so far once identified (after write_evidence), else
    // not-this-protocol.
    Next conclude(Session& s);

    HttpSequence http_;
    std::optional<Verdict> verdict_;
    bool identified_ = false;
    Access access_ = Access::kUnknown;
};

}  // namespace sl::grab
