// GrabRunner: drives sans-I/O grabbers over real connections inside one worker's reactor.
// It owns the sockets, TLS, the timeouts, the capped input buffer, Reconnect, and the order in
// which candidate protocols are tried: the port's usual protocol first, then the server's
// greeting, then cheap fallbacks (the HTTP ones after one shared GET / that rules products
// out); a `not-this-protocol` moves on to the next candidate, and a
// sign of TLS (a silent close, or a TLS record where plaintext was expected) repeats the
// candidates inside TLS once.
#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <span>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/record.h"
#include "grab/grabber.h"
#include "net/tls.h"
#include "net/unique_fd.h"

namespace sl::scan {

// RELIABILITY.md section 1; each is also a flag of `searchlight scan`.
inline constexpr int64_t kReadIdleTimeoutNs = 10'000'000'000;
inline constexpr int64_t kSessionDeadlineNs = 30'000'000'000;
inline constexpr int64_t kGreetingWaitNs = 1'000'000'000;
inline constexpr int64_t kGrabConnectTimeoutNs = 5'000'000'000;
// The most connections one grabber may open for one target (its first one included); each
// spec asks for its own number (GrabberSpec::connections, 4 unless it says).
inline constexpr uint32_t kMaxConnectionsPerGrabber = 12;

struct GrabOptions {
    int64_t connect_timeout_ns = kGrabConnectTimeoutNs;
    int64_t idle_timeout_ns = kReadIdleTimeoutNs;
    int64_t session_deadline_ns = kSessionDeadlineNs;
    int64_t greeting_wait_ns = kGreetingWaitNs;
    size_t max_input_bytes = kMaxBannerBytes;
    // One shared GET / before the HTTP fallbacks rules products out (grab/http_root.h); off:
    // every HTTP product asks on its own connection (--no-shared-get).
    bool shared_http_get = true;
};

struct ServiceResult {
    IpAddr ip;
    uint16_t port = 0;
    Record record;  // protocol, status, access, probe, tls, tls_cert, protocol fields, data
};

// Sees every byte of every grab connection (for --record-transcripts).
class TranscriptObserver {
  public:
    virtual ~TranscriptObserver() = default;
    // grabber: the candidate this connection serves ("greeting" for the greeting stage).
    virtual void on_connection(const IpAddr& ip, uint16_t port, uint64_t session, bool tls,
                               std::string_view grabber) = 0;
    // A server-first grabber claimed the greeting: the greeting connection is now its own.
    virtual void on_claimed(uint64_t session, std::string_view grabber) = 0;
    virtual void on_sent(uint64_t session, std::string_view bytes) = 0;
    // STARTTLS: what follows on this connection travels inside TLS.
    virtual void on_starttls(uint64_t session) = 0;
    virtual void on_received(uint64_t session, std::string_view bytes) = 0;
    virtual void on_finished(uint64_t session, const ServiceResult& result) = 0;
};

// One step of a candidate plan.
struct Candidate {
    const grab::GrabberSpec* spec = nullptr;  // nullptr: the greeting stage or the HTTP root
    bool tls = false;
    bool http_root = false;  // the shared GET / before the HTTP fallbacks
};

// The plan for a port: usual protocols (TLS first on TLS ports), greeting, fallbacks (with
// the shared GET / before the first HTTP one when http_root is on).
std::vector<Candidate> plan_candidates(uint16_t port, std::span<const grab::GrabberSpec> specs,
                                       bool tls, bool http_root = true);
bool usually_tls(uint16_t port);

class GrabRunner {
  public:
    // epoll_fd: the worker's reactor. Events for this runner carry kEventTag in data.u64.
    GrabRunner(int epoll_fd, const GrabOptions& options, std::span<const grab::GrabberSpec> specs,
               std::shared_ptr<const net::TlsContext> tls, TranscriptObserver* observer);
    ~GrabRunner();
    GrabRunner(const GrabRunner&) = delete;
    GrabRunner& operator=(const GrabRunner&) = delete;

    static constexpr uint64_t kEventTag = uint64_t{1} << 63;

    // Takes over a connected socket to ip:port and starts identifying the service.
    void start(net::UniqueFd connected, const IpAddr& ip, uint16_t port, int64_t now_ns);
    // Starts with a fresh connection (used by tests and by discovery-less grabbing).
    void start_unconnected(const IpAddr& ip, uint16_t port, int64_t now_ns);
    void on_event(uint64_t data, uint32_t events, int64_t now_ns);
    void on_timer(int64_t now_ns);
    // Closes every session (SIGINT); finished results stay available.
    void abort_all();
    size_t active() const { return active_; }
    // The earliest deadline of any session, or INT64_MAX.
    int64_t next_deadline() const;
    // Results finished since the last call.
    std::vector<ServiceResult> take_results();

    struct Session;

  private:
    void arm(uint32_t id, int64_t now);
    void finish(uint32_t id);
    void release(uint32_t id);

    int epoll_fd_;
    GrabOptions options_;
    std::span<const grab::GrabberSpec> specs_;
    std::shared_ptr<const net::TlsContext> tls_;
    TranscriptObserver* observer_;
    std::vector<std::unique_ptr<Session>> sessions_;
    std::vector<uint32_t> free_;
    size_t active_ = 0;
    uint64_t next_serial_ = 0;
    struct Timer {
        int64_t at;
        uint32_t id;
        uint32_t generation;
        bool operator>(const Timer& o) const { return at > o.at; }
    };
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
    std::vector<ServiceResult> done_;
    friend struct Session;
};

}  // namespace sl::scan
