#include "scan/connect_scanner.h"

#include <fmt/format.h>
#include <sys/epoll.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "net/tcp.h"
#include "net/unique_fd.h"

namespace sl::scan {

namespace {

using net::ConnectOutcome;

constexpr size_t kResultBatch = 256;
constexpr int64_t kFlushEveryNs = 50'000'000;
constexpr int64_t kNoResourcesGiveUpNs = 10'000'000'000;
constexpr int kMaxEvents = 256;
constexpr uint32_t kMaxLaunchesPerTurn = 512;  // then serve events, timeouts and output

struct Work {
    uint64_t pair = 0;
    uint8_t attempt = 0;  // attempts already made
};

struct Slot {
    int fd = -1;
    uint32_t generation = 0;
    bool busy = false;
    Work work;
    int64_t started_ns = 0;
};

struct Deadline {
    int64_t at_ns;
    uint32_t slot;
    uint32_t generation;
};

// Everything the workers share.
struct Shared {
    const ScanPlan& plan;
    const ScanOptions& options;
    RateLimiter& limiter;
    ResultSink& sink;
    ScanProgress& progress;
    const std::atomic<bool>& stop;
};

class Worker {
  public:
    Worker(Shared& shared, uint32_t inflight_cap)
        : s_(shared), cap_(inflight_cap), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
        slots_.resize(cap_);
        for (uint32_t i = cap_; i > 0; --i) free_.push_back(i - 1);
        const ScanOptions& o = shared.options;
        if (o.grab) runner_.emplace(epoll_.get(), o.grab_options, o.grabbers, o.tls, o.observer);
    }

    Status run();

  private:
    bool next_work(Work* out);
    bool claim_block();
    void fill(int64_t now);
    bool launch(const Work& w, int64_t now);
    void on_event(uint64_t data, int64_t now);
    void expire(int64_t now);
    void settle(uint32_t id, ConnectOutcome outcome, int64_t now);
    void finish(const Work& w, PortState state, int64_t rtt_ns);
    void release(uint32_t id);
    void flush(int64_t now, bool force);
    int wait_timeout_ms(int64_t now) const;
    bool done() const {
        return inflight_ == 0 && retry_.empty() && cursor_exhausted_ && grabbing() == 0;
    }
    size_t grabbing() const { return runner_ ? runner_->active() : 0; }
    void hand_over(net::UniqueFd fd, const Work& w, int64_t now);
    void collect_services();

    Shared& s_;
    uint32_t cap_;
    net::UniqueFd epoll_;
    std::vector<Slot> slots_;
    std::vector<uint32_t> free_;
    uint32_t inflight_ = 0;
    std::deque<Deadline> deadlines_;
    std::deque<Work> retry_;
    bool cursor_exhausted_ = false;
    std::optional<ShardWalker> walker_;
    uint64_t block_end_ = 0;
    std::vector<PortResult> out_;
    int64_t last_flush_ns_ = 0;
    int64_t starved_since_ns_ = -1;  // out of local resources with nothing in flight
    bool starved_ = false;
    std::optional<GrabRunner> runner_;
    std::vector<ServiceResult> services_;
};

bool Worker::claim_block() {
    uint64_t length = s_.plan.shard_positions();
    uint64_t start = s_.progress.next_position.fetch_add(kCursorBlock);
    if (start >= length) {
        cursor_exhausted_ = true;
        return false;
    }
    walker_.emplace(s_.plan.group(), s_.plan.shard(), start);
    block_end_ = std::min(length, start + kCursorBlock);
    return true;
}

bool Worker::next_work(Work* out) {
    if (!retry_.empty()) {
        *out = retry_.front();
        retry_.pop_front();
        return true;
    }
    while (!cursor_exhausted_) {
        uint64_t pair = 0;
        if (walker_ && walker_->next(block_end_, &pair)) {
            *out = Work{pair, 0};
            return true;
        }
        if (!claim_block()) return false;
    }
    return false;
}

void Worker::fill(int64_t now) {
    starved_ = false;
    uint32_t launched = 0;
    while (inflight_ + grabbing() < cap_ && launched < kMaxLaunchesPerTurn &&
           !s_.stop.load(std::memory_order_relaxed)) {
        if (retry_.empty() && cursor_exhausted_) return;
        auto room = static_cast<uint32_t>(cap_ - inflight_ - grabbing());
        uint32_t want = std::min<uint32_t>({room, 64, kMaxLaunchesPerTurn - launched});
        uint32_t granted = s_.limiter.acquire(now, want);
        if (granted == 0) return;
        for (uint32_t i = 0; i < granted; ++i) {
            Work w;
            if (!next_work(&w)) return;  // the unused tokens are lost: only at the very end
            if (!launch(w, now)) {
                retry_.push_front(w);
                starved_ = true;
                return;
            }
            ++launched;
        }
    }
}

// Returns false when the machine is out of fds or ports (the work must be retried later).
bool Worker::launch(const Work& w, int64_t now) {
    Pair pair = s_.plan.pair_at(w.pair);
    net::ConnectStart start = net::start_connect(pair.ip, pair.port);
    if (start.outcome == ConnectOutcome::kNoResources) {
        if (inflight_ == 0 && starved_since_ns_ < 0) starved_since_ns_ = now;
        return false;
    }
    starved_since_ns_ = -1;
    s_.progress.attempts.fetch_add(1, std::memory_order_relaxed);
    Work attempt{w.pair, static_cast<uint8_t>(w.attempt + 1)};
    if (start.outcome != ConnectOutcome::kPending) {
        // Answered at once (loopback often refuses or accepts inside connect()).
        PortState st = start.outcome == ConnectOutcome::kOpen      ? PortState::kOpen
                       : start.outcome == ConnectOutcome::kRefused ? PortState::kClosed
                                                                   : PortState::kFiltered;
        finish(attempt, st, 0);
        if (st == PortState::kOpen) hand_over(std::move(start.fd), attempt, now);
        return true;
    }
    uint32_t id = free_.back();
    free_.pop_back();
    Slot& slot = slots_[id];
    slot.fd = start.fd.release();
    slot.busy = true;
    slot.work = attempt;
    slot.started_ns = now;
    ++slot.generation;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = (uint64_t{slot.generation} << 32) | id;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, slot.fd, &ev) != 0) {
        release(id);
        finish(attempt, PortState::kFiltered, 0);
        return true;
    }
    ++inflight_;
    deadlines_.push_back({now + s_.options.attempt_timeout_ns, id, slot.generation});
    return true;
}

