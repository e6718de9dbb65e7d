// sl::Result<T>: the value of an operation that can fail in an expected way, or an sl::Error
// that says what went wrong in one line. Project code does not throw; bugs use SL_CHECK.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace sl {

struct Error {
    std::string message;  // one line: what is wrong and where
};

template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(v_); }

  private:
    std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message) { return Error{std::move(message)}; }

[[noreturn]] inline void check_failed(const char* cond, const char* why, const char* file,
                                      int line) {
    std::fprintf(stderr, "searchlight: internal error: %s (%s) at %s:%d\n", why, cond, file, line);
    std::abort();
}

}  // namespace sl

// SL_CHECK is for bugs only. Untrusted input must never reach it.
#define SL_CHECK(cond, why)                                              \
    do {                                                                 \
        if (!(cond)) ::sl::check_failed(#cond, why, __FILE__, __LINE__); \
    } while (0)
