#include "store/search.h"

#include <fmt/format.h>

#include <map>

#include "core/clock.h"
#include "store/record_merge.h"

namespace sl::store {

namespace {

using query::Compiled;
using query::Target;

constexpr const char* kHoneypot =
    "EXISTS (SELECT 1 FROM hosts h WHERE h.ip_key = s.ip_key AND h.honeypot_suspected = 1)";

// How one facet key is counted: its expression, and whether it needs the findings table.
struct FacetSql {
    std::string expr;
    std::string join;  // extra JOIN, with a '?' for the bound path when needed
    std::vector<SqlValue> join_params;
    // Or the findings first: for a finding key over current services, every live finding is
    // read from its index and its service by row id (a third of the time of the plan SQLite
    // picks, which walks every service and looks for its findings). The condition follows
    // the query's: put first, it deepened SQLite's parser stack enough that 44 nested
    // negations overflowed it (a fuzzer find, kept in the query corpus).
    std::string lead, lead_condition;
};

const std::vector<std::string>& facet_keys() {
    static const std::vector<std::string> keys = {
        "port",  "protocol", "product",  "version", "access",   "tls",   "transport",
        "state", "ip",       "severity", "rule",    "category", "status"};
    return keys;
}

bool is_finding_key(const std::string& k) {
    return k == "severity" || k == "rule" || k == "category" || k == "status";
}

FacetSql facet_sql(const FacetSpec& f, const Compiled& q, Target target) {
    const std::string& st = q.state;
    if (is_finding_key(f.key)) {
        if (target == Target::kFindings) return {"f." + f.key, "", {}, "", ""};
        if (st == "s")
            return {"f." + f.key,
                    "",
                    {},
                    "findings f CROSS JOIN ",
                    " AND f.service_id = s.id AND f.status != 'resolved'"};
        return {"f." + f.key,
                "JOIN findings f ON f.service_id = s.id AND f.status != 'resolved'",
                {},
                "",
                ""};
    }
    if (f.key == "state") return {"s.state", "", {}, "", ""};
    if (f.key == "ip") return {"s.ip", "", {}, "", ""};
    if (f.key == "tls")
        return {fmt::format("CASE {}.tls WHEN 1 THEN 'true' ELSE 'false' END", st), "", {}, "", ""};
    if (std::find(facet_keys().begin(), facet_keys().end(), f.key) != facet_keys().end())
        return {fmt::format("{}.{}", st, f.key), "", {}, "", ""};
    std::string path = "$." + f.key;
    if (query::registry_field_type(f.key) == grab::FieldType::kStringList)
        return {"je.value", fmt::format("JOIN json_each({}.record, ?) je", st), {path}, "", ""};
    return {fmt::format("json_extract({}.record, '{}')", st, path),
            "",
            {},
            "",
            ""};  // path: a registry name
}

std::string row_id(const Compiled& q, Target target) {
    if (target == Target::kFindings) return "f.id";
    return q.state == "o" ? "o.id" : "s.id";
}

Result<std::vector<Facet>> run_facets(Connection& db, const Compiled& q, Target target,
                                      const std::vector<FacetSpec>& specs) {
    std::vector<Facet> out;
    for (const auto& spec : specs) {
        FacetSql f = facet_sql(spec, q, target);
        // a join (findings, list elements) may repeat a row: count it once per value
        std::string counted = f.join.empty() && f.lead.empty()
                                  ? "count(*)"
                                  : "count(DISTINCT " + row_id(q, target) + ")";
        // a findings facet on a service's field (product) needs the service joined
        const std::string& from =
            target == Target::kFindings && !is_finding_key(spec.key) ? q.joined_from : q.from;
        std::string sql = fmt::format(
            "SELECT v, c, sum(c) OVER () FROM (SELECT {0} AS v, {1} AS c FROM {5}{2} "
            "{3} WHERE {4}{6} AND {0} IS NOT NULL GROUP BY v) ORDER BY c DESC, v LIMIT ?",
            f.expr, counted, from, f.join, q.where, f.lead, f.lead_condition);
        auto st = db.prepare(sql);
        if (!st) return st.error();
        std::vector<SqlValue> params = f.join_params;
        params.insert(params.end(), q.params.begin(), q.params.end());
        params.push_back(static_cast<int64_t>(std::min(spec.top, kMaxFacetBuckets)));
        st->bind_all(params);
        Facet facet{spec.key, {}, 0};
        int64_t all = 0, shown = 0;
        while (true) {
            auto row = st->step();
            if (!row) return row.error();
            if (!*row) break;
            SqlValue v = st->value(0);
            std::string text = std::holds_alternative<std::string>(v) ? std::get<std::string>(v)
                               : std::holds_alternative<int64_t>(v)
                                   ? std::to_string(std::get<int64_t>(v))
                                   : fmt::format("{}", st->real(0));
            facet.buckets.push_back({text, st->integer(1)});
            shown += st->integer(1);
            all = st->integer(2);
        }
        facet.other = all - shown;
        out.push_back(std::move(facet));
    }
    return out;
}

// The number of matches, or count_up_to + 1 when there are more than count_up_to. Whether
// there are more is asked first, as whether a row lies past count_up_to of them: SQLite skips
// an OFFSET in three steps a row, where counting rows under a LIMIT takes eight.
Result<int64_t> count_rows(Connection& db, const Compiled& q, int64_t count_up_to) {
    std::string count = fmt::format("SELECT count(*) FROM {} WHERE {}", q.from, q.where);
    if (count_up_to <= 0) return db.scalar(count, q.params);
    std::vector<SqlValue> params = q.params;
    params.emplace_back(count_up_to);
    auto more = db.scalar(
        fmt::format("SELECT EXISTS (SELECT 1 FROM {} WHERE {} LIMIT 1 OFFSET ?)", q.from, q.where),
        params);
    if (!more) return more.error();
    if (*more) return count_up_to + 1;
    return db.scalar(count, q.params);
}

Status count_into(Connection& db, const Compiled& q, const SearchOptions& o, SearchResult& r) {
    auto total = count_rows(db, q, o.count_up_to);
    if (!total) return total.error();
    r.total_is_lower_bound = o.count_up_to > 0 && *total > o.count_up_to;
    r.total = r.total_is_lower_bound ? o.count_up_to : *total;
    return Ok{};
}

// The sort keys, each ending in the row id so that the order is total (a cursor then names
// one place in it). "Newest" is the newest state first (state_since: when a service entered
// its current state), which the port, product and protocol indexes hold in that order, so a
// search by one of them reads its page off the index and stops.
struct SortColumn {
    std::string expr;
    bool desc = false;
};
using SortKey = std::vector<SortColumn>;

SortKey sort_key(Sort sort, const Compiled& q, Target target) {
    const std::string& st = q.state;
    bool findings = target == Target::kFindings;
    std::string id = row_id(q, target);
    // a finding holds its service's address: its order needs no service row
    std::string ip = findings ? "f.ip_key" : "s.ip_key", port = findings ? "f.port" : "s.port";
    switch (sort) {
        case Sort::kFirstSeen:
            return {{(findings ? "f" : st) + ".first_seen", true}, {ip}, {port}, {id}};
        case Sort::kOldest:  // the longest known first
            return {{(findings ? "f" : st) + ".first_seen"}, {ip}, {port}, {id}};
        case Sort::kAddress:
            return {{ip}, {port}, {id}};
        case Sort::kPort:
            return {{findings ? port : st + ".port"}, {ip}, {id}};
        case Sort::kSeverity:
            if (findings)
                return {{"f.severity_rank", true}, {"f.ip_key"}, {"f.port"}, {"f.rule"}, {id}};
            return {{ip}, {port}, {id}};
        case Sort::kLastSeen:
            return {
                {findings ? "f.last_seen" : query::last_seen_column(st), true}, {ip}, {port}, {id}};
        case Sort::kNewest:
        default:  // the newest state first: a service's state_since is its observation's start
            if (findings) return {{"f.last_seen", true}, {ip}, {port}, {id}};
            return {{st == "o" ? "o.first_seen" : "s.state_since", true}, {ip}, {port}, {id}};
    }
}

std::string order_sql(const SortKey& key) {
    std::vector<std::string> parts;
    for (const auto& c : key) parts.push_back(c.desc ? c.expr + " DESC" : c.expr);
    return fmt::format("{}", fmt::join(parts, ", "));
}

std::string key_columns(const SortKey& key) {
    std::string out;
    for (const auto& c : key) out += ", " + c.expr;
    return out;
}

// "Strictly after this key" in SQLite's order (NULLs first ascending, last descending), as
// (k1 after) OR (k1 IS v1 AND k2 after) OR ...; the values are bound, never spliced.
struct After {
    std::string sql = "1";
    std::vector<SqlValue> params;
};

Result<After> after_sql(const SortKey& key, const std::optional<std::vector<SqlValue>>& values) {
    After out;
    if (!values) return out;
    if (values->size() != key.size()) return make_error("cursor: not one this server gave");
    std::vector<std::string> alternatives;
    for (size_t i = 0; i < key.size(); ++i) {
        std::string alt;
        for (size_t j = 0; j < i; ++j) {
            alt += key[j].expr + " IS ? AND ";
            out.params.push_back((*values)[j]);
        }
        bool null = std::holds_alternative<std::monostate>((*values)[i]);
        const std::string& e = key[i].expr;
        if (null) {
            alt += key[i].desc ? "0" : e + " IS NOT NULL";
        } else {
            alt += key[i].desc ? fmt::format("({0} < ? OR {0} IS NULL)", e) : e + " > ?";
            out.params.push_back((*values)[i]);
        }
        alternatives.push_back("(" + alt + ")");
    }
    out.sql = fmt::format("({})", fmt::join(alternatives, " OR "));
    return out;
}

// The cursor for the next page: the key of the last row shown, when more rows follow.
std::optional<std::vector<SqlValue>> next_key(const Statement& st, int first_col, size_t n) {
    std::vector<SqlValue> key;
    for (size_t i = 0; i < n; ++i) key.push_back(st.value(first_col + static_cast<int>(i)));
    return key;
}

// The active findings of a page's services, most severe first, by service row id: one
// statement for the page (one per service cost a sixth of a page's time).
Result<std::map<int64_t, Json>> findings_of(Connection& db, const std::vector<int64_t>& ids) {
    auto st = db.prepare(
        "SELECT service_id, id, rule, severity, status, category, title, evidence, remediation, "
        "first_seen FROM findings WHERE service_id IN (SELECT value FROM json_each(?)) AND "
        "status != 'resolved' ORDER BY service_id, severity_rank DESC, rule");
    if (!st) return st.error();
    st->bind_all({Json(ids).dump()});
    std::map<int64_t, Json> out;
    auto done = each_row(*st, [&](Statement& f) {
        auto& list = out.try_emplace(f.integer(0), Json::array()).first->second;
        list.push_back({{"id", f.integer(1)},
                        {"rule", f.text(2)},
                        {"severity", f.text(3)},
                        {"status", f.text(4)},
                        {"category", f.text(5)},
                        {"title", f.text(6)},
                        {"evidence", Json::parse(f.text(7), nullptr, false)},
                        {"remediation", f.text(8)},
                        {"first_seen", time_json(f, 9)}});
    });
    if (!done) return done.error();
    return out;
}

// The page's parameters: the query's, the cursor's, then one row more than the page (it says
// whether another page follows) and the offset.
std::vector<SqlValue> page(const Compiled& q, const After& after, const SearchOptions& o) {
    std::vector<SqlValue> p = q.params;
    p.insert(p.end(), after.params.begin(), after.params.end());
    p.push_back(static_cast<int64_t>(std::min(o.limit, kMaxPageSize) + 1));
    p.push_back(static_cast<int64_t>(o.offset));
    return p;
}

// How long a plan may run before the search tries another (a step of SQLite's is 10 to 20 ns
// here). The planner's plan for many matches either reads its page off an index in page order
// at once (port:6379: 51 entries, 20 us) or sorts them all, so it gets a tenth of a
// millisecond (a quarter cost net:10.17.0.0/16 a sixth of its request); the walk of the newest
// gets time to read a few thousand index entries.
constexpr int64_t kQuickBudgetNs = 100'000;
constexpr int64_t kPlanBudgetNs = 1'000'000;
// Matches are "many" from this count (the API counts to 10,000): a page of them is at most
// 1 in 200 of the entries of a store of 1M services, which the walk of the newest reads fast.
constexpr int64_t kManyMatches = 10'000;
// And "few" up to this one: sorting them costs less than trying a plan in page order.
constexpr int64_t kFewMatches = 1'000;

// A page of services in the order asked. The page is chosen over narrow rows first (ids in
// order), then only its rows are read whole: sorting 50,000 matches with their records
// attached costs four times as much.
struct ServicePage {
    std::vector<std::pair<int64_t, Json>> rows;  // row id, the row without its record
    std::vector<std::string> records;            // each row's latest record, as JSON text
    std::optional<std::vector<SqlValue>> next;
};

struct ServicePages {
    Connection& db;
    const Compiled& q;
    const SearchOptions& o;
    int64_t matches;  // as counted (a count that stopped at its limit is at least this)
    SortKey key;
    After after;

