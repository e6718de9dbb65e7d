// TLS client connections (OpenSSL) on non-blocking sockets, and the certificate record.
// Nothing here verifies trust: Searchlight reports certificates, it does not rely on them.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/record.h"
#include "core/result.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct x509_st X509;

namespace sl::net {

inline constexpr size_t kMaxCertChain = 10;
inline constexpr size_t kMaxCertBytes = 64 * 1024;
inline constexpr size_t kMaxSans = 100;

// The shared client context: immutable once made, so worker threads may share it.
class TlsContext {
  public:
    static Result<std::shared_ptr<const TlsContext>> create();
    ~TlsContext();
    SSL_CTX* get() const { return ctx_; }

  private:
    SSL_CTX* ctx_ = nullptr;
};

enum class TlsIo { kDone, kWantRead, kWantWrite, kClosed, kError };

class TlsStream {
  public:
    TlsStream(const TlsContext& ctx, int fd);
    ~TlsStream();
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    TlsIo handshake();
    // Reads up to n bytes; *got is set on kDone.
    TlsIo read(char* buf, size_t n, size_t* got);
    // Writes up to n bytes; *put is set on kDone.
    TlsIo write(const char* buf, size_t n, size_t* put);
    // The OpenSSL error of the last failure, one line.
    std::string last_error() const { return error_; }
    // Fills tls_cert.* (leaf certificate, chain length, version, cipher, and whether the
    // server asked for a client certificate), replacing an earlier handshake's.
    void describe(Record& record) const;
    // The last failure was the server's alert that a client certificate is required (TLS 1.3's
    // certificate_required, or a handshake failure right after its CertificateRequest).
    bool refused_without_client_cert() const;
    // The server sent a CertificateRequest (we never send a certificate): OpenSSL's callback.
    void note_client_cert_request() { client_cert_requested_ = true; }

  private:
    TlsIo map(int rc);
    SSL* ssl_ = nullptr;
    std::string error_;
    int reason_ = 0;  // ERR_GET_REASON of the last failure
    bool client_cert_requested_ = false;
};

// Fills tls_cert.* from one certificate (subject, SANs, issuer, validity, key, signature,
// fingerprint). Certificates over kMaxCertBytes only get tls_cert.oversized.
void describe_certificate(X509* cert, Record& record);

// Looks like a TLS record (a handshake or an alert from a TLS server)?
bool looks_like_tls(std::string_view first_bytes);

}  // namespace sl::net
