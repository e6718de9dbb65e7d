#include "store/query/compile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include "core/clock.h"
#include "core/duration.h"
#include "core/ip.h"
#include "grab/registry.h"
#include "store/fingerprint.h"
#include "store/store.h"

namespace sl::store::query {

namespace {

constexpr const char* kLastSeen = "{}.last_seen";  // see last_seen_column()
constexpr const char* kSightings = " JOIN sightings g ON g.service_id = s.id";

using grab::FieldType;

// How a key's values are read and compared.
enum class Kind : uint8_t {
    kIp,
    kNet,
    kPort,
    kText,
    kTextNoCase,
    kVersion,
    kBool,
    kSeverity,
    kFindingText,
    kStatus,
    kHoneypot,
    kTime,
    kCertTime,
    kCertExpired,
    kScan,
    kState,
    kEnum,
    kClosedEnum,  // the column holds nothing but the vocabulary (the store writes no other)
    kMeta
};

struct KeySpec {
    Kind kind;
    std::string column;                // an SQL expression; "{}" stands for the state alias
    std::vector<std::string> allowed;  // kEnum, kStatus, kState: the vocabulary
};

const std::map<std::string, KeySpec>& builtin() {
    static const std::map<std::string, KeySpec> keys = {
        {"ip", {Kind::kIp, "{}.ip_key", {}}},
        {"net", {Kind::kNet, "{}.ip_key", {}}},
        {"port", {Kind::kPort, "{}.port", {}}},
        {"transport", {Kind::kEnum, "{}.transport", {"tcp"}}},
        {"protocol", {Kind::kTextNoCase, "{}.protocol", {}}},
        {"product", {Kind::kTextNoCase, "{}.product", {}}},
        {"version", {Kind::kVersion, "{}.version", {}}},
        {"access",
         {Kind::kClosedEnum,
          "{}.access",
          {"open", "auth_required", "partial", "denied", "unknown"}}},
        {"tls", {Kind::kBool, "{}.tls", {}}},
        {"severity", {Kind::kSeverity, "f.severity_rank", {}}},
        {"rule", {Kind::kFindingText, "f.rule", {}}},
        {"category", {Kind::kFindingText, "f.category", {}}},
        {"status", {Kind::kStatus, "f.status", {"open", "resolved", "acknowledged", "accepted"}}},
        {"honeypot", {Kind::kHoneypot, "", {}}},
        {"cert.subject",
         {Kind::kTextNoCase, "json_extract({}.record, '$.tls_cert.subject_cn')", {}}},
        {"cert.issuer", {Kind::kTextNoCase, "json_extract({}.record, '$.tls_cert.issuer')", {}}},
        {"cert.expired",
         {Kind::kCertExpired, "unixepoch(json_extract({}.record, '$.tls_cert.not_after'))", {}}},
        {"cert.expires",
         {Kind::kCertTime, "unixepoch(json_extract({}.record, '$.tls_cert.not_after'))", {}}},
        {"first_seen", {Kind::kTime, "{}.first_seen", {}}},
        {"last_seen", {Kind::kTime, kLastSeen, {}}},
        {"after", {Kind::kTime, kLastSeen, {}}},
        {"before", {Kind::kTime, "{}.first_seen", {}}},
        {"scan", {Kind::kScan, "", {}}},
        {"state", {Kind::kState, "s.state", {"alive", "gone"}}},
        {"at", {Kind::kMeta, "", {}}},
        {"history", {Kind::kMeta, "", {}}},
    };
    return keys;
}

const std::map<std::string, FieldType, std::less<>>& registry_fields() {
    static const auto fields = [] {
        std::map<std::string, FieldType, std::less<>> m;
        for (const auto& f : grab::common_fields()) m.emplace(std::string(f.name), f.type);
        for (const auto& g : grab::all_grabbers())
            for (const auto& f : g.fields) m.emplace(std::string(f.name), f.type);
        return m;
    }();
    return fields;
}

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string closest_key(const std::string& key) {
    std::string best;
    size_t best_d = SIZE_MAX;
    auto consider = [&](const std::string& k) {
        size_t d = edit_distance(key, k);
        if (d < best_d) best_d = d, best = k;
    };
    for (const auto& [k, spec] : builtin()) consider(k);
    for (const auto& [k, type] : registry_fields()) consider(k);
    return best;
}

const char* sql_op(Op op) {
    switch (op) {
        case Op::kLt:
            return "<";
        case Op::kLe:
            return "<=";
        case Op::kGt:
            return ">";
        case Op::kGe:
            return ">=";
        default:
            return "=";
    }
}

// `*` becomes LIKE's %; %, _ and \ are escaped, so they match themselves.
std::string like_pattern(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '*')
            out.push_back('%');
        else if (c == '%' || c == '_' || c == '\\')
            out += {'\\', c};
        else
            out.push_back(c);
    }
    return out;
}

