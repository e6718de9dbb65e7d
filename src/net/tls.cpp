#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "core/clock.h"
#include "core/text.h"

namespace sl::net {

namespace {

std::string x509_name(X509_NAME* name) {
    if (!name) return {};
    BIO* bio = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n > 0 ? n : 0));
    BIO_free(bio);
    return out;
}

std::string common_name(X509_NAME* name) {
    int idx = name ? X509_NAME_get_index_by_NID(name, NID_commonName, -1) : -1;
    if (idx < 0) return {};
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
}

std::string asn1_time(const ASN1_TIME* t) {
    struct tm tm {};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
    time_t secs = timegm(&tm);
    return rfc3339_ms(static_cast<int64_t>(secs) * 1000);
}

void add_sans(X509* cert, Record& rec) {
    auto* names =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return;
    int n = sk_GENERAL_NAME_num(names);
    for (int i = 0; i < n && static_cast<size_t>(i) < kMaxSans; ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
        if (g->type == GEN_DNS || g->type == GEN_URI || g->type == GEN_EMAIL) {
            const ASN1_STRING* s = g->d.ia5;
            rec.append("tls_cert.sans",
                       std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                        static_cast<size_t>(ASN1_STRING_length(s))));
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING* s = g->d.ip;
            char buf[64] = {};
            int len = ASN1_STRING_length(s);
            const unsigned char* p = ASN1_STRING_get0_data(s);
            if (len == 4)
                snprintf(buf, sizeof buf, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
            else
                snprintf(buf, sizeof buf, "ipv6:%d-bytes", len);
            rec.append("tls_cert.sans", buf);
        }
    }
    GENERAL_NAMES_free(names);
}

const char* key_type_name(int id) {
    switch (id) {
        case EVP_PKEY_RSA:
            return "RSA";
        case EVP_PKEY_RSA_PSS:
            return "RSA-PSS";
        case EVP_PKEY_EC:
            return "EC";
        case EVP_PKEY_DSA:
            return "DSA";
        case EVP_PKEY_ED25519:
            return "ED25519";
        case EVP_PKEY_ED448:
            return "ED448";
        default:
            return OBJ_nid2sn(id);
    }
}

// OpenSSL asks for a client certificate when the server requests one: we note it on the
// stream and send none.
int on_client_cert_request(SSL* ssl, X509** /*cert*/, EVP_PKEY** /*key*/) {
    if (auto* stream = static_cast<TlsStream*>(SSL_get_app_data(ssl)))
        stream->note_client_cert_request();
    return 0;
}

}  // namespace

