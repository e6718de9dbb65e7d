#include "store/sqlite.h"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "core/clock.h"

namespace sl::store {

namespace {

constexpr int kStepsPerTick = 1000;  // how often SQLite asks a TimeBudget

Error sql_error(sqlite3* db, std::string_view what) {
    if (!db) return make_error(fmt::format("database: {}: no handle", what));
    int os_error = sqlite3_system_errno(db);
    int code = sqlite3_errcode(db) & 0xff;
    bool io = code == SQLITE_IOERR || code == SQLITE_CANTOPEN || code == SQLITE_FULL;
    return make_error(fmt::format(
        "database: {}: {}{}", what, sqlite3_errmsg(db),
        io && os_error ? fmt::format(" ({})", std::strerror(os_error)) : std::string()));
}

// SEARCHLIGHT_TRACE_SQL=1 (for whoever tunes a question): each statement as it ran, with
// its parameters in place and its time, on stderr.
int trace_statement(unsigned, void*, void* stmt, void* ns) {
    char* sql = sqlite3_expanded_sql(static_cast<sqlite3_stmt*>(stmt));
    fmt::print(stderr, "sql {:.3f} ms: {}\n", *static_cast<int64_t*>(ns) / 1e6, sql ? sql : "?");
    sqlite3_free(sql);
    return 0;
}

}  // namespace

Statement& Statement::bind(int index, const SqlValue& v) {
    sqlite3_stmt* s = stmt_.get();
    if (std::holds_alternative<std::monostate>(v))
        sqlite3_bind_null(s, index);
    else if (const auto* i = std::get_if<int64_t>(&v))
        sqlite3_bind_int64(s, index, *i);
    else if (const auto* d = std::get_if<double>(&v))
        sqlite3_bind_double(s, index, *d);
    else if (const auto* t = std::get_if<std::string>(&v))
        sqlite3_bind_text64(s, index, t->data(), t->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    else {
        const auto& b = std::get<Blob>(v).bytes;
        sqlite3_bind_blob64(s, index, b.data(), b.size(), SQLITE_TRANSIENT);
    }
    return *this;
}

Statement& Statement::bind_all(const std::vector<SqlValue>& values) {
    reset();
    sqlite3_clear_bindings(stmt_.get());
    for (size_t i = 0; i < values.size(); ++i) bind(static_cast<int>(i + 1), values[i]);
    return *this;
}

Result<bool> Statement::step() {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sql_error(sqlite3_db_handle(stmt_.get()), "step");
}

Status Statement::run() {
    while (true) {
        auto r = step();
        if (!r) {
            reset();
            return r.error();
        }
        if (!*r) break;
    }
    reset();
    return Ok{};
}

void Statement::reset() { sqlite3_reset(stmt_.get()); }

TimeBudget::TimeBudget(Connection& c, int64_t limit_ns)
    : c_(c), deadline_ns_(thread_cpu_ns() + limit_ns) {
    sqlite3_progress_handler(c_.raw(), kStepsPerTick, &TimeBudget::tick, this);
}

TimeBudget::~TimeBudget() { sqlite3_progress_handler(c_.raw(), 0, nullptr, nullptr); }

int TimeBudget::tick(void* self) {
    auto* b = static_cast<TimeBudget*>(self);
    b->exhausted_ = b->exhausted_ || thread_cpu_ns() > b->deadline_ns_;
    return b->exhausted_ ? 1 : 0;
}

std::string Statement::text(int col) const {
    const auto* p = sqlite3_column_text(stmt_.get(), col);
    int n = sqlite3_column_bytes(stmt_.get(), col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
             : std::string();
}

SqlValue Statement::value(int col) const {
    switch (sqlite3_column_type(stmt_.get(), col)) {
        case SQLITE_INTEGER:
            return integer(col);
        case SQLITE_FLOAT:
            return real(col);
        case SQLITE_TEXT:
            return text(col);
        case SQLITE_BLOB: {
            const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_.get(), col));
            int n = sqlite3_column_bytes(stmt_.get(), col);
            return Blob{std::string(p ? p : "", static_cast<size_t>(n))};
        }
        default:
            return std::monostate{};
    }
}

Result<Connection> Connection::open(const std::string& path, int flags) {
    // Before the library's first use, once per process: no allocation statistics (they take a
    // global mutex on every allocation, a tenth of the ingest time).
    static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)configured;
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    Connection c;
    c.db_.reset(raw);
    if (rc != SQLITE_OK) return sql_error(raw, fmt::format("cannot open '{}'", path));
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, 10'000);
    if (const char* trace = std::getenv("SEARCHLIGHT_TRACE_SQL"); trace && *trace == '1')
        sqlite3_trace_v2(raw, SQLITE_TRACE_PROFILE, &trace_statement, nullptr);
    return c;
}

Status Connection::exec(std::string_view sql) {
    char* err = nullptr;
    std::string text(sql);
    if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string m = err ? err : message();
        sqlite3_free(err);
        return make_error(fmt::format("database: {}", m));
    }
    return Ok{};
}

Result<Statement> Connection::prepare(std::string_view sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) {
        it->second.reset();
        return it->second;
    }
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
        return sql_error(db_.get(), "prepare");
    Statement st(s);
    cache_.emplace(std::string(sql), st);
    return st;
}

Result<int64_t> Connection::scalar(std::string_view sql, const std::vector<SqlValue>& params) {
    auto st = prepare(sql);
    if (!st) return st.error();
    st->bind_all(params);
    auto row = st->step();
    if (!row) return row.error();
    int64_t v = *row ? st->integer(0) : 0;
    st->reset();  // a cached statement left mid-row would hold a read snapshot (and the WAL)
    return v;
}

void Connection::reset_statements() {
    for (sqlite3_stmt* s = sqlite3_next_stmt(db_.get(), nullptr); s;
         s = sqlite3_next_stmt(db_.get(), s))
        sqlite3_reset(s);
}

Result<Transaction> Transaction::begin(Connection& c) {
    if (auto s = c.exec("BEGIN IMMEDIATE"); !s) return s.error();
    return Transaction(c);
}

Result<Transaction> Transaction::snapshot(Connection& c) {
    if (auto s = c.exec("BEGIN DEFERRED"); !s) return s.error();
    return Transaction(c);
}

Transaction::~Transaction() {
    if (c_) (void)c_->exec("ROLLBACK");
}

Status Transaction::commit() {
    Connection* c = c_;
    c_ = nullptr;
    return c->exec("COMMIT");
}

}  // namespace sl::store
