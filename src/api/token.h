// The API's bearer token (DESIGN.md section 8): 32 random bytes as hex, stored beside the
// database as `<db>.token` with mode 0600, made on first start and printed once; rotation
// replaces the file atomically. Comparison takes the same time whatever matches.
#pragma once

#include <string>

#include "core/result.h"

namespace sl::api {

struct Token {
    std::string value;
    bool created = false;  // made now: print it once
};

std::string token_path(const std::string& db_path);
// Reads the token, or makes one when there is none. A file that is not a token, or that others
// may read, is refused (one line: what and where).
Result<Token> ensure_token(const std::string& db_path);
Result<Token> rotate_token(const std::string& db_path);
// 32 random bytes as hex (a token, a session).
Result<std::string> fresh_secret();
bool token_matches(const std::string& expected, const std::string& given);

}  // namespace sl::api
