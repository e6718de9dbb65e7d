#include "api/token.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/text.h"
#include "net/unique_fd.h"

namespace sl::api {

namespace {

constexpr size_t kTokenBytes = 32;

}  // namespace

Result<std::string> fresh_secret() {
    unsigned char raw[kTokenBytes];
    if (RAND_bytes(raw, sizeof raw) != 1) return make_error("cannot draw random bytes for a token");
    return hex_encode({reinterpret_cast<const char*>(raw), sizeof raw});
}

namespace {

Status write_file(const std::string& path, const std::string& value, int extra_flags) {
    net::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | extra_flags, 0600));
    if (fd.get() < 0)
        return make_error(
            fmt::format("cannot write the token '{}': {}", path, std::strerror(errno)));
    std::string line = value + "\n";
    if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
        ::fsync(fd.get()) != 0)
        return make_error(
            fmt::format("cannot write the token '{}': {}", path, std::strerror(errno)));
    return Ok{};
}

Result<std::string> read_token(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return make_error(
            fmt::format("cannot read the token '{}': {}", path, std::strerror(errno)));
    if (st.st_mode & 077)
        return make_error(fmt::format(
            "the token '{}' may be read by others (mode {:o}): chmod 600 it, or rotate it", path,
            st.st_mode & 0777));
    net::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    char buf[2 * kTokenBytes + 2] = {};
    ssize_t n = fd.get() < 0 ? -1 : ::read(fd.get(), buf, sizeof buf);
    std::string value(buf, n > 0 ? static_cast<size_t>(n) : 0);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.size() != 2 * kTokenBytes ||
        value.find_first_not_of("0123456789abcdef") != std::string::npos)
        return make_error(fmt::format("'{}' is not a Searchlight token: rotate it", path));
    return value;
}

}  // namespace

std::string token_path(const std::string& db_path) { return db_path + ".token"; }

Result<Token> ensure_token(const std::string& db_path) {
    std::string path = token_path(db_path);
    if (::access(path.c_str(), F_OK) == 0) {
        auto v = read_token(path);
        if (!v) return v.error();
        return Token{*v, false};
    }
    auto v = fresh_secret();
    if (!v) return v.error();
    if (auto s = write_file(path, *v, O_EXCL); !s) return s.error();
    return Token{*v, true};
}

Result<Token> rotate_token(const std::string& db_path) {
    std::string path = token_path(db_path), tmp = path + ".new";
    auto v = fresh_secret();
    if (!v) return v.error();
    ::unlink(tmp.c_str());
    if (auto s = write_file(tmp, *v, O_EXCL); !s) return s.error();
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return make_error(
            fmt::format("cannot replace the token '{}': {}", path, std::strerror(errno)));
    return Token{*v, true};
}

bool token_matches(const std::string& expected, const std::string& given) {
    return !expected.empty() && given.size() == expected.size() &&
           CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

}  // namespace sl::api