void Worker::hand_over(net::UniqueFd fd, const Work& w, int64_t now) {
    if (!runner_) return;  // fd closes here: SO_LINGER 0 sends RST
    Pair pair = s_.plan.pair_at(w.pair);
    if (s_.options.hosts && !s_.options.hosts->take_grab_session(pair.ip)) return;  // budget spent
    runner_->start(std::move(fd), pair.ip, pair.port, now);
    collect_services();
}

void Worker::collect_services() {
    if (!runner_) return;
    for (auto& r : runner_->take_results()) services_.push_back(std::move(r));
}

void Worker::release(uint32_t id) {
    Slot& slot = slots_[id];
    if (slot.fd >= 0) ::close(slot.fd);  // SO_LINGER 0: sends RST, no TIME_WAIT; leaves epoll
    slot.fd = -1;
    slot.busy = false;
    free_.push_back(id);
}

void Worker::on_event(uint64_t data, int64_t now) {
    uint32_t id = static_cast<uint32_t>(data & 0xffffffffu);
    uint32_t generation = static_cast<uint32_t>(data >> 32);
    if (id >= slots_.size() || !slots_[id].busy || slots_[id].generation != generation) return;
    settle(id, net::finish_connect(slots_[id].fd), now);
}

void Worker::settle(uint32_t id, ConnectOutcome outcome, int64_t now) {
    Slot& slot = slots_[id];
    Work w = slot.work;
    int64_t rtt = now - slot.started_ns;
    net::UniqueFd kept;
    if (outcome == ConnectOutcome::kOpen && runner_) {
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, slot.fd, nullptr);
        kept.reset(std::exchange(slot.fd, -1));
    }
    release(id);
    --inflight_;
    switch (outcome) {
        case ConnectOutcome::kOpen:
            finish(w, PortState::kOpen, rtt);
            hand_over(std::move(kept), w, now);
            break;
        case ConnectOutcome::kRefused:
            finish(w, PortState::kClosed, rtt);
            break;
        case ConnectOutcome::kTimedOut:
            if (w.attempt <= s_.options.retries) {
                retry_.push_back(w);
                return;
            }
            finish(w, PortState::kFiltered, rtt);
            break;
        default:
            finish(w, PortState::kFiltered, rtt);
            break;
    }
}

void Worker::expire(int64_t now) {
    while (!deadlines_.empty() && deadlines_.front().at_ns <= now) {
        Deadline d = deadlines_.front();
        deadlines_.pop_front();
        const Slot& slot = slots_[d.slot];
        if (slot.busy && slot.generation == d.generation)
            settle(d.slot, ConnectOutcome::kTimedOut, now);
    }
}

