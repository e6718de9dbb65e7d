// `searchlight serve`: flags, the bind policy (loopback unless TLS), the token, signals.
#include "app/serve_command.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <memory>
#include <sstream>

#include "api/api.h"
#include "api/http_server.h"
#include "api/token.h"
#include "app/exit_codes.h"
#include "app/store_cli.h"
#include "core/text.h"
#include "monitor/config.h"
#include "net/unique_fd.h"

namespace sl::app {

namespace {

struct Listen {
    IpAddr address;
    uint16_t port = 0;
};

// "127.0.0.1:8470", "[::1]:8470"
Result<Listen> parse_listen(const std::string& text) {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size())
        return make_error(fmt::format("--listen '{}': expected ADDRESS:PORT", text));
    std::string host = text.substr(0, colon), port = text.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto ip = parse_ip(host);
    if (!ip) return make_error(fmt::format("--listen '{}': {}", text, ip.error().message));
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535)
        return make_error(fmt::format("--listen '{}': the port must be 1-65535", text));
    return Listen{*ip, static_cast<uint16_t>(p)};
}

Result<std::string> read_pem(const std::string& path, const char* flag) {
    std::ifstream in(path);
    if (!in) return make_error(fmt::format("{} '{}': cannot read it", flag, path));
    std::stringstream s;
    s << in.rdbuf();
    if (s.str().size() > 1 << 20) return make_error(fmt::format("{} '{}': too large", flag, path));
    return s.str();
}

}  // namespace

CLI::App* add_serve_command(CLI::App& app, ServeArgs& a) {
    CLI::App* cmd = app.add_subcommand(
        "serve", "The JSON API over the store, on 127.0.0.1, behind a bearer token");
    cmd->footer(std::string(R"help(
Every /api call needs `Authorization: Bearer <token>`. The token is made on first start, stored
beside the database as <db>.token (mode 0600) and printed once; --rotate-token replaces it.
A non-loopback --listen needs --tls-cert and --tls-key. The Host header must name the address
served (a DNS-rebinding page reaches loopback with a foreign name). docs/api.md lists the
endpoints.

Examples:
  searchlight serve
  searchlight serve --listen 127.0.0.1:9000 --db /var/lib/searchlight/searchlight.db
  curl -H "Authorization: Bearer $(cat ~/.local/share/searchlight/searchlight.db.token)" \
       'http://127.0.0.1:8470/api/search?q=access:open&facets=product'
  searchlight serve --monitor-config monitor.yaml
  searchlight serve --rotate-token

)help") + kExitCodeHelp);
    cmd->add_option("--db", a.db, "The database (default: $SEARCHLIGHT_DB, else the XDG path)")
        ->type_name("PATH");
    cmd->add_option("--listen", a.listen, "ADDRESS:PORT to listen on")->capture_default_str();
    cmd->add_option("--tls-cert", a.tls_cert, "PEM certificate (required off loopback)")
        ->type_name("FILE");
    cmd->add_option("--tls-key", a.tls_key, "PEM private key")->type_name("FILE");
    cmd->add_option("--monitor-config", a.monitor_config,
                    "The monitor's YAML: /api/monitor then shows schedules and overdue scopes")
        ->type_name("FILE");
    cmd->add_option("--max-connections", a.max_connections,
                    "Connections held at once; more wait for the kernel's queue")
        ->capture_default_str()
        ->check(CLI::Range(1u, 4096u));
    cmd->add_option("--max-per-address", a.max_per_address,
                    "Connections held at once from one client address (a slow or greedy "
                    "client starves no other)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 4096u));
    cmd->add_flag("--rotate-token", a.rotate_token, "Replace the token, print it, and exit");
    return cmd;
}

int run_serve(const ServeArgs& a) {
    auto path = store::resolve_db_path(a.db);
    if (!path) {
        print_failure(path.error().message);
        return kExitUsage;
    }
    if (a.rotate_token) {
        auto t = api::rotate_token(*path);
        if (!t) {
            print_failure(t.error().message);
            return kExitFailure;
        }
        std::printf("%s\n", t->value.c_str());
        return kExitOk;
    }
    auto listen = parse_listen(a.listen);
    if (!listen) {
        print_failure(listen.error().message);
        return kExitUsage;
    }
    if (a.tls_cert.empty() != a.tls_key.empty()) {
        print_failure("--tls-cert and --tls-key go together");
        return kExitUsage;
    }
    if (!is_loopback(listen->address) && a.tls_cert.empty()) {
        print_failure(fmt::format(
            "refusing to listen on {} without TLS: off loopback the token would cross the "
            "network in clear; give --tls-cert and --tls-key, or listen on 127.0.0.1",
            a.listen));
        return kExitUsage;
    }
    if (a.max_per_address > a.max_connections) {
        print_failure("--max-per-address cannot exceed --max-connections");
        return kExitUsage;
    }
    api::ServerOptions o;
    o.address = listen->address;
    o.port = listen->port;
    o.max_connections = a.max_connections;
    o.max_per_address = a.max_per_address;
    if (!a.tls_cert.empty()) {
        auto cert = read_pem(a.tls_cert, "--tls-cert");
        auto key = read_pem(a.tls_key, "--tls-key");
        if (!cert || !key) {
            print_failure(!cert ? cert.error().message : key.error().message);
            return kExitUsage;
        }
        o.tls_cert_pem = *cert;
        o.tls_key_pem = *key;
    }
    {  // the store must be there and be Searchlight's before anything listens
        auto probe = open_store(a.db, store::OpenMode::kReadOnly);
        if (!probe) return open_failure(probe.error());
    }
    auto token = api::ensure_token(*path);
    if (!token) {
        print_failure(token.error().message);
        return kExitFailure;
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    net::UniqueFd signal_fd(::signalfd(-1, &mask, SFD_CLOEXEC));
    api::ApiOptions options{*path, token->value, api::served_hosts(listen->address, listen->port),
                            !o.tls_cert_pem.empty(), nullptr};
    if (!a.monitor_config.empty()) {
        auto c = monitor::load_config(a.monitor_config);
        if (!c) {
            print_failure(c.error().message);
            return kExitUsage;
        }
        options.monitor_config = std::make_shared<const monitor::MonitorConfig>(std::move(*c));
    }
    api::Api handler(std::move(options));
    auto server =
        api::HttpServer::start(o, [&](const api::Request& r) { return handler.handle(r); });
    if (!server) {
        print_failure(server.error().message);
        return kExitFailure;
    }
    std::string scheme = o.tls_cert_pem.empty() ? "http" : "https";
    std::fprintf(stderr, "searchlight: serving %s on %s://%s/ (token in %s)\n",
                 escape_for_terminal(*path).c_str(), scheme.c_str(),
                 escape_for_terminal(a.listen).c_str(),
                 escape_for_terminal(api::token_path(*path)).c_str());
    if (token->created) std::printf("token: %s\n", token->value.c_str());
    std::fflush(stdout);
    signalfd_siginfo info{};
    while (::read(signal_fd.get(), &info, sizeof info) != sizeof info) {
    }
    return kExitOk;
}

}  // namespace sl::app
