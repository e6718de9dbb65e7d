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
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/result.h"

namespace sl::store {

// A value bound to a '?' parameter: NULL, an integer, a real, text or a blob.
struct Blob {
    std::string bytes;
};
using SqlValue = std::variant<std::monostate, int64_t, double, std::string, Blob>;

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
    struct Finalize {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    std::shared_ptr<sqlite3_stmt> stmt_;
};

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
    std::unordered_map<std::string, Statement> cache_;  // declared after db_: finalized first
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted.
class Transaction {
  public:
    static Result<Transaction> begin(Connection& c);
    Transaction(Transaction&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status commit();

  private:
    explicit Transaction(Connection& c) : c_(&c) {}
    Connection* c_;
};

}  // namespace sl::store
