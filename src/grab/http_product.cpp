#include "grab/http_product.h"

namespace sl::grab {

Next HttpProductGrabber::on_open(Session& s) {
    http_.send(s, request());
    return Next::kRead;
}

Next HttpProductGrabber::on_data(Session& s, ByteQueue& in) {
    while (!verdict_) {
        HttpSequence::Event event = http_.feed(in);
        if (event == HttpSequence::Event::kNeedMore) return Next::kRead;
        if (event != HttpSequence::Event::kResponse) return on_broken(s, event);
        bool keep_alive = http_.response().keep_alive;
        Next next = on_response(s);
        if (next != Next::kRead) return next;
        if (!keep_alive) return Next::kReconnect;  // on_open sends path() on the new connection
        http_.send(s, request());
    }
    return Next::kClose;
}

Verdict HttpProductGrabber::on_close(Session& s, CloseReason why) {
    if (!verdict_ && http_.finish()) on_response(s);  // a response that ends at EOF
    if (verdict_) return *verdict_;
    if (identified_) return on_cut_short(s);
    if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
    return {GrabStatus::kNotThisProtocol, Access::kUnknown};
}

Next HttpProductGrabber::on_broken(Session& s, HttpSequence::Event) {
    if (identified_) s.record().set("evidence_truncated", true);
    return conclude(s);
}

Verdict HttpProductGrabber::on_cut_short(Session& s) {
    s.record().set("evidence_truncated", true);
    conclude(s);
    return *verdict_;
}

Next HttpProductGrabber::conclude(Session& s) {
    if (identified_) write_evidence(s);
    verdict_ = identified_ ? Verdict{GrabStatus::kOk, access_}
                           : Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
    return Next::kClose;
}

}  // namespace sl::grab
