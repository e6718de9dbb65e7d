// Exit codes that scripts can trust (DESIGN.md section 7).
#pragma once

namespace sl::app {

inline constexpr int kExitOk = 0;        // finished; warnings allowed
inline constexpr int kExitFailure = 1;   // runtime failure
inline constexpr int kExitUsage = 2;     // usage error or bad input; nothing was sent
inline constexpr int kExitFindings = 3;  // --fail-on: a finding at or above that severity
inline constexpr int kExitNotFound = 4;  // host, findings ack...: the asked-for thing is not stored
inline constexpr int kExitSigint = 130;  // interrupted by SIGINT after saving what it had
inline constexpr int kExitSigterm = 143;  // interrupted by SIGTERM after saving what it had

inline constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0    finished (warnings allowed)\n"
    "  1    runtime failure (cannot write output, out of sockets, ...)\n"
    "  2    usage error or bad input (bad target, port, range, file or flag); nothing is sent\n"
    "  3    only with --fail-on SEVERITY: the scan finished with a finding that severe or worse\n"
    "  4    host: the address is not in the store\n"
    "  130  interrupted by SIGINT (Ctrl-C) after writing what it had\n"
    "  143  interrupted by SIGTERM after writing what it had\n";

}  // namespace sl::app
