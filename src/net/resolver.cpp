#include "net/resolver.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>

namespace sl::net {

Result<std::vector<IpAddr>> resolve_host(const std::string& name) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* raw = nullptr;
    int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &raw);
    if (rc != 0) return make_error(gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(raw, ::freeaddrinfo);
    std::vector<IpAddr> out;
    for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
            out.push_back(IpAddr::v4(ntohl(sin->sin_addr.s_addr)));
        } else if (ai->ai_family == AF_INET6) {
            const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
            U128 v = 0;
            for (uint8_t b : sin6->sin6_addr.s6_addr) v = (v << 8) | b;
            out.push_back(IpAddr::v6(v));
        }
    }
    auto less = [](const IpAddr& a, const IpAddr& b) {
        return a.family != b.family ? a.family < b.family : a.value < b.value;
    };
    std::sort(out.begin(), out.end(), less);
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (out.empty()) return make_error("no IPv4 or IPv6 address");
    return out;
}

}  // namespace sl::net
