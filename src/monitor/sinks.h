// Sending one message to one sink, and what counts as confirmed (docs/monitor.md, "What
// confirms a delivery"): a webhook's 2xx (Slack: the body "ok"; Discord: 200 with ?wait=true;
// Teams Workflows: 202; PagerDuty: 202), SMTP's 250 after DATA, a completed syslog write, and
// fsync for the file. Webhooks and mail go through libcurl with TLS verification on, no
// redirects, and the sink's timeout. Errors never quote a URL or a password.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "monitor/config.h"
#include "monitor/event.h"
#include "monitor/route.h"

namespace sl::monitor {

struct SendResult {
    bool ok = false;
    std::string error;                      // one line, for last_error
    std::optional<int64_t> retry_after_ms;  // the sink asked to wait (HTTP 429 Retry-After)
};

// Call once in main, before any thread sends (libcurl's global initialisation).
void init_senders();

SendResult send_message(const SinkConfig& sink, const Message& m, const std::vector<Event>& events,
                        size_t max_items, int64_t now_ms);

}  // namespace sl::monitor
