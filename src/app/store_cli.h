// What the store's subcommands (search, host, findings, scans, diff, export, import) share:
// the --db and --format flags, opening the database, the caret message of a bad query, and
// human times. Thin: the semantics live in src/store.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"
#include "store/query/query.h"
#include "store/store.h"

namespace sl::app {

enum class ListFormat { kTable, kJson, kNdjson, kCsv };

struct StoreFlags {
    std::string db;
    std::string format = "table";
};

// Adds --db and --format (table|json|ndjson|csv, or the extra ones given) to a subcommand.
void add_store_flags(CLI::App* cmd, StoreFlags& f,
                     const std::string& formats = "table|json|ndjson|csv");
Result<ListFormat> parse_list_format(const std::string& text);
// Opens an existing database (read-only, or read-write for commands that change it);
// import may create one (create = true).
Result<store::Store> open_store(const std::string& db_flag, store::OpenMode mode,
                                bool create = false);

// What a reading command needs first: its --format and the database, read-only. On a bad
// format or a database that does not open, the message is printed and the exit code returned.
struct ReadSession {
    ListFormat format;
    store::Store store;
};
std::variant<ReadSession, int> open_for_reading(const StoreFlags& f);

// Prints why the database did not open; returns 2 for a refusal or a missing file, else 1.
int open_failure(const Error& e);
// Prints the error (one line) to stderr, escaped for the terminal.
void print_failure(const std::string& message);
// Prints "query:1:N: what" with the query and a caret under the column; returns exit code 2.
int print_query_error(const std::string& text, const store::query::ParseError& e);

// "3d 4h", "12m", "40s": a duration for people.
std::string human_duration(int64_t ms);
// The RFC 3339 text of a JSON time without milliseconds, or "-" for null.
std::string short_time(const nlohmann::ordered_json& t);
// A CSV line: fields quoted when they hold a comma, a quote or a line break.
std::string csv_line(const std::vector<std::string>& fields);
// Who is acting (findings ack/accept/reopen): --by, else $SUDO_USER, $USER, or the uid.
std::string actor_name(const std::string& flag);
// A JSON value as table text: strings as themselves, null as "", the rest as JSON.
std::string cell(const nlohmann::ordered_json& v);

}  // namespace sl::app
