#include "scan/grab_runner.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <optional>

#include "core/byte_queue.h"
#include "grab/codecs/http.h"
#include "grab/http_root.h"
#include "net/tcp.h"

namespace sl::scan {

using grab::CloseReason;
using grab::Next;

namespace {

constexpr uint16_t kTlsPorts[] = {443,  465,  636,  853,  990,  993,  995,  2376,
                                  5671, 6380, 6443, 6984, 8443, 8883, 9443, 10250};
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kBannerKept = 256;

enum class Phase { kIdle, kConnecting, kHandshake, kActive, kGreeting };

}  // namespace

bool usually_tls(uint16_t port) {
    return std::find(std::begin(kTlsPorts), std::end(kTlsPorts), port) != std::end(kTlsPorts);
}

std::vector<Candidate> plan_candidates(uint16_t port, std::span<const grab::GrabberSpec> specs,
                                       bool tls, bool http_root) {
    std::vector<Candidate> plan;
    std::vector<const grab::GrabberSpec*> usual;
    for (const auto& s : specs)
        if (std::find(s.ports.begin(), s.ports.end(), port) != s.ports.end()) usual.push_back(&s);
    for (const auto* s : usual) plan.push_back({s, tls});
    if (!tls) plan.push_back({nullptr, false});  // the greeting stage
    bool root_placed = !http_root;
    for (const auto& s : specs) {
        if (!s.client_first || std::find(usual.begin(), usual.end(), &s) != usual.end()) continue;
        if (s.might_be && !root_placed) {
            plan.push_back({nullptr, tls, true});  // the shared GET / before the first HTTP one
            root_placed = true;
        }
        plan.push_back({&s, tls});
    }
    return plan;
}

struct GrabRunner::Session final : grab::Session {
    GrabRunner& runner;
    uint32_t id;
    uint32_t generation = 0;
    uint64_t serial = 0;
    grab::Target target_;
    Record record_;
    std::vector<Candidate> plan;
    size_t next_candidate = 0;
    const grab::GrabberSpec* spec = nullptr;
    Candidate current;  // the plan step being tried
    std::unique_ptr<grab::Grabber> grabber;
    grab::HttpRootProbe* root_probe = nullptr;  // grabber, while the shared GET / runs
    bool tls_tried = false;
    bool tls_hint = false;
    bool wants_tls = false;        // the current grabber asked for TLS
    uint64_t candidate_bytes = 0;  // bytes the current candidate received, all connections
    int64_t started_ns = 0;
    bool done = true;

    net::UniqueFd fd;
    bool fresh = false;  // fd is the scanner's connection, not yet used
    std::unique_ptr<net::TlsStream> tls;
    Phase phase = Phase::kIdle;
    bool starttls = false;
    std::string out;
    size_t out_off = 0;
    ByteQueue in;
    std::string first_bytes;
    int64_t phase_deadline = INT64_MAX;
    uint32_t interest = 0;

    Session(GrabRunner& r, uint32_t i) : runner(r), id(i) {}

    const grab::Target& target() const override { return target_; }
    void send(std::string_view bytes) override {
        out.append(bytes);
        if (runner.observer_) runner.observer_->on_sent(serial, bytes);
    }
    void start_tls() override { starttls = true; }
    void needs_tls() override { wants_tls = true; }
    Record& record() override { return record_; }

    int64_t deadline() const {
        return std::min(phase_deadline, started_ns + runner.options_.session_deadline_ns);
    }
    uint64_t epoll_data() const {
        return kEventTag | (uint64_t{generation & 0x7fffffffu} << 32) | id;
    }

