#include "monitor/child.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "core/clock.h"
#include "net/unique_fd.h"

namespace sl::monitor {

namespace {

constexpr size_t kErrTail = 4096;
constexpr int64_t kKillGraceMs = 10'000;  // after SIGTERM, before SIGKILL

void keep_tail(std::string& s, const char* data, size_t n) {
    s.append(data, n);
    if (s.size() > kErrTail) s.erase(0, s.size() - kErrTail);
}

}  // namespace

Result<ChildResult> run_child(const std::vector<std::string>& argv, size_t max_out, int signal_fd,
                              int64_t timeout_ms) {
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return make_error(std::strerror(errno));
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return make_error(std::strerror(errno));
    }
    net::UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]), err_r(err_pipe[0]), err_w(err_pipe[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0)
        return make_error(fmt::format("cannot start {}: {}", argv[0], std::strerror(errno)));
    if (pid == 0) {  // async-signal-safe calls only from here to exec
        // the child stops (storing what it has) when the monitor dies, even by kill -9
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        ::dup2(out_w.get(), 1);
        ::dup2(err_w.get(), 2);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    out_w.reset();
    err_w.reset();

    ChildResult r;
    int64_t deadline = monotonic_ns() / 1'000'000 + timeout_ms, kill_at = 0;
    bool out_open = true, err_open = true;
    char buf[16384];
    while (out_open || err_open) {
        int64_t now = monotonic_ns() / 1'000'000;
        if (!r.terminated && !r.timed_out && now >= deadline) {
            r.timed_out = true;
            ::kill(pid, SIGTERM);
            kill_at = now + kKillGraceMs;
        }
        if (kill_at && now >= kill_at) {
            ::kill(pid, SIGKILL);
            kill_at = 0;
        }
        pollfd p[3] = {{out_open ? out_r.get() : -1, POLLIN, 0},
                       {err_open ? err_r.get() : -1, POLLIN, 0},
                       {signal_fd, POLLIN, 0}};
        ::poll(p, 3, 250);
        if (p[0].revents) {
            ssize_t n = ::read(out_r.get(), buf, sizeof buf);
            if (n <= 0)
                out_open = false;
            else if (r.out.size() < max_out)
                r.out.append(buf, std::min(static_cast<size_t>(n), max_out - r.out.size()));
        }
        if (p[1].revents) {
            ssize_t n = ::read(err_r.get(), buf, sizeof buf);
            if (n <= 0)
                err_open = false;
            else
                keep_tail(r.err, buf, static_cast<size_t>(n));
        }
        if (signal_fd >= 0 && (p[2].revents & POLLIN)) {
            signalfd_siginfo info{};
            if (::read(signal_fd, &info, sizeof info) == sizeof info) {
                if (info.ssi_signo == SIGHUP) {
                    r.reload = true;
                } else if (!r.terminated) {
                    r.terminated = true;
                    ::kill(pid, SIGTERM);
                    kill_at = now + kKillGraceMs;
                }
            }
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace sl::monitor
