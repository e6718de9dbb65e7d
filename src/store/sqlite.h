// A thin RAII layer over SQLite3: one connection, prepared statements with bound parameters
// (values are never spliced into SQL text), and transactions. Every SQLite error becomes an
// sl::Error with the database's own message; nothing here throws.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/result.h"

namespace sl::store {

// A value bound to a '?' parameter: NULL, an integer, a real, text or a blob.
struct Blob {
    std::string bytes;
    bool operator==(const Blob&) const = default;
};
using SqlValue = std::variant<std::monostate, int64_t, double, std::string, Blob>;
// Bytes bound as a blob without a copy (see Statement::bind_values).
struct BlobView {
    std::string_view bytes;
};

// A handle on a prepared statement; copies share it (the connection's cache hands them out).
class Statement {
  public:
    Statement() = default;
    explicit Statement(sqlite3_stmt* s) : stmt_(s, Finalize{}) {}

    // Binds parameters 1..n, replacing earlier bindings and resetting the statement.
    Statement& bind_all(const std::vector<SqlValue>& values);
    Statement& bind(int index, const SqlValue& v);
    Statement& bind(int index, int64_t v) { return bind(index, SqlValue(v)); }
    Statement& bind(int index, std::string_view v) { return bind(index, SqlValue(std::string(v))); }
    Statement& bind_null(int index) { return bind(index, SqlValue()); }
    // Binds parameters 1..n like bind_all, without copying: text and blobs must outlive the
    // statement's next step (the ingest path binds, runs and rebinds before every use).
    template <class... Args>
    Statement& bind_values(const Args&... args) {
        reset();
        sqlite3_clear_bindings(stmt_.get());
        int index = 0;
        (bind_view(++index, args), ...);
        return *this;
    }
    // One step: true when a row is ready, false when done; an error otherwise.
    Result<bool> step();
    // Steps to the end (for statements that return no rows).
    Status run();
    void reset();

    int64_t integer(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
    double real(int col) const { return sqlite3_column_double(stmt_.get(), col); }
    std::string text(int col) const;
    bool is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
    int columns() const { return sqlite3_column_count(stmt_.get()); }
    std::string column_name(int col) const { return sqlite3_column_name(stmt_.get(), col); }
    SqlValue value(int col) const;

  private:
    template <class T>
    void bind_view(int index, const T& v) {
        sqlite3_stmt* s = stmt_.get();
        if constexpr (std::is_same_v<T, SqlValue>) {
            bind(index, v);
        } else if constexpr (std::is_same_v<T, std::monostate>) {
            sqlite3_bind_null(s, index);
        } else if constexpr (std::is_integral_v<T>) {
            sqlite3_bind_int64(s, index, static_cast<int64_t>(v));
        } else if constexpr (std::is_same_v<T, double>) {
            sqlite3_bind_double(s, index, v);
        } else if constexpr (std::is_same_v<T, BlobView>) {
            sqlite3_bind_blob64(s, index, v.bytes.data(), v.bytes.size(), SQLITE_STATIC);
        } else {
            std::string_view text(v);
            sqlite3_bind_text64(s, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
        }
    }
    struct Finalize {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    std::shared_ptr<sqlite3_stmt> stmt_;
};

// Steps a bound statement to its end, calling f with it at each row.
template <class F>
Status each_row(Statement& st, F&& f) {
    while (true) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) return Ok{};
        f(st);
    }
}

class Connection {
  public:
    // flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, or SQLITE_OPEN_READONLY.
    static Result<Connection> open(const std::string& path, int flags);
    Connection(Connection&&) noexcept = default;
    Connection& operator=(Connection&&) noexcept = default;

    Status exec(std::string_view sql);  // one or more statements, no parameters
    // Prepared once per connection and reused: the statement is reset and its bindings
    // replaced by bind_all().
    Result<Statement> prepare(std::string_view sql);
    // A statement that returns no rows, with its parameters bound without copies
    // (Statement::bind_values); the number of rows it changed.
    template <class... Args>
    Result<int64_t> update(std::string_view sql, const Args&... args) {
        auto st = prepare(sql);
        if (!st) return st.error();
        st->bind_values(args...);
        if (auto s = st->run(); !s) return s.error();
        return changes();
    }
    // Resets every statement of this connection: one left mid-row holds its read snapshot,
    // so a pooled connection would go on answering from the past.
    void reset_statements();
    // The single integer of a one-row query (PRAGMA user_version, COUNT(*)).
    Result<int64_t> scalar(std::string_view sql, const std::vector<SqlValue>& params = {});
    int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_.get()); }
    int64_t changes() const { return sqlite3_changes64(db_.get()); }
    sqlite3* raw() const { return db_.get(); }
    std::string message() const { return sqlite3_errmsg(db_.get()); }

  private:
    struct Close {
        void operator()(sqlite3* d) const { sqlite3_close_v2(d); }
    };
    Connection() = default;
    std::unique_ptr<sqlite3, Close> db_;
    struct TextHash {  // lets the cache be searched by string_view, without a copy
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
    };
    // declared after db_: finalized first
    std::unordered_map<std::string, Statement, TextHash, std::equal_to<>> cache_;
};

// A limit on the CPU time a connection's statements may use while it lives: once this thread
// has spent `limit_ns` more (checked every thousand of SQLite's steps), the statement running
// fails (SQLITE_INTERRUPT) and exhausted() says so; a read-only statement interrupted leaves
// its transaction as it was. It lets a caller try a plan that is fast when it works and give
// up on it early. CPU time, not steps (a step that reads a page costs a thousand others) and
// not the clock (under load a thread waits to run, which says nothing of the plan).
class TimeBudget {
  public:
    TimeBudget(Connection& c, int64_t limit_ns);
    ~TimeBudget();
    TimeBudget(const TimeBudget&) = delete;
    TimeBudget& operator=(const TimeBudget&) = delete;
    bool exhausted() const { return exhausted_; }

  private:
    static int tick(void* self);
    Connection& c_;
    int64_t deadline_ns_;
    bool exhausted_ = false;
};

// BEGIN IMMEDIATE ... COMMIT, or BEGIN DEFERRED for a snapshot: every statement until the end
// reads the same committed state (a search's count and its page agree while a scan writes),
// and the file is locked once instead of once per statement. Rolls back when destroyed
// uncommitted (for a snapshot, that is simply its end).
class Transaction {
  public:
    static Result<Transaction> begin(Connection& c);
    static Result<Transaction> snapshot(Connection& c);
    Transaction(Transaction&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status commit();

  private:
    explicit Transaction(Connection& c) : c_(&c) {}
    Connection* c_;
};

}  // namespace sl::store
