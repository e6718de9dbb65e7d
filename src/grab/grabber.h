// The grabber contract (DESIGN.md section 2, item 3). A grabber is a sans-I/O state machine:
// it never touches a socket, a timer or OpenSSL. The runner (scan::GrabRunner) owns those and
// calls these three functions; a test or a fuzzer can drive them from memory just as well.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/byte_queue.h"
#include "core/ip.h"
#include "core/record.h"

namespace sl::grab {

// What the grabber wants next.
enum class Next : uint8_t {
    kRead,       // wait for more bytes (or for the peer to close)
    kClose,      // done with this connection; on_close(kDone) follows
    kReconnect,  // done with this connection; on_open() follows on a fresh one to the target
};

// Why a connection ended.
enum class CloseReason : uint8_t {
    kDone,        // the grabber asked for kClose
    kPeerClosed,  // FIN from the server
    kReset,       // RST from the server
    kTimeout,     // the idle-read timeout or the session deadline fired
    kLimit,       // the input cap (kMaxBannerBytes) was reached
    kTlsFailure,  // STARTTLS handshake failed
};

struct Target {
    IpAddr ip;
    uint16_t port = 0;
    bool tls = false;      // the connection is wrapped in TLS
    uint32_t attempt = 0;  // connections opened so far for this grabber, from 0
};

// The runner's side, as a grabber sees it.
class Session {
  public:
    virtual ~Session() = default;
    virtual const Target& target() const = 0;
    // Queues bytes to send; they are written before the next read.
    virtual void send(std::string_view bytes) = 0;
    // Asks for a TLS handshake on this connection after the queued bytes are written (STARTTLS).
    virtual void start_tls() = 0;
    // The structured result; the grabber fills its own protocol object and `data`.
    virtual Record& record() = 0;
    // The server said this protocol must be spoken inside TLS here (nginx: "The plain HTTP
    // request was sent to HTTPS port"). The runner then retries this grabber inside TLS and
    // drops the plaintext verdict.
    virtual void needs_tls() = 0;
};

class Grabber {  // one instance per target (it lives across Reconnects)
  public:
    virtual ~Grabber() = default;
    // A connection is ready: send a probe, or wait for a greeting.
    virtual Next on_open(Session& s) = 0;
    // Bytes arrived. Consume whole messages only; leave a partial message in `in`.
    virtual Next on_data(Session& s, ByteQueue& in) = 0;
    // The connection ended. Always returns the verdict so far; on kReconnect the runner calls
    // on_open again instead, unless the session ran out of time or connections.
    virtual Verdict on_close(Session& s, CloseReason why) = 0;
    // The server ended the connection (closed, reset or went quiet) before the grabber was
    // done: true asks for a fresh connection (on_open follows, as after kReconnect) instead of
    // on_close. The runner's connection budget and session deadline still apply.
    virtual bool reconnect_after_close(Session& /*s*/, CloseReason /*why*/) { return false; }
};

enum class Transport : uint8_t { kTcp };

enum class FieldType : uint8_t { kString, kInteger, kNumber, kBool, kStringList, kObject };

struct FieldSpec {
    std::string_view name;  // dotted, as rules address it: "redis.keys"
    FieldType type;
    std::string_view meaning;
};

struct HttpResponse;

struct GrabberSpec {
    std::string_view name;            // the protocol name in records: "redis"
    std::span<const uint16_t> ports;  // where it is tried first
    Transport transport = Transport::kTcp;
    bool client_first = true;  // false: the server speaks first (a greeting)
    std::span<const FieldSpec> fields;
    std::unique_ptr<Grabber> (*make)() = nullptr;
    // Connections this grabber may open for one target, its first one included (rsync asks
    // each module on its own connection). The runner caps it at kMaxConnectionsPerGrabber.
    uint32_t connections = 4;
    // HTTP grabbers: on a port that is not theirs, the runner sends one shared GET / first
    // (http_root.h) and offers its answer here; false rules the product out, so it costs no
    // connection. Products that show themselves on / (a header, a banner) say so; API products
    // stay candidates on any JSON root. nullptr: not an HTTP grabber, never ruled out.
    bool (*might_be)(const HttpResponse& root) = nullptr;
};

const char* to_string(FieldType t);

}  // namespace sl::grab
