#include "grab/drive.h"

namespace sl::grab {

namespace {

class MemorySession final : public Session {
  public:
    explicit MemorySession(Target t) : target_(t) {}
    const Target& target() const override { return target_; }
    void send(std::string_view bytes) override { sent_.append(bytes); }
    void start_tls() override { target_.tls = true; }
    void needs_tls() override {}
    Record& record() override { return record_; }

    Target target_;
    std::string sent_;
    Record record_;
};

}  // namespace

DriveResult drive_grabber(const GrabberSpec& spec, const Transcript& script, const Chunker& chunker,
                          size_t cap) {
    DriveResult result;
    auto grabber = spec.make();
    MemorySession session(Target{script.ip, script.port, false, 0});
    for (size_t c = 0;; ++c) {
        const bool have = c < script.connections.size();
        session.target_.tls = have && script.connections[c].tls;
        session.target_.attempt = static_cast<uint32_t>(c);
        session.sent_.clear();
        if (!have) {  // the grabber wanted a connection the script does not have: refused
            result.verdict = grabber->on_close(session, CloseReason::kReset);
            break;
        }
        Next next = grabber->on_open(session);
        std::string server = script.connections[c].server_bytes();
        ByteQueue queue(cap);
        size_t pos = 0;
        CloseReason why = CloseReason::kPeerClosed;
        if (c + 1 == script.connections.size() && script.ends_in_timeout)
            why = CloseReason::kTimeout;
        while (next == Next::kRead && pos < server.size()) {
            size_t n =
                std::max<size_t>(1, std::min(chunker(server.size() - pos), server.size() - pos));
            bool fits = queue.append(std::string_view(server).substr(pos, n));
            pos += n;
            size_t before = queue.size();
            next = grabber->on_data(session, queue);
            if (queue.size() > before) result.consumed_within_input = false;
            if (queue.size() > queue.cap()) result.bytes_within_cap = false;
            if (!fits && next == Next::kRead) {
                why = CloseReason::kLimit;
                break;
            }
        }
        result.sent.push_back(session.sent_);
        if (next == Next::kReconnect) continue;
        result.verdict =
            grabber->on_close(session, next == Next::kClose ? CloseReason::kDone : why);
        break;
    }
    result.record = session.record_;
    return result;
}

}  // namespace sl::grab
