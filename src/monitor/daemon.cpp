#include "monitor/daemon.h"

#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "core/clock.h"
#include "core/text.h"
#include "monitor/child.h"
#include "monitor/config.h"
#include "monitor/diff.h"
#include "monitor/outbox.h"
#include "monitor/route.h"
#include "monitor/sinks.h"
#include "monitor/watchdog.h"
#include "net/unique_fd.h"
#include "store/store.h"

namespace sl::monitor {

namespace {

constexpr size_t kDeliveryBatch = 50;
constexpr int64_t kIdleWaitMs = 1000;
constexpr int64_t kScanDeadlineMs = 6 * 3'600'000;
constexpr size_t kMaxReprobes = 64;  // per cycle; beyond, new exposures go out unconfirmed
constexpr size_t kMaxReprobeOutput = 1 << 20;

// Test builds only (RELIABILITY T2): SL_FAILPOINT=<name> aborts the process right there, as a
// crash would. Names: after-commit (a cycle's events are recorded, nothing sent yet) and
// after-send (a sink confirmed a message that is not marked delivered yet).
void failpoint(const char* name) {
#ifdef SL_FAILPOINTS
    const char* want = std::getenv("SL_FAILPOINT");
    if (want && std::strcmp(want, name) == 0) std::abort();
#else
    (void)name;
#endif
}

void log_line(const std::string& s) {
    std::fprintf(stderr, "searchlight monitor: %s\n", escape_for_terminal(s).c_str());
}

std::string last_line(const std::string& text) {
    std::string t = text;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    size_t nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

Result<store::Store> open_store(const std::string& path) {
    auto s = store::Store::open(path, store::OpenMode::kReadWrite);
    if (!s) return s.error();
    // the outbox's commits survive power loss, not only a crash of the process
    if (auto st = s->db().exec("PRAGMA synchronous = FULL"); !st) return st.error();
    return s;
}

// The configuration both threads read; replaced whole on SIGHUP.
struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::shared_ptr<const MonitorConfig> config;
    bool stop = false;
    bool wake = false;
    std::shared_ptr<const MonitorConfig> current() {
        std::lock_guard lock(mu);
        return config;
    }
    void poke() {
        std::lock_guard lock(mu);
        wake = true;
        cv.notify_all();
    }
};

// The delivery worker: sends what is due, marks it, sleeps until the next attempt.
class Deliverer {
  public:
    Deliverer(Shared& shared, store::Store db) : shared_(shared), db_(std::move(db)) {}

    // A scope with no completed cycle in two intervals is said to be overdue; checked here,
    // beside the deliveries, because the scheduler's thread waits inside a scan that may hang.
    void watch(const MonitorConfig& config) {
        if (auto s = check_overdue(db_.db(), config, started_, unix_ms()); !s)
            log_line("overdue check: " + s.error().message);
    }

    Result<size_t> pass(const MonitorConfig& config) {
        int64_t now = unix_ms();
        auto due = due_deliveries(db_.db(), now, kDeliveryBatch);
        if (!due) return due.error();
        for (const auto& d : *due) {
            if (auto s = deliver(config, d); !s) return s.error();
        }
        return due->size();
    }

    void run() {
        while (true) {
            auto config = shared_.current();
            watch(*config);
            auto sent = pass(*config);
            if (!sent) log_line("delivery: " + sent.error().message);
            if (sent && *sent == kDeliveryBatch) continue;  // more may be due
            int64_t wait = kIdleWaitMs;
            if (auto next = next_attempt(db_.db()); next && *next)
                wait = std::clamp<int64_t>(**next - unix_ms(), 0, kIdleWaitMs);
            std::unique_lock lock(shared_.mu);
            shared_.cv.wait_for(lock, std::chrono::milliseconds(wait),
                                [&] { return shared_.stop || shared_.wake; });
            shared_.wake = false;
            if (shared_.stop) return;
        }
    }

  private:
    Status deliver(const MonitorConfig& config, const Delivery& d) {
        int64_t now = unix_ms();
        auto sink = config.sinks.find(d.message.sink);
        SendResult r;
        if (sink == config.sinks.end()) {
            r.error = fmt::format("no sink named '{}' in the configuration", d.message.sink);
        } else {
            size_t max_items = d.message.route < config.routes.size()
                                   ? config.routes[d.message.route].group_max_items
                                   : 20;
            r = send_message(sink->second, d.message, d.events, max_items, now);
        }
        if (r.ok) {
            failpoint("after-send");
            log_line(fmt::format("delivered {} to {}: {}", d.message.dedup_id(), d.message.sink,
                                 d.message.title));
            return mark_delivered(db_.db(), d.id, unix_ms());
        }
        auto dead =
            mark_failed(db_.db(), d, config.delivery, r.error, r.retry_after_ms, unix_ms(), rng_);
        if (!dead) return dead.error();
        log_line(fmt::format("{} {} to {}: {}", *dead ? "gave up on" : "will retry",
                             d.message.dedup_id(), d.message.sink, r.error));
        return Ok{};
    }

