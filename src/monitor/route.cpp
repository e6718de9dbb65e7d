#include "monitor/route.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/clock.h"

namespace sl::monitor {

namespace {

bool any_tag(const std::set<std::string>& wanted, const std::vector<std::string>& tags) {
    return std::any_of(tags.begin(), tags.end(), [&](const auto& t) { return wanted.count(t); });
}

void silence(const MonitorConfig& config, Event& e, int64_t now) {
    if (!e.held.empty() || e.ip.empty()) return;
    auto ip = parse_ip(e.ip);
    if (!ip) return;
    for (const auto& s : config.silences)
        if (s.matches(*ip, static_cast<uint16_t>(e.port), e.rule, now)) {
            e.held = fmt::format("silenced: {} (by {}, until {})", s.reason,
                                 s.by.empty() ? "config" : s.by, rfc3339_ms(s.expires_ms));
            return;
        }
}

std::string digest_title(const std::string& scope, size_t n, bool baseline) {
    return baseline ? fmt::format("baseline of scope {}: {} events", scope, n)
                    : fmt::format("scope {}: {} events", scope, n);
}

}  // namespace

bool route_matches(const RouteMatch& m, const Event& e) {
    if (!m.events.empty() && !m.events.count(e.event)) return false;
    if (m.severity && (e.severity_rank < 0 || !m.severity->matches(e.severity_rank))) return false;
    if (!m.scopes.empty() && !m.scopes.count(e.scope)) return false;
    if (!m.tags.empty() && !any_tag(m.tags, e.tags)) return false;
    if (!m.rules.empty() && !m.rules.count(e.rule)) return false;
    if (!m.categories.empty() && !m.categories.count(e.category)) return false;
    return true;
}

std::vector<Message> route_events(const MonitorConfig& config, std::vector<Event*>& events,
                                  bool baseline, int64_t now) {
    // per route: the events it took, in order
    std::vector<std::vector<const Event*>> taken(config.routes.size());
    for (Event* e : events) {
        silence(config, *e, now);
        if (!e->held.empty()) continue;
        for (const auto& r : config.routes) {
            if (!route_matches(r.match, *e)) continue;
            taken[r.index].push_back(e);
            if (!r.continue_) break;
        }
    }
    std::vector<Message> out;
    for (const auto& r : config.routes) {
        const auto& list = taken[r.index];
        if (list.empty()) continue;
        for (const auto& sink : r.sinks) {
            auto it = config.sinks.find(sink);
            bool paged = it != config.sinks.end() && it->second.type == SinkType::kWebhook &&
                         it->second.format == WebhookFormat::kPagerDuty;  // one incident each
            if ((r.group || baseline) && !paged) {
                Message m{new_scan_id(),
                          r.index,
                          sink,
                          list.front()->scope,
                          "digest",
                          digest_title(list.front()->scope, list.size(), baseline),
                          {}};
                for (const Event* e : list) m.event_ids.push_back(e->id);
                out.push_back(std::move(m));
                continue;
            }
            for (const Event* e : list)
                out.push_back({new_scan_id(), r.index, sink, e->scope, "event", e->title, {e->id}});
        }
    }
    return out;
}

}  // namespace sl::monitor