std::optional<double> parse_number(const std::string& s) {
    if (s.empty() || s.size() > 40) return std::nullopt;
    size_t used = 0;
    double d = 0;
    try {
        d = std::stod(s, &used);
    } catch (...) {
        return std::nullopt;
    }
    if (used != s.size() || !std::isfinite(d)) return std::nullopt;
    return d;
}

// Spans in queries: at most 100,000 units (273 years in days).
constexpr int64_t kMaxSpanCount = 100'000;

class Compiler {
  public:
    Compiler(const CompileOptions& o) : opt_(o) {}

    CompileResult run(const Node& root) {
        CompileResult r;
        if (!take_meta(root)) return fail(r);
        out_.mode = mode_;
        out_.at_ms = at_ms_;
        out_.state = opt_.target == Target::kServices && mode_ != Mode::kCurrent ? "o" : "s";
        std::string cond;
        if (!node(root, cond)) return fail(r);
        out_.rows_from = from() + kSightings;
        out_.joined_from = sighted_ ? out_.rows_from : from();
        out_.from = out_.joined_from;
        if (opt_.target == Target::kFindings && !mentions_alias(cond, "sgo"))
            out_.from = "findings f";  // a count or facet of findings alone reads no service
        if (opt_.target == Target::kServices && mode_ == Mode::kCurrent && !opt_.include_gone &&
            !mentions_state_)
            out_.newest_from = std::string("service_rows s INDEXED BY services_newest") +
                               (sighted_ ? kSightings : "");
        std::vector<SqlValue> cond_params = std::move(out_.params);
        out_.params.clear();
        out_.where = scope_condition() + " AND " + cond;  // the scope's parameters come first
        out_.filtered = cond != "1";
        for (auto& p : cond_params) out_.params.push_back(std::move(p));
        r.ok = true;
        r.sql = std::move(out_);
        return r;
    }

  private:
    CompileResult& fail(CompileResult& r) {
        r.ok = false;
        r.error = err_;
        return r;
    }
    bool error(int column, std::string message) {
        err_ = {column, std::move(message)};
        return false;
    }
    std::string col(const std::string& tmpl) {
        if (tmpl == kLastSeen) return last_sighting();
        // a finding holds its service's identity: asked of findings, no service row is needed
        bool identity =
            tmpl == "{}.ip_key" || tmpl == "{}.ip" || tmpl == "{}.port" || tmpl == "{}.transport";
        if (opt_.target == Target::kFindings && identity)
            return fmt::format(fmt::runtime(tmpl), "f");
        return fmt::format(fmt::runtime(tmpl), out_.state);
    }
    std::string bind(SqlValue v) {
        out_.params.push_back(std::move(v));
        return "?";
    }