    // ---- connection plumbing ----
    void watch(uint32_t events) {
        if (events == interest) return;
        epoll_event ev{};
        ev.events = events;
        ev.data.u64 = epoll_data();
        ::epoll_ctl(runner.epoll_fd_, interest == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd.get(), &ev);
        interest = events;
    }
    void drop_connection() {
        tls.reset();
        if (fd.valid() && interest != 0)
            ::epoll_ctl(runner.epoll_fd_, EPOLL_CTL_DEL, fd.get(), nullptr);
        fd.reset();
        interest = 0;
        phase = Phase::kIdle;
        out.clear();
        out_off = 0;
        starttls = false;
    }
    void open_connection(int64_t now) {
        drop_connection();
        in = ByteQueue(runner.options_.max_input_bytes);
        first_bytes.clear();
        net::ConnectStart c = net::start_connect(target_.ip, target_.port);
        if (c.outcome == net::ConnectOutcome::kRefused)
            return connect_failed(GrabStatus::kConnectionRefused, now);
        if (!c.fd.valid() || c.outcome == net::ConnectOutcome::kUnreachable ||
            c.outcome == net::ConnectOutcome::kNoResources ||
            c.outcome == net::ConnectOutcome::kTimedOut)
            return connect_failed(GrabStatus::kConnectionTimeout, now);
        fd = std::move(c.fd);
        if (c.outcome == net::ConnectOutcome::kOpen) return connected(now);
        phase = Phase::kConnecting;
        phase_deadline = now + runner.options_.connect_timeout_ns;
        watch(EPOLLOUT);
    }
    // A grabber's own reconnect failing ends its conversation (it may still know the protocol);
    // a new candidate's connection failing ends the session with no protocol named.
    void connect_failed(GrabStatus status, int64_t now) {
        drop_connection();
        if (grabber && target_.attempt > 0)
            return candidate_done(grabber->on_close(*this, CloseReason::kReset), now);
        spec = nullptr;
        record_.erase_all();
        conclude(status);
    }

    void connected(int64_t now) {
        if (runner.observer_)
            runner.observer_->on_connection(target_.ip, target_.port, serial, target_.tls,
                                            spec                ? spec->name
                                            : current.http_root ? std::string_view("http-root")
                                                                : std::string_view("greeting"));
        if (target_.tls) return begin_handshake(now);
        activate(now);
    }
    void begin_handshake(int64_t now) {
        tls = std::make_unique<net::TlsStream>(*runner.tls_, fd.get());
        phase = Phase::kHandshake;
        phase_deadline = now + runner.options_.idle_timeout_ns;
        drive_handshake(now);
    }
    void drive_handshake(int64_t now) {
        switch (tls->handshake()) {
            case net::TlsIo::kDone:
                tls->describe(record_);
                if (starttls) {
                    starttls = false;
                    target_.tls = true;
                }
                return activate(now);
            case net::TlsIo::kWantRead:
                return watch(EPOLLIN);
            case net::TlsIo::kWantWrite:
                return watch(EPOLLOUT);
            case net::TlsIo::kClosed:
            case net::TlsIo::kError: {
                if (tls->refused_without_client_cert()) return client_cert_required();
                Verdict v = starttls_failed();  // before drop_connection forgets the STARTTLS
                drop_connection();
                return candidate_done(v, now);
            }
        }
    }
    // The server's alert says it wants a client certificate: auth_required, whatever speaks
    // behind it, with the certificate it showed.
    void client_cert_required() {
        tls->describe(record_);
        record_.set("tls_cert.client_cert_required", true);
        spec = nullptr;
        finalize({GrabStatus::kOk, Access::kAuthRequired});
    }
    // A STARTTLS handshake that fails keeps what the plaintext part proved (IMAP's
    // auth_required, the cleartext-login evidence); with nothing proved it is a tls-error.
    Verdict starttls_failed() {
        if (!starttls || !grabber) return {GrabStatus::kTlsError, Access::kUnknown};
        Verdict v = grabber->on_close(*this, CloseReason::kTlsFailure);
        return v.access == Access::kUnknown ? Verdict{GrabStatus::kTlsError, Access::kUnknown} : v;
    }
    void activate(int64_t now) {
        phase = grabber ? Phase::kActive : Phase::kGreeting;
        phase_deadline =
            now + (grabber ? runner.options_.idle_timeout_ns : runner.options_.greeting_wait_ns);
        if (grabber) {
            Next n = grabber->on_open(*this);
            if (!follow(n, now)) return;
        }
        pump(now);
    }