    Shared& shared_;
    store::Store db_;
    int64_t started_ = unix_ms();
    std::mt19937_64 rng_{std::random_device{}()};
};

struct ScopeState {
    int64_t next_run = 0;
};

class Scheduler {
  public:
    Scheduler(const RunOptions& o, Shared& shared, store::Store db, int signal_fd)
        : options_(o), shared_(shared), db_(std::move(db)), signal_fd_(signal_fd) {}

    // Cycles whose scan finished but whose diff was not recorded (the monitor stopped between
    // the two) are diffed now; cycles stopped mid-scan are marked interrupted and said.
    Status recover(const MonitorConfig& config) {
        auto st = db_.db().prepare(
            "SELECT c.scan_id, c.scope, coalesce(s.completed, 0), c.started_at FROM "
            "monitor_cycles c LEFT JOIN scans s ON s.id = c.scan_id WHERE c.derived = 0 AND "
            "c.status IN ('running', 'completed')");
        if (!st) return st.error();
        st->bind_all({});
        std::vector<std::tuple<std::string, std::string, bool, int64_t>> open;
        while (true) {
            auto row = st->step();
            if (!row) return row.error();
            if (!*row) break;
            open.emplace_back(st->text(0), st->text(1), st->integer(2) != 0, st->integer(3));
        }
        for (const auto& [scan_id, scope_name, completed, started] : open) {
            const ScopeConfig* scope = config.scope(scope_name);
            if (completed && scope) {
                log_line(fmt::format("scope {}: diffing cycle {} that finished before a restart",
                                     scope_name, scan_id));
                if (auto s = derive(config, *scope, scan_id); !s) return s;
                continue;
            }
            if (auto s = end_cycle(db_.db(), scan_id, "interrupted", unix_ms(),
                                   "the monitor stopped during the scan");
                !s)
                return s;
            if (scope)
                if (auto s =
                        scan_failed(config, *scope, scan_id, "the monitor stopped during the scan");
                    !s)
                    return s;
        }
        return Ok{};
    }

    // Runs until SIGTERM or SIGINT (or, with --once, after one cycle of every scope).
    int run() {
        auto config = shared_.current();
        if (auto s = recover(*config); !s) {
            log_line("recovery: " + s.error().message);
            return 1;
        }
        if (auto s = plan(*config); !s) {
            log_line(s.error().message);
            return 1;
        }
        if (options_.once) {
            for (const auto& scope : config->scopes) {
                if (auto s = cycle(*config, scope); !s) log_line(s.error().message);
                if (stopping_) break;
            }
            return 0;
        }
        while (!stopping_) {
            config = shared_.current();
            int64_t now = unix_ms(), next = now + kIdleWaitMs;
            for (const auto& scope : config->scopes) {
                ScopeState& st = state_[scope.name];
                if (st.next_run <= now && !stopping_) {
                    int64_t started = unix_ms();
                    if (auto s = cycle(*config, scope); !s) log_line(s.error().message);
                    st.next_run = scope.schedule.next_after(started);
                    if (st.next_run <= unix_ms())  // the cycle took longer than the interval
                        st.next_run = scope.schedule.next_after(unix_ms());
                    config = shared_.current();  // a reload during the cycle
                }
                next = std::min(next, st.next_run);
            }
            wait_until(next);
        }
        return 0;
    }

  private:
    // When each scope runs first: one interval after its last cycle started, or now.
    Status plan(const MonitorConfig& config) {
        for (const auto& scope : config.scopes) {
            auto last = db_.db().scalar(
                "SELECT coalesce(max(started_at), 0) FROM monitor_cycles WHERE scope = ?",
                {scope.name});
            if (!last) return last.error();
            ScopeState& st = state_[scope.name];
            st.next_run = *last ? scope.schedule.next_after(*last) : 0;
            if (!scope.schedule.every_ms && *last == 0)
                st.next_run = scope.schedule.next_after(unix_ms());
        }
        return Ok{};
    }

