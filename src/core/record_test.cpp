#include "core/record.h"

#include <gtest/gtest.h>

#include "core/byte_queue.h"

namespace sl {
namespace {

TEST(Record, DottedFieldsNest) {
    Record r;
    r.set("redis.keys", uint64_t{12});
    r.set("redis.version", "7.0.15");
    r.set("protocol", "redis");
    EXPECT_EQ(r.fields().dump(), R"({"redis":{"keys":12,"version":"7.0.15"},"protocol":"redis"})");
    ASSERT_NE(r.find("redis.keys"), nullptr);
    EXPECT_FALSE(r.has("redis.nope"));
}

TEST(Record, StringsAreCappedAndValidUtf8) {
    EXPECT_EQ(sanitize_text("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(sanitize_text("\xc0\xaf"), "\\xc0\\xaf");           // overlong
    EXPECT_EQ(sanitize_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
    EXPECT_EQ(sanitize_text(std::string(2000, 'a')).size(), kMaxFieldString - 3 + 3);
    Record r;
    r.set("x", std::string_view("\x1b[2J\xff", 5));
    EXPECT_NO_THROW((void)r.fields().dump());
}

TEST(Record, ListsAreCapped) {
    Record r;
    for (int i = 0; i < 500; ++i) r.append("l", "x");
    EXPECT_EQ(r.find("l")->size(), kMaxFieldList);
}

TEST(ByteQueue, CapsRawInputPerConnection) {
    ByteQueue q(10);
    EXPECT_TRUE(q.append("12345"));
    q.consume(5);
    EXPECT_TRUE(q.append("67890"));
    EXPECT_FALSE(q.append("abc"));  // the cap counts every byte stored, consumed or not
    EXPECT_TRUE(q.overflowed());
    EXPECT_EQ(q.view(), "67890");
    EXPECT_EQ(q.total_offered(), 13u);
}

}  // namespace
}  // namespace sl
