// Hostname resolution through the system resolver (getaddrinfo: /etc/hosts, then DNS).
#pragma once

#include <string>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace sl::net {

// Every IPv4 and IPv6 address of a host name, deduplicated, or an error that says why not.
Result<std::vector<IpAddr>> resolve_host(const std::string& name);

}  // namespace sl::net