    // Writes what is queued and sets the epoll interest. Returns false if the connection ended.
    bool pump(int64_t now) {
        while (out_off < out.size()) {
            size_t put = 0;
            if (tls) {
                net::TlsIo io = tls->write(out.data() + out_off, out.size() - out_off, &put);
                if (io == net::TlsIo::kWantWrite || io == net::TlsIo::kWantRead) break;
                if (io != net::TlsIo::kDone) return end_connection(CloseReason::kReset, now), false;
            } else {
                ssize_t n =
                    ::send(fd.get(), out.data() + out_off, out.size() - out_off, MSG_NOSIGNAL);
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                if (n <= 0) return end_connection(CloseReason::kReset, now), false;
                put = static_cast<size_t>(n);
            }
            out_off += put;
        }
        if (out_off == out.size()) {
            out.clear();
            out_off = 0;
            if (starttls && phase == Phase::kActive) {
                in = ByteQueue(runner.options_.max_input_bytes);  // nothing plaintext crosses TLS
                if (runner.observer_) runner.observer_->on_starttls(serial);
                begin_handshake(now);
                return phase != Phase::kIdle;
            }
        }
        watch(out.empty() ? EPOLLIN | EPOLLRDHUP : EPOLLIN | EPOLLOUT | EPOLLRDHUP);
        return true;
    }

    // Applies a grabber's answer. Returns false if the connection ended.
    bool follow(Next n, int64_t now) {
        if (n == Next::kRead) return true;
        if (n == Next::kClose) {
            end_connection(CloseReason::kDone, now);
            return false;
        }
        reconnect(now);
        return false;
    }

    void reconnect(int64_t now) {
        drop_connection();
        if (target_.attempt + 1 >= std::min(spec->connections, kMaxConnectionsPerGrabber) ||
            now >= started_ns + runner.options_.session_deadline_ns)
            return candidate_done(grabber->on_close(*this, CloseReason::kTimeout), now);
        ++target_.attempt;
        if (starttls) target_.tls = false;
        open_connection(now);
    }

    void on_event(uint32_t events, int64_t now) {
        if (phase == Phase::kConnecting) {
            net::ConnectOutcome o = net::finish_connect(fd.get());
            if (o != net::ConnectOutcome::kOpen)
                return connect_failed(o == net::ConnectOutcome::kRefused
                                          ? GrabStatus::kConnectionRefused
                                          : GrabStatus::kConnectionTimeout,
                                      now);
            return connected(now);
        }
        if (phase == Phase::kHandshake) return drive_handshake(now);
        if ((events & EPOLLOUT) && !out.empty() && !pump(now)) return;
        if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) read_some(now);
    }

    void read_some(int64_t now) {
        char buf[kReadChunk];
        std::optional<CloseReason> ended;
        bool got = false;
        while (true) {
            size_t n = 0;
            if (tls) {
                net::TlsIo io = tls->read(buf, sizeof buf, &n);
                if (io == net::TlsIo::kWantRead || io == net::TlsIo::kWantWrite) break;
                if (io == net::TlsIo::kClosed) {
                    ended = CloseReason::kPeerClosed;
                    break;
                }
                if (io == net::TlsIo::kError) {
                    if (tls->refused_without_client_cert()) return client_cert_required();
                    ended = CloseReason::kReset;
                    break;
                }
            } else {
                ssize_t r = ::recv(fd.get(), buf, sizeof buf, 0);
                if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                if (r < 0) {
                    ended = CloseReason::kReset;
                    break;
                }
                if (r == 0) {
                    ended = CloseReason::kPeerClosed;
                    break;
                }
                n = static_cast<size_t>(r);
            }
            std::string_view chunk(buf, n);
            if (runner.observer_) runner.observer_->on_received(serial, chunk);
            if (first_bytes.size() < 8) first_bytes.append(chunk.substr(0, 8 - first_bytes.size()));
            got = true;
            candidate_bytes += n;
            if (!in.append(chunk)) {
                ended = CloseReason::kLimit;
                break;
            }
        }
        if (got) phase_deadline = now + runner.options_.idle_timeout_ns;
        if (phase == Phase::kGreeting) {
            if (got) return greeting_heard(now);
            if (ended) return greeting_silent(now);
            return;
        }
        if (got && !in.empty()) {
            Next n = grabber->on_data(*this, in);
            if (!follow(n, now)) return;
        }
        if (ended) return end_connection(*ended, now);
        pump(now);
    }