    // at: and history: change what the rows are; they apply to the whole query only.
    bool take_meta(const Node& root) {
        std::vector<const Node*> top;
        if (root.kind == Node::Kind::kAnd)
            for (const auto& c : root.children) top.push_back(&c);
        else
            top.push_back(&root);
        for (const Node* n : top) {
            if (n->kind != Node::Kind::kFilter || (n->key != "at" && n->key != "history")) continue;
            if (n->values.size() != 1)
                return error(n->values[1].column, fmt::format("{}: takes one value", n->key));
            const Value& v = n->values[0];
            if (n->key == "history") {
                if (v.text != "true" && v.text != "false")
                    return error(v.column, "history: expected true or false");
                if (v.text == "true") mode_ = Mode::kHistory;
            } else {
                auto t = parse_rfc3339(v.text);
                if (!t || v.op != Op::kEq)
                    return error(v.column,
                                 "at: expected a date such as 2026-11-01 or 2026-11-01T12:00:00Z");
                mode_ = Mode::kAt;
                at_ms_ = *t * 1000 + (v.text.size() == 10 ? 86'399'999 : 0);  // a day: its end
            }
            meta_.push_back(n);
        }
        if (std::count_if(meta_.begin(), meta_.end(),
                          [](const Node* n) { return n->key == "at"; }) > 0 &&
            mode_ == Mode::kHistory)
            return error(meta_[0]->column, "at: and history:true cannot be combined");
        return true;
    }