void Worker::finish(const Work& w, PortState state, int64_t rtt_ns) {
    Pair pair = s_.plan.pair_at(w.pair);
    out_.push_back({pair.ip, pair.port, state, static_cast<double>(rtt_ns) / 1e6, w.attempt});
    auto& p = s_.progress;
    p.finished.fetch_add(1, std::memory_order_relaxed);
    (state == PortState::kOpen     ? p.open
     : state == PortState::kClosed ? p.closed
                                   : p.filtered)
        .fetch_add(1, std::memory_order_relaxed);
}

void Worker::flush(int64_t now, bool force) {
    if (out_.empty() && services_.empty()) return;
    size_t pending = out_.size() + services_.size();
    if (!force && pending < kResultBatch && now - last_flush_ns_ < kFlushEveryNs) return;
    if (!out_.empty()) s_.sink.on_results(out_);  // port records before their services
    if (!services_.empty()) {
        s_.progress.services.fetch_add(services_.size(), std::memory_order_relaxed);
        s_.sink.on_services(services_);
    }
    out_.clear();
    services_.clear();
    last_flush_ns_ = now;
}

int Worker::wait_timeout_ms(int64_t now) const {
    int64_t wait_ns = 100'000'000;
    bool more = !retry_.empty() || !cursor_exhausted_;
    if (more && inflight_ < cap_) {
        wait_ns = starved_ ? 1'000'000 : std::max<int64_t>(s_.limiter.wait_ns(now), 0);
    }
    if (!deadlines_.empty()) wait_ns = std::min(wait_ns, deadlines_.front().at_ns - now);
    if (runner_ && runner_->active() > 0)
        wait_ns = std::min(wait_ns, runner_->next_deadline() - now);
    if (!out_.empty() || !services_.empty()) wait_ns = std::min(wait_ns, kFlushEveryNs);
    if (wait_ns <= 0) return 0;
    return static_cast<int>(std::max<int64_t>(1, (wait_ns + 999'999) / 1'000'000));
}

Status Worker::run() {
    if (!epoll_.valid()) return make_error("cannot create an epoll instance");
    epoll_event events[kMaxEvents];
    int64_t now = monotonic_ns();
    last_flush_ns_ = now;
    while (!done()) {
        if (s_.stop.load(std::memory_order_relaxed)) break;
        fill(now);
        if (starved_since_ns_ >= 0 && now - starved_since_ns_ > kNoResourcesGiveUpNs)
            return make_error("out of sockets or local ports for 10 s; lower --max-inflight");
        if (done()) break;
        int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, wait_timeout_ms(now));
        now = monotonic_ns();
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 & GrabRunner::kEventTag)
                runner_->on_event(events[i].data.u64, events[i].events, now);
            else
                on_event(events[i].data.u64, now);
        }
        expire(now);
        if (runner_) runner_->on_timer(now);
        collect_services();
        flush(now, false);
    }
    for (uint32_t id = 0; id < slots_.size(); ++id)
        if (slots_[id].busy) release(id);
    if (runner_) runner_->abort_all();
    collect_services();
    flush(now, true);
    return Ok{};
}

}  // namespace

const char* to_string(PortState s) {
    switch (s) {
        case PortState::kOpen:
            return "open";
        case PortState::kClosed:
            return "closed";
        case PortState::kFiltered:
            return "filtered";
    }
    return "unknown";
}

uint32_t default_max_inflight(uint64_t fd_limit) {
    uint64_t usable = fd_limit > kReservedFds ? fd_limit - kReservedFds : 1;
    return static_cast<uint32_t>(std::min<uint64_t>(usable, kMaxInflightCap));
}

Status run_connect_scan(const ScanPlan& plan, const ScanOptions& options, ResultSink& sink,
                        ScanProgress& progress, const std::atomic<bool>& stop) {
    uint32_t threads = std::max<uint32_t>(1, options.threads);
    RateLimiter limiter(options.rate, monotonic_ns());
    Shared shared{plan, options, limiter, sink, progress, stop};
    std::vector<Status> results(threads, Status(Ok{}));
    std::vector<std::thread> pool;
    for (uint32_t t = 0; t < threads; ++t) {
        uint32_t cap = options.max_inflight / threads + (t < options.max_inflight % threads);
        pool.emplace_back([&shared, &results, t, cap] {
            Worker worker(shared, std::max<uint32_t>(cap, 1));
            results[t] = worker.run();
        });
    }
    for (auto& th : pool) th.join();
    for (auto& r : results)
        if (!r) return r;
    return Ok{};
}

}  // namespace sl::scan
