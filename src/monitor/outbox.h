// The outbox (docs/monitor.md, "Delivery"): a cycle's events, their messages and the cycle's
// mark go into the store in one transaction, so an event is either derived and queued, or not
// derived at all (and will be, from the same durable state, after a restart). A delivery is
// marked delivered only after its sink confirmed it; failures back off exponentially with full
// jitter, and after `dead_after` a delivery is parked as dead with its last error.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/result.h"
#include "monitor/config.h"
#include "monitor/diff.h"
#include "monitor/route.h"
#include "store/sqlite.h"

namespace sl::monitor {

// A cycle's row: written when the cycle starts, so a crash leaves it visible as running.
Status begin_cycle(store::Connection& db, const std::string& scope, const std::string& scan_id,
                   int64_t started_ms);
// Ends a cycle that will not be diffed (failed or interrupted scans).
Status end_cycle(store::Connection& db, const std::string& scan_id, const std::string& status,
                 int64_t ended_ms, const std::string& error);

// One transaction: the events, the messages, the notices, and the cycle marked completed and
// derived. Events are written whether held or not.
Status record_cycle(store::Connection& db, const CycleFacts& cycle,
                    const std::vector<DiffEvent>& events, const std::vector<Message>& messages);
// Events outside a cycle (scan_failed, scan_overdue, reminders) with their messages and
// notices, in one transaction.
Status record_events(store::Connection& db, const std::vector<DiffEvent>& events,
                     const std::vector<Message>& messages);

struct Delivery {
    int64_t id = 0;
    Message message;
    std::vector<Event> events;
    int64_t attempts = 0;
    int64_t created_at = 0;
};

// Pending deliveries due at `now`, oldest first.
Result<std::vector<Delivery>> due_deliveries(store::Connection& db, int64_t now, size_t limit);
// The earliest next attempt of a pending delivery, if any.
Result<std::optional<int64_t>> next_attempt(store::Connection& db);
Status mark_delivered(store::Connection& db, int64_t id, int64_t now);

// The delay before attempt n+1 (n from 1): full jitter over min(max, base * 2^(n-1)), and
// never sooner than a Retry-After the sink asked for.
int64_t backoff_ms(const DeliveryConfig& d, int64_t attempts, std::optional<int64_t> retry_after,
                   std::mt19937_64& rng);
// Records a failed attempt: the next attempt, or dead once dead_after has passed since the
// delivery was created. Returns true when it is now dead.
Result<bool> mark_failed(store::Connection& db, const Delivery& d, const DeliveryConfig& config,
                         const std::string& error, std::optional<int64_t> retry_after, int64_t now,
                         std::mt19937_64& rng);
// Dead deliveries back to pending (all, or the given message ids); how many.
Result<int64_t> retry_dead(store::Connection& db, const std::vector<std::string>& ids, int64_t now);

}  // namespace sl::monitor
