// The importer's fast path against its slow path: every line either gives what the slow path
// gives, or is declined (and then takes the slow path).
#include "store/line_prepare.h"

#include <gtest/gtest.h>

#include <fstream>

namespace sl::store {
namespace {

const std::string kService =
    R"({"type":"service","scan_id":"s1","time":"2026-10-01T10:00:00.250Z","ip":"10.0.0.1",)"
    R"("port":6379,"transport":"tcp","state":"open","tls":false,"protocol":"redis",)"
    R"("product":"Redis","version":"7.0.15","status":"ok","access":"open","rtt_ms":0.4,)"
    R"("redis":{"keys":5000,"used_memory":1000000,"role":"master"},"banner":"x\u00e9\n"})";

TEST(LinePrepare, AServiceLineGivesWhatTheSlowPathGives) {
    LinePreparer fast;
    auto got = fast.prepare(kService);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->kind, PreparedLine::Kind::kService);
    EXPECT_EQ(got->scan_id, "s1");
    EXPECT_EQ(got->unit.at, 1790848800250);
    EXPECT_EQ(got->unit.source, kService);
    EXPECT_TRUE(got->unit.columns.record.empty());  // left to complete_unit()
    auto slow = prepare_service(Json::parse(kService));
    ASSERT_TRUE(slow);
    EXPECT_EQ(got->unit.content_hash, slow->content_hash);
    EXPECT_EQ(got->unit.volatile_patch, slow->volatile_patch);
    EXPECT_EQ(got->unit.state, slow->state);
    auto full = complete_unit(got->unit);
    ASSERT_TRUE(full);
    EXPECT_EQ(full->columns.record, slow->columns.record);
    EXPECT_EQ(full->text, slow->text);
    EXPECT_TRUE(full->source.empty());
    EXPECT_EQ(fast_path_disagreement(fast, kService), "");
}

TEST(LinePrepare, AFindingLineGivesWhatTheSlowPathGives) {
    LinePreparer fast;
    std::string line =
        R"({"type":"finding","scan_id":"s1","ip":"::1","port":22,"rule":"r","severity":"high",)"
        R"("title":"t","evidence":{"b":[1,2.5,"x",null,true],"a":-0},"remediation":"fix"})";
    auto got = fast.prepare(line);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->kind, PreparedLine::Kind::kFinding);
    EXPECT_EQ(got->finding.category, "info");
    EXPECT_EQ(got->finding.evidence, R"({"b":[1,2.5,"x",null,true],"a":0})");
    EXPECT_EQ(fast_path_disagreement(fast, line), "");
}

TEST(LinePrepare, LinesItCannotTakeAsTheSlowPathWouldAreDeclined) {
    LinePreparer fast;
    const std::string body = R"("scan_id":"s","ip":"10.0.0.1","port":80)";
    for (const std::string& line : {
             std::string(R"({"type":"service",)") + body + R"(,"port":81})",  // duplicate key
             std::string(R"({"type":"service",)") + body + R"(,"x":{"a":1,"a":2}})",
             std::string(R"({"type":"service",)") + body + R"(,"redis":{"keys":{"a":1,"a":2}}})",
             std::string(R"({"type":"port",)") + body + "}",  // another record type
             std::string(R"({"type":"service","scan_id":"","ip":"10.0.0.1","port":80})"),
             std::string(R"({"type":"service","scan_id":"s","ip":"10.0.0.300","port":80})"),
             std::string(R"({"type":"service","scan_id":"s","ip":"10.0.0.1","port":65536})"),
             std::string(R"({"type":"service","scan_id":"s","ip":"10.0.0.1","port":"80"})"),
             std::string(R"({"type":"service",)") + body + R"(,"n":1e400})",  // out of range
             std::string(R"({"type":"service",)") + body + R"(,"s":"\ud800"})",
             std::string(R"({"type":"service",)") + body + "} x",
             std::string(R"({"type":"service",)") + body + R"(,"deep":)" + std::string(80, '[') +
                 std::string(80, ']') + "}",
             std::string("[1]"),
             std::string("not json"),
         })
        EXPECT_FALSE(fast.prepare(line)) << line;
}

TEST(LinePrepare, OddButValidValuesAgreeWithTheSlowPath) {
    LinePreparer fast;
    const std::string head = R"({"type":"service","scan_id":"s","ip":"10.0.0.1","port":80,)";
    for (const char* tail : {
             R"("version":7,"product":{"name":"x"},"tls":"yes"})",
             R"("tls":true,"tls_cert":{"sha256":"ab","subject_cn":"a"},"time":"bad"})",
             R"("n":18446744073709551615,"m":-9223372036854775808,"f":-0.0,"g":1E2})",
             R"("redis":"not an object","data":{"bytes":null},"status":"failed"})",
             R"("memcached":{"bytes":{"nested":[{"a":1}]}},"http":{"title":"T\"\\\/"}})",
             R"("transport":"udp","banner":["a","b"],"data":{"names_sample":["m"]}})",
             R"("transport":7,"protocol":null,"access":false})",
         }) {
        std::string line = head + tail;
        ASSERT_TRUE(fast.prepare(line)) << line;
        EXPECT_EQ(fast_path_disagreement(fast, line), "") << line;
    }
}

TEST(LinePrepare, EveryLineOfTheQueryFixtureTakesTheFastPathAndAgrees) {
    LinePreparer fast;
    std::ifstream in(SL_SOURCE_DIR "/tests/query/fixture.ndjson");
    ASSERT_TRUE(in);
    int taken = 0;
    for (std::string line; std::getline(in, line);) {
        EXPECT_EQ(fast_path_disagreement(fast, line), "") << line;
        bool keyed = line.find(R"("type": "service")") != std::string::npos ||
                     line.find(R"("type": "finding")") != std::string::npos;
        EXPECT_EQ(fast.prepare(line).has_value(), keyed) << line;
        taken += keyed;
    }
    EXPECT_GT(taken, 30);
}

}  // namespace
}  // namespace sl::store