    // The page: its ids, then their rows whole.
    Result<ServicePage> read() {
        auto ids = page_ids();
        if (!ids) return ids.error();
        const std::string& st = q.state;
        std::string sql = fmt::format(
            "SELECT s.id, s.ip, s.port, s.transport, s.state, {0}.protocol, {0}.product, "
            "{0}.version, {0}.access, {0}.tls, s.first_seen, g.last_seen, s.gone_at, {0}.record, "
            "{0}.first_seen, {4}, {1}, {2}, {5}{6} FROM {3} WHERE {0}.id IN (SELECT value FROM "
            "json_each(?)) ORDER BY {7}",
            st, st == "o" ? "o.ended_at" : "NULL", kHoneypot, q.rows_from,
            query::last_seen_column(st), query::volatile_column(st), key_columns(key),
            order_sql(key));
        auto rows = db.prepare(sql);
        if (!rows) return rows.error();
        rows->bind_all({Json(*ids).dump()});
        auto out = read_rows(*rows);
        rows->reset();  // stopped at the row beyond the page: release the snapshot
        return out;
    }

    // Which plan finds the page's ids. Three can, and the count taken before the page says
    // which to try:
    // - the planner's, best when an index holds the matches in page order (port:6379 reads 51
    //   index entries and stops);
    // - the walk of the newest services (services_newest), keeping the matches: when they are
    //   many and in no order of their own (net:10.0.0.0/8, which the planner sorts whole), it
    //   stops at the page after a few hundred entries;
    // - the matches found by the condition's best index, sorted: when they are few. The
    //   planner may walk an index in page order in which they are rare instead (port:80 with
    //   net:10.1.2.0/24: every port 80 service is read for 20).
    // Many matches: the planner's within kQuickBudgetNs, the walk within kPlanBudgetNs, then
    // sorted. Between few and many: the planner's within kPlanBudgetNs, then sorted. Few:
    // sorted. A wrong guess costs its budget; every plan gives the same rows (the order is
    // total).
    Result<std::vector<int64_t>> page_ids() {
        if (o.sort != Sort::kNewest || q.newest_from.empty())
            return ids_from(o.sort == Sort::kLastSeen ? q.rows_from : q.from, false);
        bool many = matches >= kManyMatches;
        if (!many && matches <= kFewMatches) return ids_from(q.from, true);
        struct Try {
            const std::string* from;
            int64_t budget_ns;
        };
        std::vector<Try> tries = {{&q.from, many ? kQuickBudgetNs : kPlanBudgetNs}};
        if (many) tries.push_back({&q.newest_from, kPlanBudgetNs});
        for (const Try& t : tries) {
            TimeBudget budget(db, t.budget_ns);
            auto ids = ids_from(*t.from, false);
            if (ids || !budget.exhausted()) return ids;
        }
        return ids_from(q.from, true);
    }

