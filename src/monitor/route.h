// Routing (docs/monitor.md, "Routes"): each event meets the routes in order, like
// Alertmanager's: the first that matches takes it, and `continue: true` lets it fall through to
// the next. A silenced or held event is stored, never routed. A route sends one message per
// event to each of its sinks, or, grouped (and always for a scope's baseline cycle), one
// message per scope and cycle listing at most max_items events and how many more.
#pragma once

#include <string>
#include <vector>

#include "monitor/config.h"
#include "monitor/event.h"

namespace sl::monitor {

struct Message {
    std::string id;  // UUIDv7: the delivery's own id
    size_t route = 0;
    std::string sink;
    std::string scope;
    std::string kind;  // event | digest
    std::string title;
    std::vector<std::string> event_ids;
    // What receivers deduplicate by: the event's id for one event, the message's for a digest.
    std::string dedup_id() const { return kind == "event" ? event_ids.front() : id; }
};

bool route_matches(const RouteMatch& m, const Event& e);

// Marks silenced events (held = "silenced: reason (by, until)") and returns the messages.
std::vector<Message> route_events(const MonitorConfig& config, std::vector<Event*>& events,
                                  bool baseline, int64_t now_ms);

}  // namespace sl::monitor
