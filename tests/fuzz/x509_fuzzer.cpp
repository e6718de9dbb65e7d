// Fuzzes X.509 -> Record: OpenSSL's d2i_X509, then our extraction of the certificate fields.
#include <openssl/x509.h>

#include <cstdint>
#include <cstdlib>

#include "net/tls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const unsigned char* p = data;
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(size));
    if (!cert) return 0;
    sl::Record rec;
    sl::net::describe_certificate(cert, rec);
    (void)rec.fields().dump();
    X509_free(cert);
    return 0;
}
