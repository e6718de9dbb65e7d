#include "net/tcp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sl::net {

namespace {

socklen_t make_sockaddr(const IpAddr& addr, uint16_t port, sockaddr_storage* out) {
    std::memset(out, 0, sizeof *out);
    if (addr.family == Family::kV4) {
        auto* sin = reinterpret_cast<sockaddr_in*>(out);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(static_cast<uint32_t>(addr.value));
        return sizeof(sockaddr_in);
    }
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    for (int i = 0; i < 16; ++i)
        sin6->sin6_addr.s6_addr[15 - i] = static_cast<uint8_t>(addr.value >> (8 * i));
    return sizeof(sockaddr_in6);
}

}  // namespace

ConnectOutcome outcome_of_errno(int err) {
    switch (err) {
        case 0:
            return ConnectOutcome::kOpen;
        case EINPROGRESS:
            return ConnectOutcome::kPending;
        case ECONNREFUSED:
        case ECONNRESET:
            return ConnectOutcome::kRefused;
        case ETIMEDOUT:
            return ConnectOutcome::kTimedOut;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
        case EADDRNOTAVAIL:
        case EAGAIN:
            return ConnectOutcome::kNoResources;
        default:
            return ConnectOutcome::kUnreachable;  // EHOSTUNREACH, ENETUNREACH, EACCES...
    }
}

ConnectStart start_connect(const IpAddr& addr, uint16_t port) {
    int domain = addr.family == Family::kV4 ? AF_INET : AF_INET6;
    UniqueFd fd(::socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return {UniqueFd(), outcome_of_errno(errno)};
    linger lg{1, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    // One SYN per attempt: the scanner owns retries, not the kernel.
    int one_syn = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_SYNCNT, &one_syn, sizeof one_syn);
    sockaddr_storage sa;
    socklen_t len = make_sockaddr(addr, port, &sa);
    int rc = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), len);
    ConnectOutcome outcome = rc == 0 ? ConnectOutcome::kOpen : outcome_of_errno(errno);
    if (outcome == ConnectOutcome::kNoResources) fd.reset();
    return {std::move(fd), outcome};
}

ConnectOutcome finish_connect(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    ConnectOutcome o = outcome_of_errno(err);
    return o == ConnectOutcome::kNoResources ? ConnectOutcome::kUnreachable : o;
}

uint64_t raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit raised{rl.rlim_max, rl.rlim_max};
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
    }
    return rl.rlim_cur == RLIM_INFINITY ? uint64_t{1} << 20 : static_cast<uint64_t>(rl.rlim_cur);
}

}  // namespace sl::net