    void wait_until(int64_t at) {
        while (!stopping_) {
            int64_t left = at - unix_ms();
            if (left <= 0) return;
            pollfd p{signal_fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, kIdleWaitMs))) == 1)
                on_signal();
        }
    }

    void on_signal() {
        signalfd_siginfo info{};
        if (::read(signal_fd_, &info, sizeof info) != sizeof info) return;
        if (info.ssi_signo == SIGHUP)
            reload();
        else
            stopping_ = true;
    }

    void reload() {
        auto fresh = load_config(options_.config_path);
        if (!fresh) {
            log_line("SIGHUP: the new configuration is refused, the old one keeps running:\n" +
                     fresh.error().message);
            return;
        }
        auto next = std::make_shared<const MonitorConfig>(std::move(*fresh));
        for (const auto& scope : next->scopes)
            if (!state_.count(scope.name)) state_[scope.name].next_run = 0;
        {
            std::lock_guard lock(shared_.mu);
            shared_.config = next;
        }
        log_line(fmt::format("SIGHUP: reloaded {} ({} scopes)", options_.config_path,
                             next->scopes.size()));
    }

    std::vector<std::string> scan_argv(const ScopeConfig& scope, const std::string& scan_id) {
        std::vector<std::string> a = {options_.self_exe, "scan"};
        for (const auto& t : scope.targets) a.push_back(t);
        for (const auto& e : scope.excludes) {
            a.push_back("--exclude");
            a.push_back(e);
        }
        a.insert(a.end(),
                 {"-p", scope.ports, "--rate", fmt::format("{}", scope.rate), "--connect-timeout",
                  fmt::format("{}ms", scope.connect_timeout_ms), "--db", options_.db_path, "-q",
                  "--format", "ndjson", "-o", "/dev/null", "--scan-id", scan_id});
        return a;
    }

    Status cycle(const MonitorConfig& config, const ScopeConfig& scope) {
        std::string scan_id = new_scan_id();
        int64_t started = unix_ms();
        if (auto s = begin_cycle(db_.db(), scope.name, scan_id, started); !s) return s;
        auto child = run_child(scan_argv(scope, scan_id), 0, signal_fd_, kScanDeadlineMs);
        if (!child) return child.error();
        if (child->reload) reload();
        if (child->terminated) {
            stopping_ = true;
            log_line(fmt::format("scope {}: stopped; scan {} is stored as incomplete", scope.name,
                                 scan_id));
            return end_cycle(db_.db(), scan_id, "interrupted", unix_ms(), "stopped by a signal");
        }
        if (child->exit_code != 0) {
            std::string why = child->timed_out
                                  ? "the scan ran past its deadline"
                                  : fmt::format("the scan exited with {}: {}", child->exit_code,
                                                last_line(child->err));
            log_line(fmt::format("scope {}: {}", scope.name, why));
            if (auto s = end_cycle(db_.db(), scan_id, "failed", unix_ms(), why); !s) return s;
            return scan_failed(config, scope, scan_id, why);
        }
        return derive(config, scope, scan_id);
    }

    // The diff of a completed scan, its re-probes, its routing, and one transaction.
    Status derive(const MonitorConfig& config, const ScopeConfig& scope,
                  const std::string& scan_id) {
        auto st =
            db_.db().prepare("SELECT started_at, ended_at, completed FROM scans WHERE id = ?");
        if (!st) return st.error();
        st->bind_all({scan_id});
        auto row = st->step();
        if (!row) return row.error();
        if (!*row || st->integer(2) == 0) {
            st->reset();
            std::string why = "the scan did not complete";
            if (auto s = end_cycle(db_.db(), scan_id, "failed", unix_ms(), why); !s) return s;
            return scan_failed(config, scope, scan_id, why);
        }
        CycleFacts facts{scan_id, st->integer(0), st->integer(1), false};
        st->reset();
        auto earlier = db_.db().scalar(
            "SELECT count(*) FROM monitor_cycles WHERE scope = ? AND derived = 1", {scope.name});
        if (!earlier) return earlier.error();
        facts.baseline = *earlier == 0;
        int64_t now = unix_ms();
        auto events = diff_cycle(db_.db(), scope, facts, now);
        if (!events) return events.error();
        if (!facts.baseline) reprobe(scope, *events);
        std::vector<Event*> ptrs;
        for (auto& d : *events) ptrs.push_back(&d.event);
        auto messages = route_events(config, ptrs, facts.baseline, now);
        if (auto s = add_reminders(config, scope, scan_id, now, *events, messages); !s) return s;
        if (auto s = record_cycle(db_.db(), facts, *events, messages); !s) return s;
        failpoint("after-commit");
        shared_.poke();
        std::map<std::string, int> counts;
        for (const auto& d : *events) counts[d.event.event]++;
        std::string what;
        for (const auto& [k, n] : counts)
            what += fmt::format("{}{} {}", what.empty() ? "" : ", ", n, k);
        log_line(fmt::format(
            "scope {}: {}cycle {} done in {:.2f} s: {} events{}{}; {} messages queued", scope.name,
            facts.baseline ? "baseline " : "", scan_id,
            static_cast<double>(facts.ended_ms - facts.started_ms) / 1000, events->size(),
            what.empty() ? "" : " (", what.empty() ? "" : what + ")", messages.size()));
        return Ok{};
    }

    // Reminders go to the route that asked for them (`repeat`), to its sinks only.
    Status add_reminders(const MonitorConfig& config, const ScopeConfig& scope,
                         const std::string& scan_id, int64_t now, std::vector<DiffEvent>& events,
                         std::vector<Message>& messages) {
        for (const auto& route : config.routes) {
            auto due = reminder_events(db_.db(), scope, route, scan_id, now);
            if (!due) return due.error();
            for (auto& d : *due) {
                for (const auto& sink : route.sinks)
                    messages.push_back({new_scan_id(),
                                        route.index,
                                        sink,
                                        scope.name,
                                        "event",
                                        d.event.title,
                                        {d.event.id}});
                events.push_back(std::move(d));
            }
        }
        return Ok{};
    }

    // Each new exposure is probed once more, at once; one the probe does not confirm is held.
    void reprobe(const ScopeConfig& scope, std::vector<DiffEvent>& events) {
        size_t done = 0;
        for (auto& d : events) {
            Event& e = d.event;
            if ((e.event != "new_exposure" && e.event != "exposure_reopened") || !e.held.empty())
                continue;
            if (++done > kMaxReprobes) {
                e.detail["reprobe"] = {{"confirmed", nullptr},
                                       {"why", "not re-probed: too many new exposures at once"}};
                continue;
            }
            std::vector<std::string> argv = {options_.self_exe,
                                             "scan",
                                             e.ip,
                                             "-p",
                                             std::to_string(e.port),
                                             "--no-db",
                                             "-q",
                                             "--format",
                                             "ndjson",
                                             "--rate",
                                             "0",
                                             "--connect-timeout",
                                             fmt::format("{}ms", scope.connect_timeout_ms)};
            int64_t at = unix_ms();
            auto child = run_child(argv, kMaxReprobeOutput, -1, 120'000);
            bool confirmed = false;
            std::string seen = "closed";
            if (child) {
                size_t start = 0;
                const std::string& out = child->out;
                while (start < out.size()) {
                    size_t nl = out.find('\n', start);
                    if (nl == std::string::npos) nl = out.size();
                    Json j = Json::parse(out.substr(start, nl - start), nullptr, false);
                    start = nl + 1;
                    if (!j.is_object()) continue;
                    std::string type = j.value("type", "");
                    if (type == "service")
                        seen =
                            fmt::format("{} {}", j.value("protocol", "?"), j.value("access", "?"));
                    if (type == "finding" && j.value("rule", "") == e.rule) confirmed = true;
                }
            } else {
                seen = child.error().message;
            }
            e.detail["reprobe"] = {
                {"confirmed", confirmed}, {"at", rfc3339_ms(at)}, {"seen", seen}};
            if (!confirmed)
                e.held = fmt::format("re-probe: not confirmed ({}); asked again next cycle", seen);
        }
    }

    Status scan_failed(const MonitorConfig& config, const ScopeConfig& scope,
                       const std::string& scan_id, const std::string& why) {
        if (auto s = record_scan_failed(db_.db(), config, scope, scan_id, why); !s) return s;
        shared_.poke();
        return Ok{};
    }

    const RunOptions& options_;
    Shared& shared_;
    store::Store db_;
    int signal_fd_;
    std::map<std::string, ScopeState> state_;
    bool stopping_ = false;
};

}  // namespace