Result<std::shared_ptr<const TlsContext>> TlsContext::create() {
    auto ctx = std::shared_ptr<TlsContext>(new TlsContext());
    ctx->ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx->ctx_) return make_error("cannot create an OpenSSL context");
    SSL_CTX_set_verify(ctx->ctx_, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_min_proto_version(ctx->ctx_, 0);  // report old servers too
    SSL_CTX_set_security_level(ctx->ctx_, 0);
    SSL_CTX_set_max_cert_list(ctx->ctx_, static_cast<long>(kMaxCertChain * kMaxCertBytes));
    SSL_CTX_set_options(ctx->ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_client_cert_cb(ctx->ctx_, on_client_cert_request);
    return std::shared_ptr<const TlsContext>(std::move(ctx));
}

TlsContext::~TlsContext() {
    if (ctx_) SSL_CTX_free(ctx_);
}

TlsStream::TlsStream(const TlsContext& ctx, int fd) : ssl_(SSL_new(ctx.get())) {
    if (ssl_) {
        SSL_set_fd(ssl_, fd);
        SSL_set_app_data(ssl_, this);
        SSL_set_connect_state(ssl_);
    }
}

TlsStream::~TlsStream() {
    if (ssl_) SSL_free(ssl_);
}

TlsIo TlsStream::map(int rc) {
    int err = SSL_get_error(ssl_, rc);
    switch (err) {
        case SSL_ERROR_WANT_READ:
            return TlsIo::kWantRead;
        case SSL_ERROR_WANT_WRITE:
            return TlsIo::kWantWrite;
        case SSL_ERROR_ZERO_RETURN:
            return TlsIo::kClosed;
        case SSL_ERROR_SYSCALL:
            if (ERR_peek_error() == 0) {
                error_ = "connection closed during TLS";
                ERR_clear_error();
                return TlsIo::kClosed;
            }
            [[fallthrough]];
        default: {
            char buf[256] = {};
            unsigned long code = ERR_get_error();
            reason_ = ERR_GET_REASON(code);
            ERR_error_string_n(code, buf, sizeof buf);
            error_ = buf;
            ERR_clear_error();
            return TlsIo::kError;
        }
    }
}

TlsIo TlsStream::handshake() {
    if (!ssl_) return TlsIo::kError;
    int rc = SSL_do_handshake(ssl_);
    return rc == 1 ? TlsIo::kDone : map(rc);
}

TlsIo TlsStream::read(char* buf, size_t n, size_t* got) {
    int rc = SSL_read_ex(ssl_, buf, n, got);
    return rc == 1 ? TlsIo::kDone : map(rc);
}

TlsIo TlsStream::write(const char* buf, size_t n, size_t* put) {
    int rc = SSL_write_ex(ssl_, buf, n, put);
    return rc == 1 ? TlsIo::kDone : map(rc);
}

bool TlsStream::refused_without_client_cert() const {
    return reason_ == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
           (client_cert_requested_ && (reason_ == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE ||
                                       reason_ == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE));
}

void TlsStream::describe(Record& rec) const {
    rec.erase("tls_cert");
    rec.set("tls_cert.tls_version", SSL_get_version(ssl_));
    if (client_cert_requested_) rec.set("tls_cert.client_cert_requested", true);
    if (const char* c = SSL_get_cipher_name(ssl_)) rec.set("tls_cert.cipher", c);
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_);
    if (chain) {
        size_t len = static_cast<size_t>(sk_X509_num(chain));
        rec.set("tls_cert.chain_length",
                static_cast<uint64_t>(len < kMaxCertChain ? len : kMaxCertChain));
    }
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (!cert) return;
    describe_certificate(cert, rec);
    X509_free(cert);
}

void describe_certificate(X509* cert, Record& rec) {
    if (i2d_X509(cert, nullptr) > static_cast<int>(kMaxCertBytes)) {
        rec.set("tls_cert.oversized", true);
        return;
    }
    rec.set("tls_cert.subject_cn", common_name(X509_get_subject_name(cert)));
    add_sans(cert, rec);
    rec.set("tls_cert.issuer", x509_name(X509_get_issuer_name(cert)));
    rec.set("tls_cert.not_before", asn1_time(X509_get0_notBefore(cert)));
    rec.set("tls_cert.not_after", asn1_time(X509_get0_notAfter(cert)));
    bool same = X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0;
    EVP_PKEY* key = X509_get0_pubkey(cert);
    rec.set("tls_cert.self_signed", same && key && X509_verify(cert, key) == 1);
    if (key) {
        rec.set("tls_cert.key_type", key_type_name(EVP_PKEY_get_base_id(key)));
        rec.set("tls_cert.key_bits", static_cast<int64_t>(EVP_PKEY_get_bits(key)));
    }
    rec.set("tls_cert.signature_algorithm", OBJ_nid2ln(X509_get_signature_nid(cert)));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (X509_digest(cert, EVP_sha256(), md, &md_len) == 1) {
        rec.set("tls_cert.sha256", hex_encode({reinterpret_cast<const char*>(md), md_len}));
    }
}

bool looks_like_tls(std::string_view b) {
    if (b.size() < 2) return false;
    auto c0 = static_cast<unsigned char>(b[0]);
    return (c0 == 0x15 || c0 == 0x16) && b[1] == '\x03';
}

}  // namespace sl::net