    // Whether the condition names a column of one of these aliases ("s.port"): the compiler's
    // own SQL, whose values are bound parameters, so a literal never looks like one.
    static bool mentions_alias(const std::string& sql, const char* aliases) {
        for (size_t i = 0; i + 1 < sql.size(); ++i) {
            bool word_start = i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) ||
                                          sql[i - 1] == '_');
            if (word_start && sql[i + 1] == '.' && std::strchr(aliases, sql[i])) return true;
        }
        return false;
    }

    std::string from() const {
        if (opt_.target == Target::kFindings)
            return "findings f JOIN service_rows s ON s.id = f.service_id";
        if (mode_ == Mode::kCurrent) return "service_rows s";
        return "observations o JOIN service_rows s ON s.id = o.service_id";
    }
    // A record field's value. A volatile one (redis.keys) of a current state is its last
    // sighting's (alias g), which holds the volatile fields of the latest record.
    std::string field_expr(const std::string& path, bool volatile_field) {
        if (!volatile_field)
            return fmt::format("json_extract({}.record, {})", out_.state, bind(path));
        sighted_ = true;
        std::string current = out_.state == "o" ? "o.ended_at IS NULL AND g.volatile IS NOT NULL"
                                                : "g.volatile IS NOT NULL";
        std::string latest = bind(path);  // bound in the order they appear
        std::string stored = bind(path);
        return fmt::format(
            "(CASE WHEN {} THEN json_extract(g.volatile, {}) ELSE json_extract({}.record, {}) "
            "END)",
            current, latest, out_.state, stored);
    }
    std::string last_sighting() {
        sighted_ = true;
        return last_seen_column(out_.state);
    }

    std::string scope_condition() {
        if (opt_.target == Target::kFindings) {
            if (mode_ == Mode::kHistory || mentions_status_) return "1";
            if (mode_ == Mode::kAt) {
                std::string t = bind(at_ms_), t2 = bind(at_ms_);
                return fmt::format(
                    "f.first_seen <= {} AND (f.resolved_at IS NULL OR f.resolved_at > {})", t, t2);
            }
            return "f.status IN ('open', 'acknowledged')";
        }
        if (mode_ == Mode::kHistory) return "1";
        if (mode_ == Mode::kAt) {
            std::string t = bind(at_ms_), t2 = bind(at_ms_);
            return fmt::format("o.first_seen <= {} AND (o.ended_at IS NULL OR o.ended_at > {})", t,
                               t2);
        }
        return opt_.include_gone || mentions_state_ ? "1" : "s.state = 'alive'";
    }

    bool node(const Node& n, std::string& out) {
        switch (n.kind) {
            case Node::Kind::kAnd:
            case Node::Kind::kOr: {
                std::vector<std::string> parts;
                for (const auto& c : n.children) {
                    if (std::find(meta_.begin(), meta_.end(), &c) != meta_.end()) continue;
                    std::string p;
                    if (!node(c, p)) return false;
                    parts.push_back(std::move(p));
                }
                if (parts.empty()) return out = "1", true;
                out = "(" +
                      fmt::format("{}",
                                  fmt::join(parts, n.kind == Node::Kind::kAnd ? " AND " : " OR ")) +
                      ")";
                return true;
            }
            case Node::Kind::kNot: {
                // A run of negations is one or none (--x is x: NULL and false are alike in
                // a condition), so a long run never nests SQL deeper than SQLite parses.
                const Node* child = &n.children[0];
                bool negate = true;
                while (child->kind == Node::Kind::kNot) {
                    negate = !negate;
                    child = &child->children[0];
                }
                if (negate)
                    if (auto done = negated_vocabulary(*child, out)) return *done;
                std::string inner;
                if (!node(*child, inner)) return false;
                if (!negate) return out = inner, true;
                // NULL (no value) is false under NOT too: -product:nginx keeps services
                // without a product. Positive terms stay bare, so indexes serve them. IS NOT
                // TRUE, not NOT coalesce(...): it nests SQLite's parser stack less.
                out = "(" + inner + ") IS NOT TRUE";
                return true;
            }
            case Node::Kind::kText:
                return text(n.values[0], out);
            case Node::Kind::kFilter:
                if (std::find(meta_.begin(), meta_.end(), &n) != meta_.end())
                    return out = "1", true;
                return filter(n, out);
        }
        return false;
    }

    // Bare words and phrases: the full-text index, with each value quoted for FTS5.
    bool text(const Value& v, std::string& out) {
        std::string expr = "\"";
        std::string body = v.text;
        bool prefix = false;
        if (v.wildcard) {
            if (body.find('*') != body.size() - 1 || body.size() < 2)
                return error(v.column, "a full-text wildcard goes at the end of a word (mail*)");
            body.pop_back();
            prefix = true;
        }
        for (char c : body) {
            if (c == '"') expr.push_back('"');
            expr.push_back(c);
        }
        expr += prefix ? "\"*" : "\"";
        std::string id =
            opt_.target == Target::kServices && mode_ != Mode::kCurrent ? "o.id" : "s.current_obs";
        out = fmt::format(
            "({} IN (SELECT rowid FROM observation_text WHERE observation_text MATCH {}))", id,
            bind(expr));
        return true;
    }

    bool filter(const Node& n, std::string& out) {
        auto it = builtin().find(n.key);
        if (it != builtin().end() && it->second.kind == Kind::kMeta)
            return error(
                n.column,
                fmt::format("{}: applies to the whole query: it cannot be negated, OR-ed or nested",
                            n.key));
        if (it == builtin().end()) {
            auto field = registry_fields().find(n.key);
            if (field == registry_fields().end())
                return error(n.column, fmt::format("unknown key '{}': did you mean '{}'?", n.key,
                                                   closest_key(n.key)));
            return field_filter(n, field->second, out);
        }
        const KeySpec& spec = it->second;
        if (spec.kind == Kind::kState) mentions_state_ = true;
        if (spec.kind == Kind::kStatus) mentions_status_ = true;
        std::vector<std::string> alts;
        for (const auto& v : n.values) {
            std::string c;
            if (!value_condition(n.key, spec, v, c)) return false;
            alts.push_back(c);
        }
        std::string any = "(" + fmt::format("{}", fmt::join(alts, " OR ")) + ")";
        bool finding_key = spec.kind == Kind::kSeverity || spec.kind == Kind::kFindingText ||
                           spec.kind == Kind::kStatus;
        if (finding_key && opt_.target == Target::kServices) {
            std::string active = spec.kind == Kind::kStatus ? "" : "f.status != 'resolved' AND ";
            // driven from the findings table and its indexes, then services by rowid
            out = fmt::format("(s.id IN (SELECT f.service_id FROM findings f WHERE {}{}))", active,
                              any);
        } else {
            out = any;
        }
        return true;
    }

    bool vocabulary_value(const std::string& key, const KeySpec& spec, const Value& v) {
        if (!no_compare(key, v) || !no_wildcard(key, v)) return false;
        if (std::find(spec.allowed.begin(), spec.allowed.end(), v.text) != spec.allowed.end())
            return true;
        return error(v.column,
                     fmt::format("{}: expected one of {}", key, fmt::join(spec.allowed, ", ")));
    }

    // A negated filter of a closed vocabulary (-access:auth_required) is the IN of the other
    // values, which the (port, state, access) indexes seek, where IS NOT TRUE reads and drops
    // every row of the excluded value. nullopt: not such a filter; false: a bad value.
    std::optional<bool> negated_vocabulary(const Node& n, std::string& out) {
        auto it = builtin().find(n.key);
        if (n.kind != Node::Kind::kFilter || it == builtin().end() ||
            it->second.kind != Kind::kClosedEnum)
            return std::nullopt;
        const KeySpec& spec = it->second;
        std::vector<std::string> rest;
        for (const auto& v : n.values)
            if (!vocabulary_value(n.key, spec, v)) return false;
        for (const auto& a : spec.allowed)
            if (std::none_of(n.values.begin(), n.values.end(),
                             [&](const Value& v) { return v.text == a; }))
                rest.push_back(bind(a));
        out = rest.empty() ? "0"
                           : fmt::format("({} IN ({}))", col(spec.column), fmt::join(rest, ", "));
        return true;
    }

    bool no_compare(const std::string& key, const Value& v) {
        if (v.op == Op::kEq) return true;
        return error(v.column, fmt::format("{}: takes no comparison ('<', '>')", key));
    }
    bool no_wildcard(const std::string& key, const Value& v) {
        if (!v.wildcard) return true;
        return error(v.column, fmt::format("{}: takes no '*' wildcard", key));
    }

    bool text_condition(const std::string& expr, const Value& v, bool nocase, std::string& out) {
        if (v.wildcard) {
            out = fmt::format("({} LIKE {} ESCAPE '\\')", expr, bind(like_pattern(v.text)));
        } else {
            out = fmt::format("({} = {}{})", expr, bind(v.text), nocase ? " COLLATE NOCASE" : "");
        }
        return true;
    }

    bool bool_value(const std::string& key, const Value& v, bool& b) {
        if (!no_compare(key, v)) return false;
        if (v.text == "true" || v.text == "yes" || v.text == "1") return b = true, true;
        if (v.text == "false" || v.text == "no" || v.text == "0") return b = false, true;
        return error(v.column, fmt::format("{}: expected true or false", key));
    }

    // A date (2026-11-01, RFC 3339) or a span back from now (7d, 12h); with cert times, forward.
    bool time_condition(const std::string& key, const std::string& expr, const Value& v,
                        bool forward, bool seconds, std::string& out) {
        if (!no_wildcard(key, v)) return false;
        int64_t scale = seconds ? 1000 : 1;
        if (auto span = parse_span_ms(v.text, kMaxSpanCount)) {
            int64_t t = forward ? opt_.now_ms + *span : opt_.now_ms - *span;
            Op op = v.op == Op::kEq ? (forward ? Op::kLe : Op::kGe) : v.op;
            out = fmt::format("({} {} {})", expr, sql_op(op), bind(t / scale));
            return true;
        }
        auto t = parse_rfc3339(v.text);
        if (!t)
            return error(v.column, fmt::format("{}: expected a date (2026-11-01), a time "
                                               "(2026-11-01T12:00:00Z) or a span (7d, 12h)",
                                               key));
        int64_t ms = *t * 1000;
        if (v.op == Op::kEq && v.text.size() == 10) {
            std::string from = bind(ms / scale);  // bound in order
            std::string to = bind((ms + 86'400'000) / scale);
            out = fmt::format("({0} >= {1} AND {0} < {2})", expr, from, to);
            return true;
        }
        out = fmt::format("({} {} {})", expr, sql_op(v.op), bind(ms / scale));
        return true;
    }

    bool value_condition(const std::string& key, const KeySpec& spec, const Value& v,
                         std::string& out) {
        std::string expr = col(spec.column);
        switch (spec.kind) {
            case Kind::kIp: {
                if (v.wildcard)
                    return no_compare(key, v) && text_condition(col("{}.ip"), v, false, out);
                auto ip = parse_ip(v.text);
                if (!ip || !no_compare(key, v))
                    return error(
                        v.column,
                        fmt::format("ip: expected an address such as 10.0.0.1 or 2001:db8::1: {}",
                                    ip ? "no comparisons" : ip.error().message));
                out = fmt::format("({} = {})", expr, bind(Blob{ip_key(*ip)}));
                return true;
            }
            case Kind::kNet: {
                if (!no_compare(key, v) || !no_wildcard(key, v)) return false;
                auto slash = v.text.find('/');
                auto ip = parse_ip(v.text.substr(0, slash));
                int bits = ip ? ip->bits() : 0, prefix = bits;
                if (ip && slash != std::string::npos) {
                    std::string p = v.text.substr(slash + 1);
                    if (p.empty() || p.size() > 3 ||
                        p.find_first_not_of("0123456789") != std::string::npos ||
                        std::stoi(p) > bits)
                        return error(
                            v.column + static_cast<int>(slash) + 1,
                            fmt::format("net: expected a prefix length from 0 to {}", bits));
                    prefix = std::stoi(p);
                }
                if (!ip)
                    return error(v.column,
                                 "net: expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32");
                IpInterval iv = cidr_interval(*ip, prefix);
                std::string lo = bind(Blob{ip_key({iv.family, iv.first})});  // in order
                std::string hi = bind(Blob{ip_key({iv.family, iv.last})});
                out = fmt::format("({} BETWEEN {} AND {})", expr, lo, hi);
                return true;
            }
            case Kind::kPort: {
                if (!no_wildcard(key, v)) return false;
                if (v.text.empty() || v.text.size() > 5 ||
                    v.text.find_first_not_of("0123456789") != std::string::npos ||
                    std::stoi(v.text) > 65535)
                    return error(v.column, "port: expected a number from 0 to 65535");
                out =
                    fmt::format("({} {} {})", expr, sql_op(v.op), bind(int64_t{std::stoi(v.text)}));
                return true;
            }
            case Kind::kText:
            case Kind::kTextNoCase:
                return no_compare(key, v) &&
                       text_condition(expr, v, spec.kind == Kind::kTextNoCase, out);
            case Kind::kFindingText:
                return no_compare(key, v) && text_condition(expr, v, true, out);
            case Kind::kVersion:
                if (v.op == Op::kEq) return text_condition(expr, v, true, out);
                if (!no_wildcard(key, v)) return false;
                out =
                    fmt::format("(sl_version_cmp({}, {}) {} 0)", expr, bind(v.text), sql_op(v.op));
                return true;
            case Kind::kBool: {
                bool b = false;
                if (!bool_value(key, v, b)) return false;
                out = fmt::format("({} = {})", expr, bind(int64_t{b}));
                return true;
            }
            case Kind::kEnum:
            case Kind::kClosedEnum:
            case Kind::kStatus:
            case Kind::kState:
                if (!vocabulary_value(key, spec, v)) return false;
                out = fmt::format("({} = {})", expr, bind(v.text));
                return true;
            case Kind::kSeverity: {
                if (!no_wildcard(key, v)) return false;
                int rank = severity_rank(v.text);
                if (rank < 0)
                    return error(v.column,
                                 "severity: expected info, low, medium, high or critical");
                out = fmt::format("({} {} {})", expr, sql_op(v.op), bind(int64_t{rank}));
                return true;
            }
            case Kind::kHoneypot: {
                bool b = false;
                if (!bool_value(key, v, b)) return false;
                out = fmt::format(
                    "({}EXISTS (SELECT 1 FROM hosts h WHERE h.ip_key = {}.ip_key AND "
                    "h.honeypot_suspected = 1))",
                    b ? "" : "NOT ", opt_.target == Target::kFindings ? "f" : "s");
                return true;
            }
            case Kind::kTime: {
                Value implied = v;  // after:X is last_seen >= X, before:X is first_seen < X
                if (v.op == Op::kEq && key == "after") implied.op = Op::kGe;
                if (v.op == Op::kEq && key == "before") implied.op = Op::kLt;
                return time_condition(
                    key, opt_.target == Target::kFindings ? "f" + spec.column.substr(2) : expr,
                    implied, false, false, out);
            }
            case Kind::kCertTime:
                return time_condition(key, expr, v, true, true, out);
            case Kind::kCertExpired: {
                bool b = false;
                if (!bool_value(key, v, b)) return false;
                out = fmt::format("({} {} {})", expr, b ? "<" : ">=", bind(opt_.now_ms / 1000));
                return true;
            }
            case Kind::kScan: {
                if (!no_compare(key, v) || !no_wildcard(key, v)) return false;
                std::string a = bind(v.text), b = bind(v.text);
                out = fmt::format(
                    "({0}.first_seen <= (SELECT coalesce(ended_at, started_at) FROM scans WHERE id "
                    "= {1}) AND "
                    "{3} >= (SELECT started_at FROM scans WHERE id = {2}))",
                    out_.state, a, b, last_sighting());
                return true;
            }
            case Kind::kMeta:
                break;
        }
        return error(v.column, "unsupported key");
    }

    // Any record field by its dotted name, typed by the registry.
    // A field of one grabber (redis.keys) implies its protocol, so the protocol index narrows
    // the rows before any JSON is read; other fields (data.*, tls_cert.*) read every row.
    bool field_filter(const Node& n, FieldType type, std::string& out) {
        std::string owner = n.key.substr(0, n.key.find('.'));
        std::string implied;
        if (grab::find_grabber(owner))
            implied = fmt::format("{}.protocol = {} AND ", out_.state, bind(owner));
        std::vector<std::string> alts;
        std::string path = "$." + n.key;
        for (const auto& v : n.values) {
            std::string c;
            if (type == FieldType::kStringList) {  // a list matches when one element does
                if (!no_compare(n.key, v)) return false;
                std::string each = fmt::format("json_each({}.record, {})", out_.state, bind(path));
                std::string cond;
                text_condition("value", v, true, cond);
                alts.push_back(fmt::format("EXISTS (SELECT 1 FROM {} WHERE {})", each, cond));
                continue;
            }
            if (type == FieldType::kObject)
                return error(n.column,
                             fmt::format("{} is an object: name one of its fields", n.key));
            std::string expr = field_expr(path, is_volatile(n.key));
            if (type == FieldType::kInteger || type == FieldType::kNumber) {
                if (!no_wildcard(n.key, v)) return false;
                auto d = parse_number(v.text);
                if (!d)
                    return error(v.column, fmt::format("{}: expected a number (1000, 1e9)", n.key));
                c = fmt::format("({} {} {})", expr, sql_op(v.op), bind(*d));
            } else if (type == FieldType::kBool) {
                bool b = false;
                if (!bool_value(n.key, v, b)) return false;
                c = fmt::format("({} = {})", expr, bind(int64_t{b}));
            } else {
                if (!no_compare(n.key, v)) return false;
                text_condition(expr, v, true, c);
            }
            alts.push_back(c);
        }
        out = "(" + implied + "(" + fmt::format("{}", fmt::join(alts, " OR ")) + "))";
        return true;
    }

    CompileOptions opt_;
    Compiled out_;
    ParseError err_;
    Mode mode_ = Mode::kCurrent;
    int64_t at_ms_ = 0;
    std::vector<const Node*> meta_;
    bool mentions_state_ = false, mentions_status_ = false;
    bool sighted_ = false;  // a term reads the sightings row (alias g)
};

}  // namespace

CompileResult compile(const Node& root, const CompileOptions& options) {
    return Compiler(options).run(root);
}

CompileResult compile(std::string_view text, const CompileOptions& options) {
    Parsed p = parse(text);
    if (!p.ok) {
        CompileResult r;
        r.error = p.error;
        return r;
    }
    return compile(p.root, options);
}

std::optional<grab::FieldType> registry_field_type(std::string_view key) {
    auto it = registry_fields().find(key);
    if (it == registry_fields().end()) return std::nullopt;
    return it->second;
}

std::string volatile_column(const std::string& state) {
    if (state != "o") return "g.volatile";
    return "(CASE WHEN o.ended_at IS NULL THEN g.volatile END)";
}

std::string last_seen_column(const std::string& state) {
    if (state != "o") return "g.last_seen";
    return "(CASE WHEN o.ended_at IS NULL THEN g.last_seen ELSE o.last_seen END)";
}

std::vector<std::string> builtin_keys() {
    std::vector<std::string> keys;
    for (const auto& [k, spec] : builtin()) keys.push_back(k);
    return keys;
}

}  // namespace sl::store::query