    void on_timeout(int64_t now) {
        bool session_over = now >= started_ns + runner.options_.session_deadline_ns;
        if (phase == Phase::kConnecting) return connect_failed(GrabStatus::kConnectionTimeout, now);
        if (phase == Phase::kGreeting && !session_over) return greeting_silent(now);
        if (phase == Phase::kGreeting) return conclude(GrabStatus::kIoTimeout);
        if (phase == Phase::kHandshake) {
            drop_connection();
            return session_over ? conclude(GrabStatus::kIoTimeout)
                                : candidate_done({GrabStatus::kIoTimeout, Access::kUnknown}, now);
        }
        end_connection(CloseReason::kTimeout, now);
    }

    void end_connection(CloseReason why, int64_t now) {
        if (!grabber) return greeting_silent(now);
        bool silent =
            first_bytes.empty() && (why == CloseReason::kPeerClosed || why == CloseReason::kReset);
        if (!target_.tls && (silent || net::looks_like_tls(first_bytes))) tls_hint = true;
        if (why != CloseReason::kDone && why != CloseReason::kLimit &&
            grabber->reconnect_after_close(*this, why))
            return reconnect(now);
        drop_connection();
        candidate_done(grabber->on_close(*this, why), now);
    }

    // ---- the candidate plan ----
    void begin(int64_t now) {
        while (next_candidate < plan.size()) {
            Candidate c = plan[next_candidate++];
            current = c;
            spec = c.spec;
            wants_tls = false;
            candidate_bytes = 0;
            grabber = spec ? spec->make() : nullptr;
            root_probe = nullptr;
            if (c.http_root) {
                auto probe = std::make_unique<grab::HttpRootProbe>();
                root_probe = probe.get();
                grabber = std::move(probe);
            }
            record_.erase_all();
            target_.tls = c.tls;
            target_.attempt = 0;
            if (fresh) {
                fresh = false;
                in = ByteQueue(runner.options_.max_input_bytes);
                first_bytes.clear();
                return connected(now);
            }
            return open_connection(now);
        }
        if (tls_hint && !tls_tried && runner.tls_) {
            tls_tried = true;
            plan =
                plan_candidates(target_.port, runner.specs_, true, runner.options_.shared_http_get);
            next_candidate = 0;
            return begin(now);
        }
        record_.erase_all();
        spec = nullptr;
        conclude(GrabStatus::kNotThisProtocol);
    }

    // The server spoke first: offer its greeting to every server-first grabber in turn. The
    // first one that does not answer not-this-protocol takes the connection over; a rejected
    // trial leaves no bytes to send and no fields behind.
    void greeting_heard(int64_t now) {
        for (const auto& candidate : runner.specs_) {
            if (candidate.client_first) continue;
            size_t out_mark = out.size();
            Record saved = record_;
            ByteQueue trial = in;
            spec = &candidate;
            grabber = candidate.make();
            Next n = grabber->on_open(*this);
            if (n == Next::kRead) n = grabber->on_data(*this, trial);
            if (n == Next::kClose) {
                Verdict v = grabber->on_close(*this, CloseReason::kDone);
                if (v.status == GrabStatus::kNotThisProtocol) {
                    out.resize(out_mark);
                    record_ = std::move(saved);
                    continue;
                }
                in = std::move(trial);
                if (runner.observer_) runner.observer_->on_claimed(serial, candidate.name);
                pump(now);  // a goodbye the grabber queued
                drop_connection();
                return candidate_done(v, now);
            }
            in = std::move(trial);
            if (runner.observer_) runner.observer_->on_claimed(serial, candidate.name);
            phase = Phase::kActive;
            phase_deadline = now + runner.options_.idle_timeout_ns;
            if (follow(n, now)) pump(now);
            return;
        }
        record_.set("banner", in.view().substr(0, kBannerKept));
        spec = nullptr;
        grabber.reset();
        conclude(GrabStatus::kNotThisProtocol);
    }

