#include "core/text.h"

#include <gtest/gtest.h>

namespace sl {
namespace {

TEST(EscapeForTerminal, ControlBytesAndNonAsciiBecomeVisible) {
    EXPECT_EQ(escape_for_terminal("10.0.0.1"), "10.0.0.1");
    EXPECT_EQ(escape_for_terminal("a\x1b[2Jb"), "a\\x1b[2Jb");
    EXPECT_EQ(escape_for_terminal(std::string_view("\0\n\x7f\x9b", 4)), "\\x00\\x0a\\x7f\\x9b");
    EXPECT_EQ(escape_for_terminal("\xe2\x80\xae"), "\\xe2\\x80\\xae");  // U+202E bidi override
    EXPECT_EQ(escape_for_terminal("a\\x41"), "a\\\\x41");
}

TEST(AsciiLower, LettersOnlyAndEveryOtherByteAsItIs) {
    EXPECT_EQ(ascii_lower("X-Jenkins: 2.426"), "x-jenkins: 2.426");
    EXPECT_EQ(ascii_lower(std::string_view("A\0\xc4Z", 4)), std::string_view("a\0\xc4z", 4));
}

}  // namespace
}  // namespace sl
