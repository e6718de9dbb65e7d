// Non-blocking TCP connects for the port scanner.
#pragma once

#include <cstdint>

#include "core/ip.h"
#include "core/result.h"
#include "net/unique_fd.h"

namespace sl::net {

// What a connect attempt has shown so far.
enum class ConnectOutcome : uint8_t {
    kPending,      // in progress; wait for writability
    kOpen,         // the handshake completed
    kRefused,      // RST (ECONNREFUSED)
    kUnreachable,  // ICMP unreachable or a local route refusal: reported as filtered
    kTimedOut,     // no answer: filtered
    kNoResources,  // the local machine ran out of fds or ports: try again later
};

struct ConnectStart {
    UniqueFd fd;  // valid unless the outcome is kNoResources
    ConnectOutcome outcome = ConnectOutcome::kPending;
};

// Opens a non-blocking socket with SO_LINGER 0 (close sends RST: no TIME_WAIT) and starts
// connecting to addr:port.
ConnectStart start_connect(const IpAddr& addr, uint16_t port);
// After writability: the result of the handshake, from SO_ERROR.
ConnectOutcome finish_connect(int fd);
// Maps a connect errno to an outcome.
ConnectOutcome outcome_of_errno(int err);

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
uint64_t raise_fd_limit();

}  // namespace sl::net