    void greeting_silent(int64_t now) {
        drop_connection();
        begin(now);
    }

    void candidate_done(Verdict v, int64_t now) {
        bool out_of_time = now >= started_ns + runner.options_.session_deadline_ns;
        if (current.http_root) return http_root_done(v, out_of_time, now);
        if (wants_tls && !target_.tls && runner.tls_ && !out_of_time) {
            wants_tls = false;  // the same grabber again, inside TLS, next
            plan.insert(plan.begin() + static_cast<std::ptrdiff_t>(next_candidate), {spec, true});
            return begin(now);
        }
        if (v.status == GrabStatus::kNotThisProtocol && !out_of_time) return begin(now);
        if (v.status == GrabStatus::kTlsError && !out_of_time && target_.tls) return begin(now);
        finalize(v);
    }

    // The shared GET / is answered (or not): the HTTP candidates of this pass that the answer
    // rules out leave the plan (all of them when the answer was not HTTP, none when it broke
    // off). nginx's "plain HTTP request was sent to HTTPS port" moves them
    // inside TLS, behind the same GET / inside TLS. Silence ends the session, as it would have
    // on the first HTTP candidate.
    void http_root_done(Verdict v, bool out_of_time, int64_t now) {
        const grab::HttpResponse* root = root_probe ? root_probe->response() : nullptr;
        bool broke_off = !root && root_probe && root_probe->spoke_http();
        bool to_tls = root_probe && root_probe->wants_tls() && !target_.tls && runner.tls_;
        wants_tls = false;
        if (v.status == GrabStatus::kIoTimeout || out_of_time) return finalize(v);
        auto rest = plan.begin() + static_cast<std::ptrdiff_t>(next_candidate);
        if (to_tls) {
            for (auto it = rest; it != plan.end(); ++it)
                if (it->spec && it->spec->might_be && !it->tls) it->tls = true;
            plan.insert(rest, {nullptr, true, true});
            return begin(now);
        }
        if (broke_off) return begin(now);  // every HTTP grabber may still ask
        bool tls_pass = current.tls;
        plan.erase(std::remove_if(rest, plan.end(),
                                  [&](const Candidate& c) {
                                      return c.spec && c.spec->might_be && c.tls == tls_pass &&
                                             (!root || !c.spec->might_be(*root));
                                  }),
                   plan.end());
        begin(now);
    }

    void conclude(GrabStatus status) { finalize({status, Access::kUnknown}); }

    void finalize(Verdict v) {
        drop_connection();
        ServiceResult r{target_.ip, target_.port, {}};
        Record& rec = r.record;
        // A candidate that never heard a byte, or that ran out of time or input before it could
        // name a product, has not identified anything: say so rather than guess.
        bool cut_short =
            v.status == GrabStatus::kIoTimeout || v.status == GrabStatus::kLimitExceeded;
        if (v.access == Access::kUnknown &&
            (candidate_bytes == 0 || (cut_short && !record_.has("product"))))
            spec = nullptr;
        rec.set("tls", target_.tls);
        rec.set("protocol", spec ? spec->name : std::string_view("unknown"));
        if (const auto* p = record_.find("product")) rec.set("product", p->get<std::string>());
        if (const auto* p = record_.find("version")) rec.set("version", p->get<std::string>());
        rec.set("status", to_string(v.status));
        rec.set("access", to_string(v.access));
        if (spec) rec.set("probe", std::string(spec->name) + (target_.tls ? "/tls" : ""));
        for (const auto& [k, val] : record_.fields().items())
            if (k != "product" && k != "version") rec.set_raw(k, val);
        if (runner.observer_) runner.observer_->on_finished(serial, r);
        runner.done_.push_back(std::move(r));
        grabber.reset();
        done = true;
        runner.finish(id);
    }
};

