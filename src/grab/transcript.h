// Transcripts (DESIGN.md section 7): a recorded conversation with a named source.
//   # redis-server 7.0.15 Debian 12, requirepass set      header lines (source first)
//   # @target 127.0.0.1:6379                               directives: target, close
//   > PING\r\n                                             bytes we sent (C escapes)
//   < -NOAUTH Authentication required.\r\n                 bytes the server sent
//   === connection 2 (tls)                                 a further connection
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip.h"
#include "core/result.h"

namespace sl::grab {

struct TranscriptBlock {
    bool from_client = false;
    std::string bytes;
};

struct TranscriptConnection {
    bool tls = false;
    std::vector<TranscriptBlock> blocks;  // consecutive lines of one direction are merged
    // "=== starttls": blocks from this index on travel inside TLS (the recorder writes the
    // decrypted bytes; the replay server upgrades the socket here).
    std::optional<size_t> starttls_block;
    std::string client_bytes() const;
    std::string server_bytes() const;
};

struct Transcript {
    std::vector<std::string> header;  // without "# "
    IpAddr ip = IpAddr::v4(0x7f000001);
    uint16_t port = 0;
    bool ends_in_timeout = false;  // "# @close timeout": the server went silent at the end
    std::vector<TranscriptConnection> connections;
};

Result<Transcript> parse_transcript(std::string_view text);
// C escapes: \r \n \t \\ \xNN; printable ASCII as is.
std::string escape_bytes(std::string_view bytes);
Result<std::string> unescape_bytes(std::string_view text);
std::string format_transcript(const Transcript& t);

}  // namespace sl::grab