int run_monitor(const RunOptions& o) {
    auto loaded = load_config(o.config_path);
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        return 2;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    net::UniqueFd signal_fd(::signalfd(-1, &mask, SFD_CLOEXEC));
    init_senders();
    auto scheduler_db = open_store(o.db_path);
    if (!scheduler_db) {
        log_line(scheduler_db.error().message);
        return store::is_refusal(scheduler_db.error()) ? 2 : 1;
    }
    auto deliverer_db = open_store(o.db_path);
    if (!deliverer_db) {
        log_line(deliverer_db.error().message);
        return 1;
    }
    Shared shared;
    shared.config = std::make_shared<const MonitorConfig>(std::move(*loaded));
    log_line(fmt::format("watching {} scopes from {}; store {}", shared.config->scopes.size(),
                         o.config_path, o.db_path));
    Deliverer deliverer(shared, std::move(*deliverer_db));
    Scheduler scheduler(o, shared, std::move(*scheduler_db), signal_fd.get());
    if (o.once) {
        int rc = scheduler.run();
        while (true) {  // what is due now, in batches; retries wait for the next run
            auto sent = deliverer.pass(*shared.current());
            if (!sent) log_line("delivery: " + sent.error().message);
            if (!sent || *sent < kDeliveryBatch) break;
        }
        return rc;
    }
    std::thread worker([&] { deliverer.run(); });
    int rc = scheduler.run();
    {
        std::lock_guard lock(shared.mu);
        shared.stop = true;
        shared.cv.notify_all();
    }
    worker.join();
    log_line("stopped");
    return rc;
}

}  // namespace sl::monitor
