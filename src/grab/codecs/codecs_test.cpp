#include <gtest/gtest.h>

#include "grab/codecs/ber.h"
#include "grab/codecs/http.h"
#include "grab/codecs/lines.h"
#include "grab/codecs/resp.h"
#include "grab/transcript.h"

namespace sl::grab {
namespace {

TEST(Resp, WholeRepliesOnly) {
    RespReply r;
    EXPECT_EQ(parse_resp("+PONG\r\n", &r), RespResult::kReply);
    EXPECT_EQ(r.text, "PONG");
    EXPECT_EQ(r.consumed, 7u);
    EXPECT_EQ(parse_resp("+PONG\r", &r), RespResult::kIncomplete);
    EXPECT_EQ(parse_resp("$5\r\nhel", &r), RespResult::kIncomplete);
    EXPECT_EQ(parse_resp("$5\r\nhello\r\n", &r), RespResult::kReply);
    EXPECT_EQ(r.text, "hello");
    EXPECT_EQ(parse_resp("*2\r\n:1\r\n$-1\r\n", &r), RespResult::kReply);
    EXPECT_EQ(parse_resp("HTTP/1.1 400", &r), RespResult::kNotResp);
    EXPECT_EQ(parse_resp("+a\nb\r\n", &r), RespResult::kNotResp);
}

TEST(Resp, DeclaredLengthsNeverAllocateOrWaitForever) {
    RespReply r;
    EXPECT_EQ(parse_resp("$2147483647\r\n", &r), RespResult::kTooLarge);
    EXPECT_EQ(parse_resp("*99999999\r\n", &r), RespResult::kTooLarge);
    EXPECT_EQ(parse_resp("$-5\r\n", &r), RespResult::kNotResp);
    std::string deep;
    for (int i = 0; i < 20; ++i) deep += "*1\r\n";
    EXPECT_EQ(parse_resp(deep + ":1\r\n", &r), RespResult::kTooLarge);
}

TEST(Ber, RoundTripsAndRefusesWhatLdapNeverSends) {
    std::string msg = ber::tlv(0x30, ber::integer(0x02, 300) + ber::octets(std::string(200, 'x')));
    ber::Element e;
    size_t size = 0;
    ASSERT_EQ(ber::next(msg, &e, &size), ber::Result::kElement);
    EXPECT_EQ(size, msg.size());
    ber::Reader r(e.contents);
    EXPECT_EQ(r.read_integer(), 300);
    auto s = r.read();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->contents.size(), 200u);
    EXPECT_TRUE(r.done());
    for (size_t cut = 0; cut < msg.size(); ++cut)  // byte at a time: never whole too early
        EXPECT_EQ(ber::next(msg.substr(0, cut), &e, &size), ber::Result::kIncomplete) << cut;
    EXPECT_EQ(ber::next(std::string("\x30\x80", 2), &e, &size),
              ber::Result::kInvalid);  // indefinite
    EXPECT_EQ(ber::next(std::string("\x30\x85\x01\x00\x00\x00\x00", 7), &e, &size),
              ber::Result::kInvalid);  // 5 length octets
    EXPECT_EQ(ber::integer(0x02, 128), std::string("\x02\x02\x00\x80", 4));
    ber::Reader bad(std::string_view("\x02\x09\x01", 3));
    EXPECT_FALSE(bad.read_integer());
    EXPECT_FALSE(bad.ok());
}

TEST(Lines, MultiLineRepliesOfFtpAndSmtp) {
    TextReply r;
    size_t used = 0;
    std::string ehlo = "250-mx.example\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n354 next";
    ASSERT_EQ(next_reply(ehlo, &r, &used), ReplyResult::kReply);
    EXPECT_EQ(r.code, 250);
    EXPECT_EQ(r.lines, (std::vector<std::string>{"mx.example", "STARTTLS", "AUTH PLAIN"}));
    EXPECT_EQ(used, ehlo.size() - 8);
    std::string feat = "211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n";
    ASSERT_EQ(next_reply(feat, &r, &used), ReplyResult::kReply);
    EXPECT_EQ(r.lines, (std::vector<std::string>{"Features:", " EPSV", " MDTM", "End"}));
    for (size_t cut = 0; cut < feat.size(); ++cut)  // byte at a time: never a reply too early
        EXPECT_EQ(next_reply(feat.substr(0, cut), &r, &used), ReplyResult::kIncomplete) << cut;
    EXPECT_EQ(next_reply("SSH-2.0-OpenSSH\r\n", &r, &used), ReplyResult::kNotReply);
    EXPECT_EQ(next_reply("* OK", &r, &used), ReplyResult::kNotReply);
    EXPECT_EQ(next_reply("22", &r, &used), ReplyResult::kIncomplete);
    EXPECT_EQ(next_reply("331\r", &r, &used), ReplyResult::kIncomplete);  // found by fuzz_ftp
    ASSERT_EQ(next_reply("331\r\n", &r, &used), ReplyResult::kReply);
    EXPECT_EQ(r.code, 331);
}

TEST(Lines, SplitsAndCaps) {
    std::string_view line;
    size_t used = 0;
    EXPECT_EQ(next_line("VERSION 1.6\r\nEND", &line, &used), LineResult::kLine);
    EXPECT_EQ(line, "VERSION 1.6");
    EXPECT_EQ(used, 13u);
    EXPECT_EQ(next_line("no end", &line, &used), LineResult::kIncomplete);
    EXPECT_EQ(next_line(std::string(kMaxLineBytes + 1, 'a'), &line, &used), LineResult::kTooLong);
}

TEST(Http, ParsesByteAtATimeAndCapsHeaders) {
    std::string resp = "HTTP/1.1 200 OK\r\nServer: x/1\r\nContent-Length: 5\r\n\r\nhello";
    HttpResponseParser p;
    size_t used = 0;
    HttpResponseParser::Result r = HttpResponseParser::Result::kIncomplete;
    for (char c : resp) r = p.feed(std::string_view(&c, 1), &used);
    ASSERT_EQ(r, HttpResponseParser::Result::kComplete);
    EXPECT_EQ(p.response().status, 200);
    EXPECT_EQ(p.response().header("server"), "x/1");
    EXPECT_EQ(p.response().body, "hello");
    std::string bomb = "HTTP/1.1 200 OK\r\n";
    for (size_t i = 0; i <= kMaxHeaderCount; ++i) bomb += "X-" + std::to_string(i) + ": v\r\n";
    HttpResponseParser q;
    EXPECT_EQ(q.feed(bomb + "\r\n", &used), HttpResponseParser::Result::kLimit);
    HttpResponseParser n;
    EXPECT_EQ(n.feed("-NOAUTH\r\n", &used), HttpResponseParser::Result::kNotHttp);
}

TEST(Transcript, RoundTripsAndRejectsGarbage) {
    auto t = parse_transcript(
        "# source\n# @target 127.0.0.1:6379\n> PING\\r\\n\n< +PONG\\r\\n\n"
        "=== connection 2 (tls)\n> \\x00\\xff\n");
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->port, 6379);
    ASSERT_EQ(t->connections.size(), 2u);
    EXPECT_EQ(t->connections[0].client_bytes(), "PING\r\n");
    EXPECT_EQ(t->connections[0].server_bytes(), "+PONG\r\n");
    EXPECT_TRUE(t->connections[1].tls);
    EXPECT_EQ(t->connections[1].client_bytes(), std::string("\0\xff", 2));
    auto again = parse_transcript(format_transcript(*t));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->connections[1].client_bytes(), t->connections[1].client_bytes());
    EXPECT_FALSE(parse_transcript("> no source line\n").ok());
    EXPECT_FALSE(parse_transcript("# s\nbogus\n").ok());
    EXPECT_FALSE(parse_transcript("# s\n> \\q\n").ok());
    EXPECT_FALSE(parse_transcript("# s\n# @target nowhere\n").ok());
}

}  // namespace
}  // namespace sl::grab
