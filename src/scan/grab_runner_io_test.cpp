// GrabRunner over real sockets with a test grabber: Reconnect, then STARTTLS on the same socket,
// against an in-process server (OpenSSL server side, a certificate made in memory).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "core/clock.h"
#include "scan/grab_runner.h"

namespace sl::scan {
namespace {

// Connection 1: "FIRST" -> "AGAIN" -> Reconnect. Connection 2: "STARTTLS" -> "OK" -> TLS ->
// "HELLO" -> "WORLD" -> open.
class StartTlsGrabber final : public grab::Grabber {
  public:
    grab::Next on_open(grab::Session& s) override {
        if (s.target().attempt == 0)
            s.send("FIRST\r\n");
        else if (!s.target().tls)
            s.send("STARTTLS\r\n");
        else
            s.send("HELLO\r\n");
        return grab::Next::kRead;
    }
    grab::Next on_data(grab::Session& s, ByteQueue& in) override {
        std::string_view v = in.view();
        if (v.find('\n') == std::string_view::npos) return grab::Next::kRead;
        std::string line(v.substr(0, v.find('\n') + 1));
        in.consume(line.size());
        if (line == "AGAIN\r\n") return grab::Next::kReconnect;
        if (line == "OK\r\n") {
            s.start_tls();
            return grab::Next::kRead;
        }
        if (line == "WORLD\r\n" && s.target().tls) {
            s.record().set("test.tls_seen", true);
            done_ = true;
            return grab::Next::kClose;
        }
        return grab::Next::kClose;
    }
    Verdict on_close(grab::Session&, grab::CloseReason) override {
        return done_ ? Verdict{GrabStatus::kOk, Access::kOpen}
                     : Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    bool done_ = false;
};

// The spec lists the test server's port, so the runner tries it first (no greeting stage).
grab::GrabberSpec test_spec(const uint16_t* port) {
    return {
        "starttls-test", std::span<const uint16_t>(port, 1), grab::Transport::kTcp, true, {}, [] {
            return std::unique_ptr<grab::Grabber>(new StartTlsGrabber());
        }};
}

std::string read_line(int fd) {
    std::string line;
    char c;
    while (line.size() < 64 && ::read(fd, &c, 1) == 1) {
        line.push_back(c);
        if (c == '\n') break;
    }
    return line;
}

std::string ssl_read_line(SSL* ssl) {
    std::string line;
    char c;
    while (line.size() < 64 && SSL_read(ssl, &c, 1) == 1) {
        line.push_back(c);
        if (c == '\n') break;
    }
    return line;
}

SSL_CTX* server_context() {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("starttls.test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx, cert);
    SSL_CTX_use_PrivateKey(ctx, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    return ctx;
}

TEST(GrabRunnerIo, ReconnectThenStartTlsOnTheSameSocket) {
    int ls = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(0x7f000001);
    ASSERT_EQ(::bind(ls, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(ls, 4), 0);
    socklen_t len = sizeof sa;
    ::getsockname(ls, reinterpret_cast<sockaddr*>(&sa), &len);
    uint16_t port = ntohs(sa.sin_port);

    SSL_CTX* sctx = server_context();
    std::string seen;
    std::thread server([&] {
        int c1 = ::accept(ls, nullptr, nullptr);
        seen += read_line(c1);
        (void)!::write(c1, "AGAIN\r\n", 7);
        ::close(c1);
        int c2 = ::accept(ls, nullptr, nullptr);
        seen += read_line(c2);
        (void)!::write(c2, "OK\r\n", 4);
        SSL* ssl = SSL_new(sctx);
        SSL_set_fd(ssl, c2);
        if (SSL_accept(ssl) == 1) {
            seen += ssl_read_line(ssl);
            SSL_write(ssl, "WORLD\r\n", 7);
        }
        SSL_shutdown(ssl);
        SSL_free(ssl);
        ::close(c2);
    });

    int ep = ::epoll_create1(0);
    auto tls = net::TlsContext::create();
    ASSERT_TRUE(tls.ok());
    GrabOptions options;
    options.greeting_wait_ns = 100'000'000;
    const grab::GrabberSpec specs[] = {test_spec(&port)};
    GrabRunner runner(ep, options, specs, *tls, nullptr);
    runner.start_unconnected(IpAddr::v4(0x7f000001), port, monotonic_ns());
    int64_t give_up = monotonic_ns() + 10'000'000'000;
    epoll_event events[16];
    while (runner.active() > 0 && monotonic_ns() < give_up) {
        int n = ::epoll_wait(ep, events, 16, 50);
        for (int i = 0; i < n; ++i)
            runner.on_event(events[i].data.u64, events[i].events, monotonic_ns());
        runner.on_timer(monotonic_ns());
    }
    server.join();
    ::close(ep);
    ::close(ls);
    SSL_CTX_free(sctx);

    EXPECT_EQ(seen, "FIRST\r\nSTARTTLS\r\nHELLO\r\n");
    auto results = runner.take_results();
    ASSERT_EQ(results.size(), 1u);
    const Record& r = results[0].record;
    EXPECT_EQ(r.find("protocol")->get<std::string>(), "starttls-test");
    EXPECT_EQ(r.find("status")->get<std::string>(), "ok");
    EXPECT_EQ(r.find("access")->get<std::string>(), "open");
    EXPECT_TRUE(r.find("tls")->get<bool>());
    EXPECT_TRUE(r.find("test.tls_seen")->get<bool>());
    EXPECT_EQ(r.find("tls_cert.subject_cn")->get<std::string>(), "starttls.test");
    EXPECT_TRUE(r.find("tls_cert.self_signed")->get<bool>());
}

}  // namespace
}  // namespace sl::scan
