#include "grab/drive.h"

namespace sl::grab {

namespace {

class MemorySession final : public Session {
  public:
    explicit MemorySession(Target t) : target_(t) {}
    const Target& target() const override { return target_; }
    void send(std::string_view bytes) override { sent_.append(bytes); }
    // The runner's handshake, in memory: the grabber's on_open follows inside "TLS" when the
    // transcript has a "=== starttls" there.
    void start_tls() override { target_.tls = true, tls_started_ = true; }
    void needs_tls() override {}
    Record& record() override { return record_; }

    Target target_;
    std::string sent_;
    Record record_;
    bool tls_started_ = false;
};

// Feeds `server` to the grabber in chunks while it wants to read; with stop_at_tls, only until
// it asks for STARTTLS (the rest is the TLS phase's). True when the input cap stopped it (the
// runner's CloseReason::kLimit).
bool feed(Grabber& grabber, MemorySession& session, const std::string& server,
          const Chunker& chunker, size_t cap, DriveResult& result, Next& next, bool stop_at_tls) {
    ByteQueue queue(cap);
    size_t pos = 0;
    while (next == Next::kRead && pos < server.size()) {
        size_t n = std::max<size_t>(1, std::min(chunker(server.size() - pos), server.size() - pos));
        bool fits = queue.append(std::string_view(server).substr(pos, n));
        pos += n;
        size_t before = queue.size();
        next = grabber.on_data(session, queue);
        if (queue.size() > before) result.consumed_within_input = false;
        if (queue.size() > queue.cap()) result.bytes_within_cap = false;
        if (!fits && next == Next::kRead) return true;
        if (stop_at_tls && session.tls_started_) break;
    }
    return false;
}

// The server's bytes of one connection, split at "=== starttls": what it sends in plaintext,
// and what it sends inside TLS (empty when the transcript has no STARTTLS).
std::pair<std::string, std::string> server_phases(const TranscriptConnection& c) {
    std::pair<std::string, std::string> out;
    for (size_t i = 0; i < c.blocks.size(); ++i)
        if (!c.blocks[i].from_client)
            (c.starttls_block && i >= *c.starttls_block ? out.second : out.first) +=
                c.blocks[i].bytes;
    return out;
}

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
        auto [plain, inside_tls] = server_phases(script.connections[c]);
        // The handshake happens where the transcript says, even when the server then sends
        // nothing inside TLS (IMAP: we say LOGOUT and leave).
        const bool has_starttls = script.connections[c].starttls_block.has_value();
        CloseReason why = CloseReason::kPeerClosed;
        if (c + 1 == script.connections.size() && script.ends_in_timeout)
            why = CloseReason::kTimeout;
        bool limited = feed(*grabber, session, plain, chunker, cap, result, next, has_starttls);
        if (!limited && next == Next::kRead && session.tls_started_ && has_starttls) {
            // The runner's handshake, in memory; nothing plaintext crosses it.
            session.tls_started_ = false;
            next = grabber->on_open(session);
            limited = feed(*grabber, session, inside_tls, chunker, cap, result, next, false);
        }
        if (limited) why = CloseReason::kLimit;
        result.sent.push_back(session.sent_);
        if (next == Next::kReconnect) continue;
        if (next == Next::kRead && why != CloseReason::kLimit &&
            grabber->reconnect_after_close(session, why))
            continue;  // the server ended it: the grabber asks for another connection
        result.verdict =
            grabber->on_close(session, next == Next::kClose ? CloseReason::kDone : why);
        break;
    }
    result.record = session.record_;
    return result;
}

}  // namespace sl::grab
