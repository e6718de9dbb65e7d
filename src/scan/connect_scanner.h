// The TCP connect scan engine. One reactor (epoll) per worker thread, each with its own slab
// of connection slots addressed by id. Threads share only the rate limiter, the progress
// counters (atomics, including the position cursor) and the stop flag.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include "core/ip.h"
#include "core/result.h"
#include "scan/grab_runner.h"
#include "scan/host_table.h"
#include "scan/plan.h"
#include "scan/rate_limiter.h"

namespace sl::scan {

// Per-attempt connect timeout (RELIABILITY.md kConnectTimeout).
inline constexpr int64_t kConnectTimeoutNs = 5'000'000'000;
// Positions claimed from the shared cursor at a time.
inline constexpr uint64_t kCursorBlock = 256;
// The most connections in flight, whatever the fd limit allows.
inline constexpr uint32_t kMaxInflightCap = 8192;
// Fds kept free for everything that is not a probe.
inline constexpr uint32_t kReservedFds = 64;

enum class PortState : uint8_t { kOpen, kClosed, kFiltered };
const char* to_string(PortState s);

struct PortResult {
    IpAddr ip;
    uint16_t port = 0;
    PortState state = PortState::kOpen;
    double rtt_ms = 0;     // time of the last attempt, until its answer or timeout
    uint8_t attempts = 0;  // 1 + retries used
};

// Receives results in batches, from worker threads, concurrently: it must be thread safe.
class ResultSink {
  public:
    virtual ~ResultSink() = default;
    virtual void on_results(std::span<const PortResult> batch) = 0;
    virtual void on_services(std::span<const ServiceResult> batch) = 0;
};

struct ScanOptions {
    uint32_t threads = 1;
    uint32_t max_inflight = 1024;  // across all threads
    int64_t attempt_timeout_ns = kConnectTimeoutNs;
    uint32_t retries = 1;  // extra attempts after a timeout
    double rate = 5000;    // new connections per second; 0 = unlimited
    bool grab = false;     // identify and judge every open port (GrabRunner)
    GrabOptions grab_options;
    std::span<const grab::GrabberSpec> grabbers;
    std::shared_ptr<const net::TlsContext> tls;  // null: no TLS grabbing
    TranscriptObserver* observer = nullptr;      // must be thread safe when set
    HostTable* hosts = nullptr;  // the per-host grab budget; null: none (thread safe)
};

// Shared, lock-free progress of a running scan; read by the status line.
struct ScanProgress {
    std::atomic<uint64_t> next_position{0};  // the cursor: positions below it are claimed
    std::atomic<uint64_t> attempts{0};
    std::atomic<uint64_t> finished{0};
    std::atomic<uint64_t> open{0};
    std::atomic<uint64_t> closed{0};
    std::atomic<uint64_t> filtered{0};
    std::atomic<uint64_t> services{0};  // grabs finished
};

// Runs the whole scan (blocks until done or until `stop` becomes true).
Status run_connect_scan(const ScanPlan& plan, const ScanOptions& options, ResultSink& sink,
                        ScanProgress& progress, const std::atomic<bool>& stop);

// The default --max-inflight for a given fd limit.
uint32_t default_max_inflight(uint64_t fd_limit);

}  // namespace sl::scan
