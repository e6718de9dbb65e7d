// The query language (docs/query-language.md): Shodan's syntax with explicit OR and
// parentheses. `key:value` filters, a comma is OR inside one filter, `-` negates, quoted
// values and phrases, bare words search the full text. This file parses a query into a tree;
// compile.h turns the tree into parametrised SQL. Errors carry a 1-based column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sl::store::query {

// The longest query accepted, and the deepest nesting of parentheses and negations: 16, because
// each level nests the SQL (NOT coalesce((... AND ...), 0)) and SQLite's parser stack holds about
// 9 levels of -( ... ) with a facet around them (the fuzzer found 23 nested negations overflowing
// it; a run of negations now compiles to one or none).
inline constexpr size_t kMaxQueryBytes = 4096;
inline constexpr int kMaxDepth = 16;

enum class Op : uint8_t { kEq, kLt, kLe, kGt, kGe };

struct Value {
    std::string text;
    Op op = Op::kEq;
    bool quoted = false;
    bool wildcard = false;  // an unquoted '*' in it
    int column = 0;
};

struct Node {
    enum class Kind : uint8_t { kAnd, kOr, kNot, kFilter, kText };
    Kind kind = Kind::kAnd;
    std::vector<Node> children;  // kAnd, kOr, kNot (one child)
    std::string key;             // kFilter: lower-case key
    std::vector<Value> values;   // kFilter: OR-ed; kText: exactly one
    int column = 0;
};

struct ParseError {
    int column = 0;  // 1-based
    std::string message;
};

// Either a tree or the first error. An empty query is an empty kAnd (matches everything).
struct Parsed {
    bool ok = false;
    Node root;
    ParseError error;
};
Parsed parse(std::string_view text);

// "query:1:12: expected ..." followed by the query and a caret under the column.
std::string format_error(std::string_view text, const ParseError& e);

}  // namespace sl::store::query