GrabRunner::GrabRunner(int epoll_fd, const GrabOptions& options,
                       std::span<const grab::GrabberSpec> specs,
                       std::shared_ptr<const net::TlsContext> tls, TranscriptObserver* observer)
    : epoll_fd_(epoll_fd),
      options_(options),
      specs_(specs),
      tls_(std::move(tls)),
      observer_(observer) {}

GrabRunner::~GrabRunner() = default;

void GrabRunner::start(net::UniqueFd connected, const IpAddr& ip, uint16_t port, int64_t now) {
    uint32_t id;
    if (free_.empty()) {
        id = static_cast<uint32_t>(sessions_.size());
        sessions_.push_back(std::make_unique<Session>(*this, id));
    } else {
        id = free_.back();
        free_.pop_back();
    }
    Session& s = *sessions_[id];
    ++s.generation;
    s.serial = next_serial_++;
    s.done = false;
    s.target_ = grab::Target{ip, port, false, 0};
    s.started_ns = now;
    s.tls_tried = usually_tls(port) && tls_;
    s.tls_hint = false;
    s.plan = plan_candidates(port, specs_, s.tls_tried, options_.shared_http_get);
    if (s.tls_tried) {  // TLS ports: TLS first, then plaintext
        auto plain = plan_candidates(port, specs_, false, options_.shared_http_get);
        s.plan.insert(s.plan.end(), plain.begin(), plain.end());
    }
    s.next_candidate = 0;
    s.fd = std::move(connected);
    s.fresh = s.fd.valid();
    ++active_;
    s.begin(now);
    if (!s.done) arm(id, now);
}

void GrabRunner::start_unconnected(const IpAddr& ip, uint16_t port, int64_t now) {
    start(net::UniqueFd(), ip, port, now);
}

void GrabRunner::arm(uint32_t id, int64_t now) {
    (void)now;
    const Session& s = *sessions_[id];
    timers_.push({s.deadline(), id, s.generation});
}

void GrabRunner::on_event(uint64_t data, uint32_t events, int64_t now) {
    uint32_t id = static_cast<uint32_t>(data & 0xffffffffu);
    uint32_t generation = static_cast<uint32_t>((data >> 32) & 0x7fffffffu);
    if (id >= sessions_.size()) return;
    Session& s = *sessions_[id];
    if (s.done || (s.generation & 0x7fffffffu) != generation) return;
    s.on_event(events, now);
    if (!s.done) arm(id, now);
}

void GrabRunner::on_timer(int64_t now) {
    while (!timers_.empty() && timers_.top().at <= now) {
        Timer t = timers_.top();
        timers_.pop();
        Session& s = *sessions_[t.id];
        if (s.done || s.generation != t.generation) continue;
        if (s.deadline() <= now) s.on_timeout(now);
        if (!s.done) timers_.push({s.deadline(), t.id, s.generation});
    }
}

int64_t GrabRunner::next_deadline() const {
    // The heap may hold stale entries; they only make the reactor wake a little early.
    return timers_.empty() ? INT64_MAX : timers_.top().at;
}

void GrabRunner::finish(uint32_t id) {
    --active_;
    free_.push_back(id);
}

void GrabRunner::abort_all() {
    for (auto& s : sessions_)
        if (!s->done) {
            s->drop_connection();
            s->done = true;
            --active_;
            free_.push_back(s->id);
        }
}

std::vector<ServiceResult> GrabRunner::take_results() { return std::exchange(done_, {}); }

}  // namespace sl::scan
