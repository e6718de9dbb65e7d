#include "app/scan_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>

#include "app/exit_codes.h"
#include "app/scan_sink.h"
#include "app/transcript_recorder.h"
#include "core/clock.h"
#include "core/duration.h"
#include "core/text.h"
#include "grab/registry.h"
#include "net/resolver.h"
#include "net/tcp.h"
#include "net/tls.h"
#include "net/unique_fd.h"
#include "output/writer.h"
#include "rules/loader.h"
#include "scan/connect_scanner.h"
#include "scan/host_table.h"
#include "scan/plan.h"
#include "scan/port_spec.h"
#include "scan/targets.h"
#include "store/store.h"
#include "store/store_writer.h"

namespace sl::app {

namespace {

constexpr int kStatusEveryMs = 250;
constexpr size_t kDryRunPreview = 20;

// Everything a scan needs after the flags are checked. Built before anything is sent.
struct ScanSetup {
    std::shared_ptr<const rules::RuleSet> rules;  // empty with --no-rules or --no-grab
    scan::Scope scope;
    std::optional<scan::ScanPlan> plan;  // empty when the scope is empty
    scan::ScanOptions options;
    StateFilter states;
    rules::Severity min_severity = rules::Severity::kInfo;
    std::optional<rules::Severity> fail_on;
    output::Format format = output::Format::kNdjson;
    uint64_t seed = 0;
    std::optional<store::Store> store;  // empty with --no-db
};

// Messages quote user input (file lines, flags): escape it before it reaches a terminal.
void print_error(const std::string& message) {
    std::fprintf(stderr, "searchlight: error: %s\n", escape_for_terminal(message).c_str());
}

Result<scan::Shard> parse_shard(const std::string& text) {
    unsigned index = 0, count = 0;
    char extra = 0;
    if (std::sscanf(text.c_str(), "%u/%u%c", &index, &count, &extra) != 2 || count == 0 ||
        index >= count || count > 1'000'000 ||
        text.find_first_not_of("0123456789/") != std::string::npos)
        return make_error(fmt::format("bad --shard '{}': expected i/N with 0 <= i < N", text));
    return scan::Shard{index, count};
}

Result<StateFilter> parse_states(const std::string& text) {
    StateFilter f;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (item == "open")
            f.open = true;
        else if (item == "closed")
            f.closed = true;
        else if (item == "filtered")
            f.filtered = true;
        else
            return make_error(
                fmt::format("bad --states item '{}' at column {}: use open, closed "
                            "or filtered",
                            item, start + 1));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return f;
}

Result<uint64_t> parse_seed(const std::string& text) {
    if (text.empty()) {
        std::random_device rd;
        return (uint64_t{rd()} << 32) | rd();
    }
    if (text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
        return make_error(fmt::format("bad --seed '{}': expected a decimal number", text));
    errno = 0;
    uint64_t v = std::strtoull(text.c_str(), nullptr, 10);
    if (errno == ERANGE) return make_error(fmt::format("bad --seed '{}': out of range", text));
    return v;
}

Result<int64_t> duration_flag(const char* flag, const std::string& text) {
    auto d = parse_duration(text);
    if (!d) return make_error(fmt::format("bad {} '{}': {}", flag, text, d.error().message));
    return *d;
}

Result<rules::Severity> severity_flag(const char* flag, const std::string& text) {
    auto s = rules::parse_severity(text);
    if (!s)
        return make_error(
            fmt::format("bad {} '{}': use info, low, medium, high or critical", flag, text));
    return *s;
}

Status prepare_grab(const ScanArgs& a, scan::ScanOptions& o) {
    o.grab = !a.no_grab;
    if (!o.grab) return Ok{};
    auto idle = duration_flag("--idle-timeout", a.idle_timeout);
    if (!idle) return idle.error();
    auto deadline = duration_flag("--session-deadline", a.session_deadline);
    if (!deadline) return deadline.error();
    auto greeting = duration_flag("--greeting-wait", a.greeting_wait);
    if (!greeting) return greeting.error();
    o.grab_options.connect_timeout_ns = o.attempt_timeout_ns;
    o.grab_options.idle_timeout_ns = *idle;
    o.grab_options.session_deadline_ns = *deadline;
    o.grab_options.greeting_wait_ns = *greeting;
    o.grab_options.shared_http_get = !a.no_shared_get;
    o.grab_options.max_input_bytes = a.max_input;
    o.grabbers = grab::all_grabbers();
    auto tls = net::TlsContext::create();
    if (!tls) return tls.error();
    o.tls = *tls;
    return Ok{};
}

Result<ScanSetup> prepare(const ScanArgs& a, bool stdout_tty) {
    ScanSetup s;
    auto ports = scan::parse_ports(a.ports);
    if (!ports) return make_error(fmt::format("-p: {}", ports.error().message));
    auto timeout = parse_duration(a.connect_timeout);
    if (!timeout)
        return make_error(fmt::format("bad --connect-timeout '{}': {}", a.connect_timeout,
                                      timeout.error().message));
    auto shard = parse_shard(a.shard);
    if (!shard) return shard.error();
    auto states = parse_states(a.states);
    if (!states) return states.error();
    auto seed = parse_seed(a.seed);
    if (!seed) return seed.error();
    std::string format_text =
        a.format.empty() ? (stdout_tty && a.output.empty() ? "table" : "ndjson") : a.format;
    auto format = output::parse_format(format_text);
    if (!format) return make_error(fmt::format("--format: {}", format.error().message));
    if (a.targets.empty() && a.input_lists.empty())
        return make_error("no targets: give addresses, CIDRs, ranges or hostnames, or -iL FILE");
    scan::TargetInputs inputs{a.targets, a.input_lists, a.excludes, a.exclude_files};
    auto scope = scan::build_scope(inputs, net::resolve_host);
    if (!scope) return scope.error();
    s.scope = std::move(*scope);
    s.seed = *seed;
    s.states = *states;
    s.format = *format;
    if (!s.scope.hosts.empty()) {
        auto index = scan::HostIndex::create(s.scope.hosts);
        if (!index) return index.error();
        auto plan = scan::ScanPlan::create(std::move(*index), std::move(*ports), s.seed, *shard);
        if (!plan) return plan.error();
        s.plan.emplace(std::move(*plan));
    }
    uint64_t fd_limit = net::raise_fd_limit();
    uint32_t cap = scan::default_max_inflight(fd_limit);
    if (a.max_inflight > cap)
        return make_error(fmt::format("--max-inflight {} is over what the fd limit allows ({})",
                                      a.max_inflight, cap));
    s.options.max_inflight = a.max_inflight ? a.max_inflight : cap;
    s.options.threads = a.threads ? a.threads : std::max(1u, std::thread::hardware_concurrency());
    s.options.attempt_timeout_ns = *timeout;
    s.options.retries = a.retries;
    s.options.rate = a.rate;
    if (auto g = prepare_grab(a, s.options); !g) return g.error();
    auto min_severity = severity_flag("--min-severity", a.min_severity);
    if (!min_severity) return min_severity.error();
    s.min_severity = *min_severity;
    if (!a.fail_on.empty()) {
        auto fail_on = severity_flag("--fail-on", a.fail_on);
        if (!fail_on) return fail_on.error();
        s.fail_on = *fail_on;
        if (a.no_rules || a.no_grab)
            return make_error("--fail-on needs findings: drop --no-rules and --no-grab");
    }
    if (!a.no_rules && !a.no_grab) {  // a bad rule file stops the scan before any packet
        std::vector<std::filesystem::path> dirs = {rules::builtin_rules_dir()};
        for (const auto& d : a.rule_dirs) dirs.push_back(d);
        auto loaded = rules::load_rules(dirs);
        if (!loaded) return loaded.error();
        s.rules = *loaded;
    }
    return s;
}

// What the store records about the scan: its options and its scope.
store::ScanStart scan_start(const ScanSetup& s, const ScanArgs& a, const std::string& id) {
    store::ScanStart start;
    start.id = id;
    start.started_ms = unix_ms();
    start.grab = s.options.grab;
    start.options = {{"ports", a.ports},
                     {"rate", a.rate},
                     {"retries", a.retries},
                     {"grab", s.options.grab},
                     {"rules", s.rules != nullptr},
                     {"seed", std::to_string(s.seed)},
                     {"connect_timeout", a.connect_timeout},
                     {"shared_get", !a.no_shared_get}};
    store::Json intervals = store::Json::array();
    for (const auto& iv : s.scope.hosts.intervals()) intervals.push_back(interval_to_string(iv));
    start.scope = {{"targets", a.targets},   {"input_lists", a.input_lists},
                   {"excludes", a.excludes}, {"exclude_files", a.exclude_files},
                   {"ports", a.ports},       {"shard", a.shard},
                   {"hosts", intervals},     {"port_count", s.plan ? s.plan->ports().size() : 0}};
    return start;
}

std::set<std::string> rule_ids(const ScanSetup& s) {
    std::set<std::string> ids;
    if (s.rules)
        for (const auto& r : s.rules->rules) ids.insert(r.id);
    return ids;
}

std::string count_text(U128 n) {
    return (n >> 64) ? std::string("more than 2^64") : fmt::format("{}", static_cast<uint64_t>(n));
}

void print_pair(std::FILE* out, const scan::Pair& p) {
    std::fprintf(out, "%s %u\n", p.ip.to_string().c_str(), p.port);
}

int run_dry_run(const ScanSetup& s, bool list) {
    const auto& plan = *s.plan;
    if (!list) {
        std::printf("dry run: %s pairs = %s hosts x %zu ports; shard %u/%u has %s; seed %s\n",
                    fmt::format("{}", plan.pair_count()).c_str(),
                    fmt::format("{}", plan.hosts().host_count()).c_str(), plan.ports().size(),
                    plan.shard().index, plan.shard().count,
                    plan.shard().count == 1
                        ? "all of them"
                        : fmt::format("about {}", plan.shard_pairs_estimate()).c_str(),
                    fmt::format("{}", s.seed).c_str());
        const auto& iv = s.scope.hosts.intervals();
        std::printf("where: ");
        for (size_t i = 0; i < iv.size() && i < kDryRunPreview; ++i)
            std::printf("%s%s", i ? ", " : "", interval_to_string(iv[i]).c_str());
        if (iv.size() > kDryRunPreview)
            std::printf(" and %zu more ranges", iv.size() - kDryRunPreview);
        std::printf("\nexcluded: %s addresses; built-in blocklist: %s addresses\n",
                    count_text(s.scope.excluded).c_str(), count_text(s.scope.blocklisted).c_str());
        std::printf("first pairs in scan order:\n");
    }
    scan::ShardWalker walker(plan.group(), plan.shard(), 0);
    uint64_t pair = 0;
    size_t shown = 0;
    while ((list || shown < kDryRunPreview) && walker.next(UINT64_MAX, &pair)) {
        print_pair(stdout, plan.pair_at(pair));
        ++shown;
    }
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

struct OutputFile {
    std::FILE* stream = stdout;
    bool owned = false;
    ~OutputFile() {
        if (owned) std::fclose(stream);
    }
};

Result<std::unique_ptr<OutputFile>> open_output(const std::string& path) {
    auto out = std::make_unique<OutputFile>();
    if (path.empty() || path == "-") return out;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
    out->stream = ::fdopen(fd, "w");
    out->owned = true;
    return out;
}

// Waits for the scan, drawing the status line and watching for SIGINT/SIGTERM.
// Returns the signal that interrupted the scan, or 0. done_fd becomes readable at the end.
int watch(int signal_fd, int done_fd, const scan::ScanProgress& progress, uint64_t total,
          std::atomic<bool>& stop, output::RecordWriter* status, int64_t started_ns,
          const store::StoreWriter* stored) {
    int caught = 0;
    while (true) {
        pollfd p[2] = {{signal_fd, POLLIN, 0}, {done_fd, POLLIN, 0}};
        ::poll(p, 2, kStatusEveryMs);
        if (p[1].revents & POLLIN) break;
        if (stored && stored->failed()) stop.store(true);  // the store cannot keep up: stop
        if (p[0].revents & POLLIN) {
            signalfd_siginfo info{};
            if (::read(signal_fd, &info, sizeof info) == sizeof info) {
                if (caught) _exit(info.ssi_signo == SIGTERM ? kExitSigterm : kExitSigint);
                caught = static_cast<int>(info.ssi_signo);
                stop.store(true);
            }
        }
        if (status) {
            double elapsed = static_cast<double>(monotonic_ns() - started_ns) / 1e9;
            status->draw_status(output::status_line(progress.finished.load(), total,
                                                    progress.open.load(), elapsed));
        }
    }
    if (status) status->clear_status();
    return caught;
}

int run_live(ScanSetup& s, const ScanArgs& a) {
    auto out = open_output(a.output);
    if (!out) {
        print_error(out.error().message);
        return kExitUsage;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    int signal_fd = ::signalfd(-1, &mask, SFD_CLOEXEC);

    std::unique_ptr<TranscriptRecorder> recorder;
    scan::ScanOptions options = s.options;
    if (!a.record_transcripts.empty()) {
        recorder = std::make_unique<TranscriptRecorder>(a.record_transcripts, a.transcript_note);
        options.observer = recorder.get();
    }
    output::RecordWriter writer((*out)->stream, s.format,
                                a.scan_id.empty() ? new_scan_id() : a.scan_id, s.options.grab);
    std::unique_ptr<store::StoreWriter> stored;
    std::unique_ptr<StoreTap> tap;
    if (s.store) {
        auto known = s.store->alive_services(s.scope.hosts.intervals());
        if (!known) {
            print_error(known.error().message);
            return kExitFailure;
        }
        std::string path = s.store->path();
        stored = std::make_unique<store::StoreWriter>(std::move(*s.store));
        if (auto st = stored->start(scan_start(s, a, writer.scan_id())); !st) {
            print_error(fmt::format("cannot store the scan in '{}': {}", path, st.error().message));
            return kExitFailure;
        }
        tap = std::make_unique<StoreTap>(StoreTap{*stored, {}});
        for (const auto& k : *known)
            if (k.transport == "tcp")
                tap->known_alive.insert(
                    {store::ip_from_key(k.ip_key), static_cast<uint16_t>(k.port)});
    }
    writer.begin();
    scan::HostTable hosts;  // honeypot counts (the sink) and the grab budget (the scanner)
    options.hosts = &hosts;
    ScanSink sink(writer, s.states, s.rules, s.min_severity, hosts, tap.get());
    scan::ScanProgress progress;
    std::atomic<bool> stop{false};
    Status result = Ok{};
    int64_t started = monotonic_ns();
    uint64_t total = s.plan ? s.plan->shard_pairs_estimate() : 0;
    net::UniqueFd done_fd(::eventfd(0, EFD_CLOEXEC));
    std::thread driver([&] {
        if (s.plan) result = scan::run_connect_scan(*s.plan, options, sink, progress, stop);
        uint64_t one = 1;
        (void)!::write(done_fd.get(), &one, sizeof one);
    });
    bool show_status = !a.quiet && ::isatty(STDERR_FILENO);
    int caught = watch(signal_fd, done_fd.get(), progress, total, stop,
                       show_status ? &writer : nullptr, started, stored.get());
    driver.join();
    ::close(signal_fd);

    output::ScanSummary summary{progress.finished.load(),
                                progress.open.load(),
                                progress.closed.load(),
                                progress.filtered.load(),
                                progress.attempts.load(),
                                static_cast<double>(monotonic_ns() - started) / 1e9,
                                caught != 0,
                                sink.findings(),
                                sink.honeypot_hosts(),
                                hosts.grabs_skipped()};
    writer.summary(summary, unix_ms());
    Status written = writer.end();
    Status kept = Ok{};
    std::string stored_note;
    if (stored) {
        bool completed = result.ok() && !caught && !stored->failed();
        store::ScanEnd end{unix_ms(), completed, completed ? "completed" : "interrupted",
                           std::nullopt, output::summary_json(summary)};
        if (s.rules) end.rules = rule_ids(s);
        kept = stored->finish(end);
        stored_note = fmt::format("; stored in {} as scan {}{}", stored->store().path(),
                                  writer.scan_id(), completed ? "" : " (incomplete)");
    }
    if (!a.quiet)
        std::fprintf(stderr, "searchlight: %s%s\n", output::summary_line(summary).c_str(),
                     escape_for_terminal(stored_note).c_str());
    if (!kept) {
        print_error(fmt::format("the store failed, the scan stopped and is marked incomplete: {}",
                                kept.error().message));
        return kExitFailure;
    }
    if (recorder)
        for (const auto& e : recorder->errors()) print_error(e);
    if (!result) {
        print_error(result.error().message);
        return kExitFailure;
    }
    if (!written) {
        print_error(written.error().message);
        return kExitFailure;
    }
    if (caught) return caught == SIGTERM ? kExitSigterm : kExitSigint;
    if (s.fail_on && sink.worst() && *sink.worst() >= *s.fail_on) return kExitFindings;
    return kExitOk;
}

}  // namespace

CLI::App* add_scan_command(CLI::App& app, ScanArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "scan", "Find services, prove which answer without a login, report findings");
    cmd->footer(std::string(R"(
Targets: 10.0.0.1  10.0.0.0/24  10.0.0.1-10.0.0.9  10.0.0.1-9  ::1  2001:db8::/120
         host.example (resolved; an unresolvable name is a warning)  -iL FILE (# comments)
Ports:   22,80,8000-8100  -  (all)  exposure (the catalogue's services)  top100 (nmap's)
Never scanned: 0.0.0.0/8, 224.0.0.0/4, 240.0.0.0/4, 255.255.255.255, ::, ff00::/8.
IPv6 prefixes over 2^32 addresses are refused: give a hit list with -iL.
Records: port, service (what answered, access, evidence), finding (a rule matched: severity,
         evidence, remediation; `searchlight rules list`), host (8+ protocols open or 100+
         ports open: a likely honeypot, its findings marked, never dropped), summary.
Store:   every scan is stored (--db PATH, else $SEARCHLIGHT_DB, else
         ~/.local/share/searchlight/searchlight.db; --no-db to print only): then
         `searchlight search`, `host`, `findings`, `scans`, `diff`, `export`. Only a scan
         that completes resolves what it no longer sees (docs/store.md).

Examples:
  searchlight scan 10.20.0.0/16 -p exposure --exclude 10.20.99.0/24
  searchlight scan -iL hosts.txt -p 1-1024 --rate 20000 --format json -o out.json
  searchlight scan 10.0.0.0/8 -p 443 --shard 0/4 --seed 7     # one of four machines
  searchlight scan 192.168.1.0/24 -p top100 --dry-run=list

)") + kExitCodeHelp);
    cmd->add_option("targets", a.targets, "Addresses, CIDRs, ranges or hostnames");
    cmd->add_option("--input-list", a.input_lists, "Read targets from FILE (-iL FILE; - is stdin)")
        ->type_name("FILE");
    cmd->add_option("-p,--ports", a.ports, "Ports, ranges and profiles")->capture_default_str();
    cmd->add_option("--exclude", a.excludes, "Addresses, CIDRs or ranges never to scan");
    cmd->add_option("--exclude-file", a.exclude_files, "Read excludes from FILE")
        ->type_name("FILE");
    cmd->add_option("--rate", a.rate, "New connections per second; 0 = only --max-inflight limits")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1e9));
    cmd->add_option("--threads", a.threads, "Worker threads (default: the number of cores)")
        ->check(CLI::Range(1u, 256u));
    cmd->add_option("--retries", a.retries, "Extra attempts after a timeout")
        ->capture_default_str()
        ->check(CLI::Range(0u, 10u));
    cmd->add_option("--max-inflight", a.max_inflight,
                    "Connections in flight (default: min(RLIMIT_NOFILE - 64, 8192))")
        ->check(CLI::Range(1u, 1u << 20));
    cmd->add_option("--connect-timeout", a.connect_timeout,
                    "Time to wait for an answer per attempt (500ms, 5s, ...)")
        ->capture_default_str();
    cmd->add_option("--seed", a.seed, "Seed of the scan order (default: random)");
    cmd->add_option("--shard", a.shard, "Scan only slice i of N (counted from 0)")
        ->capture_default_str();
    cmd->add_option("--states", a.states, "Port states to write: open,closed,filtered")
        ->capture_default_str();
    cmd->add_option("-o,--output", a.output, "Write records to FILE (mode 0600)")
        ->type_name("FILE");
    cmd->add_option("--format", a.format,
                    "ndjson|json|table|csv (default: table on a TTY, else ndjson)");
    cmd->add_option("--rules", a.rule_dirs,
                    "Also load the rules in DIR (a same-id rule overrides a built-in one)")
        ->type_name("DIR");
    cmd->add_flag("--no-rules", a.no_rules, "Do not evaluate rules (no finding records)");
    cmd->add_option("--min-severity", a.min_severity,
                    "Write only findings at least this severe: info|low|medium|high|critical")
        ->capture_default_str();
    cmd->add_option("--fail-on", a.fail_on,
                    "Exit 3 when a finding at least this severe was found (for CI pipelines)")
        ->type_name("SEVERITY");
    cmd->add_flag("--no-grab", a.no_grab,
                  "Discovery only: do not identify services or judge their access");
    cmd->add_option("--idle-timeout", a.idle_timeout, "Grab: longest silence while reading")
        ->capture_default_str();
    cmd->add_option("--session-deadline", a.session_deadline,
                    "Grab: most time per ip:port, writes and slow drips included")
        ->capture_default_str();
    cmd->add_option("--greeting-wait", a.greeting_wait,
                    "Grab: how long a port whose usual protocol did not answer may stay silent "
                    "before client-first probes")
        ->capture_default_str();
    cmd->add_flag("--no-shared-get", a.no_shared_get,
                  "Grab: on ports that are not theirs, ask every HTTP product on its own "
                  "connection instead of ruling products out by one shared GET / (for proxies "
                  "that route paths to different products)");
    cmd->add_option("--max-input", a.max_input, "Grab: raw bytes read per connection, at most")
        ->capture_default_str()
        ->check(CLI::Range(1024u, 16u << 20));
    cmd->add_option("--record-transcripts", a.record_transcripts,
                    "Grab: write each proving conversation to DIR as a transcript")
        ->type_name("DIR");
    cmd->add_option("--transcript-note", a.transcript_note,
                    "Grab: the source line for recorded transcripts (server, version, config)");
    cmd->add_flag("--dry-run", a.dry_run,
                  "Print how many pairs would be probed, where, and the first 20; send nothing. "
                  "--dry-run=list prints every pair in scan order");
    cmd->add_flag("--dry-run-list", a.dry_run_list)->group("");
    cmd->add_flag("-q,--quiet", a.quiet, "No status line and no summary line");
    cmd->add_option("--db", a.db,
                    "Store the scan in this database (default: $SEARCHLIGHT_DB, else "
                    "~/.local/share/searchlight/searchlight.db)")
        ->type_name("PATH");
    cmd->add_flag("--no-db", a.no_db, "Do not store the scan (print only)");
    cmd->add_option("--scan-id", a.scan_id, "The scan's id (the monitor names the scans it runs)")
        ->group("")
        ->check([](const std::string& v) {
            bool ok =
                v.size() == 36 && v.find_first_not_of("0123456789abcdef-") == std::string::npos;
            return ok ? std::string() : std::string("a UUID in lower case");
        });
    return cmd;
}

int run_scan(const ScanArgs& a) {
    auto setup = prepare(a, ::isatty(STDOUT_FILENO));
    if (!setup) {
        print_error(setup.error().message);
        return kExitUsage;
    }
    for (const auto& w : setup->scope.warnings)
        std::fprintf(stderr, "searchlight: warning: %s\n", escape_for_terminal(w).c_str());
    if (a.dry_run || a.dry_run_list) {
        if (!setup->plan) {
            std::printf("dry run: 0 pairs (every target was excluded or unresolvable)\n");
            return kExitOk;
        }
        return run_dry_run(*setup, a.dry_run_list);
    }
    if (!a.no_db) {  // before any packet: a foreign or newer file is refused (2), a full disk fails
                     // (1)
        auto path = store::resolve_db_path(a.db);
        if (!path) {
            print_error(path.error().message);
            return kExitUsage;
        }
        auto opened = store::Store::open(*path, store::OpenMode::kReadWrite);
        if (!opened) {
            print_error(opened.error().message);
            return store::is_refusal(opened.error()) ? kExitUsage : kExitFailure;
        }
        setup->store.emplace(std::move(*opened));
    }
    return run_live(*setup, a);
}

}  // namespace sl::app
