// The shape of LDAP's first message, on which the fallback order relies (ldap.cpp,
// first_message): every server after LDAP must answer or close on it, never wait.
#include "grab/ldap/ldap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace sl::grab {
namespace {

uint32_t little_endian32(const std::string& b) {
    return static_cast<uint32_t>(static_cast<uint8_t>(b[0])) |
           static_cast<uint32_t>(static_cast<uint8_t>(b[1])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(b[2])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(b[3])) << 24;
}

uint32_t big_endian32(const std::string& b) {
    return static_cast<uint32_t>(static_cast<uint8_t>(b[0])) << 24 |
           static_cast<uint32_t>(static_cast<uint8_t>(b[1])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(b[2])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(b[3]));
}

TEST(LdapFirstMessage, IsOneWellFormedSequenceWithATwoOctetLength) {
    std::string m = ldap_first_message();
    ASSERT_GE(m.size(), 7u);
    EXPECT_EQ(m.substr(0, 2), std::string("\x30\x82", 2));
    size_t length = static_cast<uint8_t>(m[2]) * 256u + static_cast<uint8_t>(m[3]);
    EXPECT_EQ(m.size(), 4 + length);
}

TEST(LdapFirstMessage, ReadsAsAnOversizedFrameToLengthPrefixedProtocols) {
    std::string m = ldap_first_message();
    constexpr uint32_t kMongoMaxMessage = 48'000'000;  // MongoDB's maxMessageSizeBytes
    EXPECT_GT(little_endian32(m), kMongoMaxMessage);   // MongoDB: int32 little-endian
    EXPECT_GT(big_endian32(m), 1u << 24);              // PostgreSQL, ZooKeeper: big-endian
}

TEST(LdapFirstMessage, EndsALineBeforeAnyNulByte) {
    std::string m = ldap_first_message();
    size_t newline = m.find('\n');
    ASSERT_NE(newline, std::string::npos);
    EXPECT_LT(newline, m.find('\0'));  // Redis looks for the newline with strchr
}

}  // namespace
}  // namespace sl::grab
