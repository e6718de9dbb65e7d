// Compiles a parsed query (query.h) to a parametrised SQL condition over the store's schema
// (docs/store.md). Values are only ever bound as parameters; keys are checked against the
// built-in keys and the grabbers' field registry, and an unknown key names the closest one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grab/grabber.h"
#include "store/query/query.h"
#include "store/sqlite.h"

namespace sl::store::query {

// What the rows are: services (search, export) or findings (findings).
enum class Target : uint8_t { kServices, kFindings };
// Which states: the current one, the one at a date (`at:`), or every past one (`history:true`).
enum class Mode : uint8_t { kCurrent, kAt, kHistory };

struct CompileOptions {
    Target target = Target::kServices;
    int64_t now_ms = 0;
    bool include_gone = false;  // --include-gone: services a covering scan found gone
};

struct Compiled {
    // FROM clause: aliases s (service_rows), o (observations), f (findings), and g (sightings,
    // the service's last sighting) only when the condition needs it: a count or a facet over
    // thousands of rows reads no sightings row it does not need.
    std::string from;
    std::string rows_from;    // the same with g always joined, for whole rows
    std::string joined_from;  // findings: with their service (s) joined, which `from` may skip
    // Services: `from` read through the index of the newest alive services, when the scope is
    // every alive service (empty otherwise). A page in the default order can be read off it in
    // order, whatever the condition (the search tries it when the count says matches are many).
    std::string newest_from;
    std::string where;  // a condition over the aliases
    std::vector<SqlValue> params;
    std::string state;  // the alias whose columns hold the state: "s" or "o"
    Mode mode = Mode::kCurrent;
    int64_t at_ms = 0;
    bool filtered = false;  // the query has terms (else every row of the mode matches)
};

struct CompileResult {
    bool ok = false;
    Compiled sql;
    ParseError error;
};

CompileResult compile(const Node& root, const CompileOptions& options);
// Parse and compile in one step.
CompileResult compile(std::string_view text, const CompileOptions& options);

// The type of a record field by its dotted name in the grabbers' registry, if it has one.
std::optional<grab::FieldType> registry_field_type(std::string_view key);

// The last sighting of the state alias `state` ("s" or "o"): a service's is in its sightings row
// (alias g), and so is a current observation's (docs/store.md, "What a sighting writes").
std::string last_seen_column(const std::string& state);

// The volatile fields of the last sighting (alias g) that the state alias `state` holds, as a
// JSON merge patch for its stored record (NULL for a state that ended): the record with them
// merged in is the latest record in full.
std::string volatile_column(const std::string& state);

// Every key the language knows besides the registry's dotted fields (for help and errors).
std::vector<std::string> builtin_keys();

}  // namespace sl::store::query
