#include "monitor/outbox.h"

#include <fmt/format.h>

#include <algorithm>

namespace sl::monitor {

using store::Connection;
using store::SqlValue;
using store::Transaction;

namespace {

SqlValue text_or_null(const std::string& s) { return s.empty() ? SqlValue() : SqlValue(s); }

Status insert_events(Connection& db, const std::vector<DiffEvent>& events) {
    auto ins = db.prepare(
        "INSERT INTO events(id, event, time, scope, scan_id, ip, port, transport, rule, "
        "severity_rank, finding_id, episode, held, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?)");
    auto notice = db.prepare(
        "INSERT INTO monitor_notices(key, at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET at = "
        "excluded.at");
    if (!ins || !notice) return make_error("database: " + db.message());
    for (const auto& d : events) {
        const Event& e = d.event;
        Json body = e.to_json();
        if (!e.held.empty()) body["held"] = e.held;
        ins->bind_all({e.id, e.event, e.time, e.scope, text_or_null(e.scan_id), text_or_null(e.ip),
                       e.port ? SqlValue(int64_t{e.port}) : SqlValue(), text_or_null(e.transport),
                       text_or_null(e.rule),
                       e.severity_rank >= 0 ? SqlValue(int64_t{e.severity_rank}) : SqlValue(),
                       e.finding_id ? SqlValue(e.finding_id) : SqlValue(),
                       e.finding_id ? SqlValue(e.episode) : SqlValue(), text_or_null(e.held),
                       body.dump()});
        if (auto s = ins->run(); !s) return s;
        if (!d.notice.empty()) {
            notice->bind_all({d.notice, e.time});
            if (auto s = notice->run(); !s) return s;
        }
    }
    return Ok{};
}

Status insert_messages(Connection& db, const std::vector<Message>& messages, int64_t now) {
    auto ins = db.prepare(
        "INSERT INTO deliveries(message_id, sink, route, scope, kind, title, event_ids, status, "
        "created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)");
    if (!ins) return ins.error();
    for (const auto& m : messages) {
        ins->bind_all({m.id, m.sink, static_cast<int64_t>(m.route), m.scope, m.kind, m.title,
                       Json(m.event_ids).dump(), now, now});
        if (auto s = ins->run(); !s) return s;
    }
    return Ok{};
}

int64_t events_time(const std::vector<DiffEvent>& events, int64_t fallback) {
    return events.empty() ? fallback : events.front().event.time;
}

}  // namespace

Status begin_cycle(Connection& db, const std::string& scope, const std::string& scan_id,
                   int64_t started_ms) {
    auto n = db.update(
        "INSERT INTO monitor_cycles(scan_id, scope, started_at, status) VALUES (?, ?, ?, "
        "'running')",
        scan_id, scope, started_ms);
    return n ? Status(Ok{}) : Status(n.error());
}

Status end_cycle(Connection& db, const std::string& scan_id, const std::string& status,
                 int64_t ended_ms, const std::string& error) {
    auto n =
        db.update("UPDATE monitor_cycles SET status = ?, ended_at = ?, error = ? WHERE scan_id = ?",
                  status, ended_ms, text_or_null(error), scan_id);
    return n ? Status(Ok{}) : Status(n.error());
}

Status record_cycle(Connection& db, const CycleFacts& cycle, const std::vector<DiffEvent>& events,
                    const std::vector<Message>& messages) {
    auto tx = Transaction::begin(db);
    if (!tx) return tx.error();
    if (auto s = insert_events(db, events); !s) return s;
    if (auto s = insert_messages(db, messages, events_time(events, cycle.ended_ms)); !s) return s;
    auto n = db.update(
        "UPDATE monitor_cycles SET status = 'completed', ended_at = ?, baseline = ?, derived = 1 "
        "WHERE scan_id = ? AND derived = 0",
        cycle.ended_ms, int64_t{cycle.baseline}, cycle.scan_id);
    if (!n) return n.error();
    if (*n != 1) return make_error(fmt::format("cycle {} was already diffed", cycle.scan_id));
    return tx->commit();
}

Status record_events(Connection& db, const std::vector<DiffEvent>& events,
                     const std::vector<Message>& messages) {
    if (events.empty()) return Ok{};
    auto tx = Transaction::begin(db);
    if (!tx) return tx.error();
    if (auto s = insert_events(db, events); !s) return s;
    if (auto s = insert_messages(db, messages, events_time(events, 0)); !s) return s;
    return tx->commit();
}

Result<std::vector<Delivery>> due_deliveries(Connection& db, int64_t now, size_t limit) {
    auto st = db.prepare(
        "SELECT id, message_id, sink, route, scope, kind, title, event_ids, attempts, created_at "
        "FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY "
        "next_attempt_at, id LIMIT ?");
    auto body = db.prepare("SELECT body FROM events WHERE id = ?");
    if (!st || !body) return make_error("database: " + db.message());
    st->bind_all({now, static_cast<int64_t>(limit)});
    std::vector<Delivery> out;
    while (true) {
        auto row = st->step();
        if (!row) return row.error();
        if (!*row) break;
        Delivery d;
        d.id = st->integer(0);
        d.message = {st->text(1), static_cast<size_t>(st->integer(3)),
                     st->text(2), st->text(4),
                     st->text(5), st->text(6),
                     {}};
        Json ids = Json::parse(st->text(7), nullptr, false);
        if (ids.is_array())
            for (const auto& i : ids)
                if (i.is_string()) d.message.event_ids.push_back(i.get<std::string>());
        d.attempts = st->integer(8);
        d.created_at = st->integer(9);
        out.push_back(std::move(d));
    }
    for (auto& d : out)
        for (const auto& id : d.message.event_ids) {
            body->bind_all({id});
            auto row = body->step();
            if (!row) return row.error();
            if (*row) {
                Json j = Json::parse(body->text(0), nullptr, false);
                if (!j.is_discarded()) d.events.push_back(Event::from_json(j));
            }
            body->reset();
        }
    return out;
}

Result<std::optional<int64_t>> next_attempt(Connection& db) {
    auto st = db.prepare("SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'");
    if (!st) return st.error();
    st->bind_all({});
    auto row = st->step();
    if (!row) return row.error();
    std::optional<int64_t> at;
    if (*row && !st->is_null(0)) at = st->integer(0);
    st->reset();
    return at;
}

Status mark_delivered(Connection& db, int64_t id, int64_t now) {
    auto n = db.update(
        "UPDATE deliveries SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, "
        "last_error = NULL WHERE id = ?",
        now, id);
    return n ? Status(Ok{}) : Status(n.error());
}

int64_t backoff_ms(const DeliveryConfig& d, int64_t attempts, std::optional<int64_t> retry_after,
                   std::mt19937_64& rng) {
    int64_t cap = d.retry_base_ms;
    for (int64_t i = 1; i < attempts && cap < d.retry_max_ms; ++i) cap *= 2;
    cap = std::min(cap, d.retry_max_ms);
    int64_t delay = std::uniform_int_distribution<int64_t>(0, cap)(rng);
    if (retry_after) delay = std::max(delay, std::min(*retry_after, d.retry_max_ms));
    return delay;
}

Result<bool> mark_failed(Connection& db, const Delivery& d, const DeliveryConfig& config,
                         const std::string& error, std::optional<int64_t> retry_after, int64_t now,
                         std::mt19937_64& rng) {
    int64_t attempts = d.attempts + 1;
    int64_t next = now + backoff_ms(config, attempts, retry_after, rng);
    bool dead = next - d.created_at > config.dead_after_ms;
    auto n = db.update(
        "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? "
        "WHERE id = ?",
        std::string(dead ? "dead" : "pending"), attempts, next, error.substr(0, 500), d.id);
    if (!n) return n.error();
    return dead;
}

Result<int64_t> retry_dead(Connection& db, const std::vector<std::string>& ids, int64_t now) {
    if (ids.empty())
        return db.update(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, created_at = ? WHERE "
            "status = 'dead'",
            now, now);
    int64_t total = 0;
    for (const auto& id : ids) {
        auto n = db.update(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, created_at = ? WHERE "
            "status = 'dead' AND message_id = ?",
            now, now, id);
        if (!n) return n.error();
        total += *n;
    }
    return total;
}

}  // namespace sl::monitor