    // The ids of the page and of the row beyond it, in order. sorted: no index may give them
    // their order (the first key is written +x, which is x but not a column), so the planner
    // picks the index that best narrows the condition.
    Result<std::vector<int64_t>> ids_from(const std::string& from, bool sorted) {
        auto st = db.prepare(
            fmt::format("SELECT {}.id FROM {} WHERE {} AND {} ORDER BY {}{} "
                        "LIMIT ? OFFSET ?",
                        q.state, from, q.where, after.sql, sorted ? "+" : "", order_sql(key)));
        if (!st) return st.error();
        st->bind_all(page(q, after, o));
        std::vector<int64_t> ids;
        auto done = each_row(*st, [&](Statement& row) { ids.push_back(row.integer(0)); });
        st->reset();  // interrupted, perhaps: release it
        if (!done) return done.error();
        return ids;
    }

    Result<ServicePage> read_rows(Statement& rows) {
        ServicePage out;
        RecordMerger merger;
        std::optional<std::vector<SqlValue>> last_key;
        const size_t limit = std::min(o.limit, kMaxPageSize);
        while (true) {
            auto row = rows.step();
            if (!row) return row.error();
            if (!*row) return out;
            if (out.rows.size() == limit) {  // the row beyond the page: another page follows
                out.next = limit ? last_key : std::nullopt;
                return out;
            }
            last_key = next_key(rows, 19, key.size());
            out.rows.emplace_back(rows.integer(0), service_json(rows));
            // the latest record: the state's, with its last sighting's volatile fields merged
            // in (RFC 7396, as the store wrote them)
            out.records.push_back(merger.merged(
                rows.text(13),
                rows.is_null(18) ? std::nullopt : std::optional<std::string>(rows.text(18))));
        }
    }

    Json service_json(const Statement& rows) const {
        Json j;
        j["ip"] = rows.text(1);
        j["port"] = rows.integer(2);
        j["transport"] = rows.text(3);
        j["state"] = rows.text(4);
        j["protocol"] = rows.text(5);
        j["product"] = rows.is_null(6) ? Json(nullptr) : Json(rows.text(6));
        j["version"] = rows.is_null(7) ? Json(nullptr) : Json(rows.text(7));
        j["access"] = rows.text(8);
        j["tls"] = rows.integer(9) != 0;
        j["first_seen"] = time_json(rows, 10);
        j["last_seen"] = time_json(rows, 11);
        j["gone_at"] = time_json(rows, 12);
        if (q.state == "o")
            j["observation"] = {{"first_seen", time_json(rows, 14)},
                                {"last_seen", time_json(rows, 15)},
                                {"ended_at", time_json(rows, 16)}};
        j["honeypot_suspected"] = rows.integer(17) != 0;
        return j;
    }
};

}  // namespace

void attach_records(SearchResult& r) {
    for (size_t i = 0; i < r.records.size() && i < r.rows.size(); ++i) {
        Json record = Json::parse(r.records[i], nullptr, false);
        r.rows[i]["record"] = record.is_discarded() ? Json() : std::move(record);
    }
    r.records.clear();
}

std::string rows_text(const SearchResult& r) {
    std::string out = "[";
    for (size_t i = 0; i < r.rows.size(); ++i) {
        if (i) out += ',';
        std::string row = r.rows[i].dump(-1, ' ', false, Json::error_handler_t::replace);
        if (i < r.records.size() && row.size() > 2 && row.back() == '}') {
            row.back() = ',';
            row += "\"record\":";
            row += r.records[i];
            row += '}';
        }
        out += row;
    }
    return out + "]";
}

Json time_json(const Statement& st, int col) {
    if (st.is_null(col)) return nullptr;
    return rfc3339_ms(st.integer(col));
}

Result<std::vector<FacetSpec>> parse_facets(std::string_view text) {
    std::vector<FacetSpec> out;
    size_t start = 0;
    while (start <= text.size() && !text.empty()) {
        size_t comma = text.find(',', start);
        std::string item(
            text.substr(start, comma == std::string_view::npos ? comma : comma - start));
        FacetSpec f;
        f.column = static_cast<int>(start) + 1;
        if (auto colon = item.find(':'); colon != std::string::npos) {
            std::string n = item.substr(colon + 1);
            if (n.empty() || n.size() > 3 ||
                n.find_first_not_of("0123456789") != std::string::npos || std::stoul(n) == 0 ||
                std::stoul(n) > kMaxFacetBuckets)
                return make_error(
                    fmt::format("--facet:{}: '{}': the count after ':' must be 1 to {}",
                                start + colon + 2, item, kMaxFacetBuckets));
            f.top = std::stoul(n);
            item = item.substr(0, colon);
        }
        f.key = item;
        bool known =
            std::find(facet_keys().begin(), facet_keys().end(), item) != facet_keys().end();
        auto type = query::registry_field_type(item);
        if (!known && (!type || *type == grab::FieldType::kObject))
            return make_error(
                fmt::format("--facet:{}: unknown facet '{}': use {} or a record field "
                            "(searchlight fields)",
                            f.column, item, fmt::join(facet_keys(), ", ")));
        out.push_back(std::move(f));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

Result<Sort> parse_sort(std::string_view text) {
    if (text == "newest") return Sort::kNewest;
    if (text == "last_seen") return Sort::kLastSeen;
    if (text == "first_seen") return Sort::kFirstSeen;
    if (text == "oldest") return Sort::kOldest;
    if (text == "ip" || text == "address") return Sort::kAddress;
    if (text == "port") return Sort::kPort;
    if (text == "severity") return Sort::kSeverity;
    return make_error(fmt::format(
        "--sort '{}': use newest, last_seen, first_seen, oldest, ip, port or severity", text));
}

Result<SearchResult> search_services(Connection& db, const Compiled& q, const SearchOptions& o) {
    auto snapshot = Transaction::snapshot(db);
    if (!snapshot) return snapshot.error();
    SearchResult r;
    if (auto c = count_into(db, q, o, r); !c) return c.error();
    ServicePages pages{db, q, o, r.total, sort_key(o.sort, q, Target::kServices), {}};
    auto after = after_sql(pages.key, o.after);
    if (!after) return after.error();
    pages.after = std::move(*after);
    auto page = pages.read();
    if (!page) return page.error();
    r.next = std::move(page->next);
    std::vector<int64_t> ids;
    for (const auto& row : page->rows) ids.push_back(row.first);
    auto findings = findings_of(db, ids);
    if (!findings) return findings.error();
    for (auto& [id, j] : page->rows) {
        auto f = findings->find(id);
        j["findings"] = f == findings->end() ? Json::array() : std::move(f->second);
        r.rows.push_back(std::move(j));
    }
    r.records = std::move(page->records);
    auto facets = run_facets(db, q, Target::kServices, o.facets);
    if (!facets) return facets.error();
    r.facets = std::move(*facets);
    return r;
}

Result<SearchResult> search_findings(Connection& db, const Compiled& q, const SearchOptions& o) {
    auto snapshot = Transaction::snapshot(db);
    if (!snapshot) return snapshot.error();
    SearchResult r;
    if (auto c = count_into(db, q, o, r); !c) return c.error();
    SortKey key =
        sort_key(o.sort == Sort::kNewest ? Sort::kSeverity : o.sort, q, Target::kFindings);
    auto after = after_sql(key, o.after);
    if (!after) return after.error();
    // The page is chosen over the findings alone (ids in order, off an index when the sort
    // has one), then only its rows are read with their service's columns.
    std::string sql = fmt::format(
        "SELECT f.id, f.fingerprint, f.ip, f.port, f.transport, f.rule, f.category, f.severity, "
        "f.title, f.evidence, f.remediation, f.status, f.first_seen, f.last_seen, f.resolved_at, "
        "f.reopen_count, f.reason, f.actor, f.until, s.protocol, s.product, {0}{1} FROM {2} "
        "WHERE f.id IN (SELECT f.id FROM {3} WHERE {4} AND {5} ORDER BY {6} LIMIT ? OFFSET ?) "
        "ORDER BY {6}",
        kHoneypot, key_columns(key), q.joined_from, q.from, q.where, after->sql, order_sql(key));
    auto rows = db.prepare(sql);
    if (!rows) return rows.error();
    rows->bind_all(page(q, *after, o));
    const size_t limit = std::min(o.limit, kMaxPageSize);
    std::optional<std::vector<SqlValue>> last_key;
    while (true) {
        auto row = rows->step();
        if (!row) return row.error();
        if (!*row) break;
        if (r.rows.size() == limit) {  // the row beyond the page: another page follows
            r.next = limit ? last_key : std::nullopt;
            break;
        }
        last_key = next_key(*rows, 22, key.size());
        Json j;
        j["id"] = rows->integer(0);
        j["fingerprint"] = rows->text(1);
        j["ip"] = rows->text(2);
        j["port"] = rows->integer(3);
        j["transport"] = rows->text(4);
        j["rule"] = rows->text(5);
        j["category"] = rows->text(6);
        j["severity"] = rows->text(7);
        j["title"] = rows->text(8);
        j["evidence"] = Json::parse(rows->text(9), nullptr, false);
        j["remediation"] = rows->text(10);
        j["status"] = rows->text(11);
        j["first_seen"] = time_json(*rows, 12);
        j["last_seen"] = time_json(*rows, 13);
        j["resolved_at"] = time_json(*rows, 14);
        int64_t end = rows->is_null(14) ? o.now_ms : rows->integer(14);
        j["open_for_s"] = std::max<int64_t>(0, (end - rows->integer(12)) / 1000);
        j["reopen_count"] = rows->integer(15);
        j["reason"] = rows->is_null(16) ? Json(nullptr) : Json(rows->text(16));
        j["actor"] = rows->is_null(17) ? Json(nullptr) : Json(rows->text(17));
        j["until"] = time_json(*rows, 18);
        j["protocol"] = rows->text(19);
        j["product"] = rows->is_null(20) ? Json(nullptr) : Json(rows->text(20));
        j["honeypot_suspected"] = rows->integer(21) != 0;
        r.rows.push_back(std::move(j));
    }
    rows->reset();  // stopped at the row beyond the page: release the snapshot
    auto facets = run_facets(db, q, Target::kFindings, o.facets);
    if (!facets) return facets.error();
    r.facets = std::move(*facets);
    return r;
}

}  // namespace sl::store
