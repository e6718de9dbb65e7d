// The latest record's fast merge against nlohmann's merge_patch(): the same JSON in the same
// member order, or a decline (and then the slow path answers).
#include "store/record_merge.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/search.h"

namespace sl::store {
namespace {

using Json = nlohmann::ordered_json;

const std::string kRecord =
    R"({"ip":"10.0.0.1","port":6379,"time":"2026-10-01T10:00:00.250Z","rtt_ms":0.4,)"
    R"("protocol":"redis","redis":{"keys":5000,"used_memory":1000000,"role":"master"},)"
    R"("banner":"x\u00e9\n<script>","ratio":1.0e2,"tags":["a",{"b":null}],"none":null})";
const std::string kPatch =
    R"({"time":"2026-10-02T10:00:00.000Z","rtt_ms":0.7,"redis":{"used_memory":2000000},)"
    R"("banner":null,"uptime_s":{"n":5,"gone":null}})";

TEST(RecordMerge, APatchMergesAsMergePatchDoesWithUntouchedValuesAsStored) {
    RecordMerger m;
    auto fast = m.fast(kRecord, kPatch);
    ASSERT_TRUE(fast);
    // members in place, the removed one gone, the new one last; untouched values byte for byte
    EXPECT_EQ(*fast,
              R"({"ip":"10.0.0.1","port":6379,"time":"2026-10-02T10:00:00.000Z","rtt_ms":0.7,)"
              R"("protocol":"redis","redis":{"keys":5000,"used_memory":2000000,"role":"master"},)"
              R"("ratio":1.0e2,"tags":["a",{"b":null}],"none":null,"uptime_s":{"n":5}})");
    Json expected = Json::parse(kRecord);
    expected.merge_patch(Json::parse(kPatch));
    EXPECT_EQ(Json::parse(*fast), expected);
    EXPECT_EQ(record_merge_disagreement(m, kRecord, kPatch), "");
}

TEST(RecordMerge, WithoutAnObjectPatchTheRecordIsAsStored) {
    RecordMerger m;
    EXPECT_EQ(m.merged(kRecord, std::nullopt), kRecord);
    for (std::string patch : {"null", "[1]", "7", "\"x\"", "not json", ""}) {
        EXPECT_EQ(m.merged(kRecord, patch), kRecord) << patch;
        EXPECT_EQ(record_merge_disagreement(m, kRecord, patch), "") << patch;
    }
}

TEST(RecordMerge, PatchValuesOverNonObjectsAndNewMembersLoseTheirNulls) {
    RecordMerger m;
    std::string record = R"({"a":1,"b":[1,2],"c":{"x":1}})";
    std::string patch = R"({"a":{"p":null,"q":2},"b":{"r":null},"c":7,"d":{"e":{"f":null}}})";
    auto fast = m.fast(record, patch);
    ASSERT_TRUE(fast);
    EXPECT_EQ(*fast, R"({"a":{"q":2},"b":{},"c":7,"d":{"e":{}}})");
    EXPECT_EQ(record_merge_disagreement(m, record, patch), "");
}

TEST(RecordMerge, KeysThatNeedEscapesStayJson) {
    RecordMerger m;
    std::string record = R"({"a\"b":1,"t\tab":2,"\u00e9":3,"k\\":{"x":1}})";
    std::string patch = R"({"k\\":{"y":2},"n\"ew":{"\u0001":1}})";
    auto fast = m.fast(record, patch);
    ASSERT_TRUE(fast);
    EXPECT_EQ(record_merge_disagreement(m, record, patch), "");
    EXPECT_EQ(Json::parse(*fast)["k\\"]["y"], 2);
}

TEST(RecordMerge, WhatTheFastPathCannotTakeExactlyTheSlowPathAnswers) {
    RecordMerger m;
    // not an object, a duplicate key where the patch merges, not JSON, invalid UTF-8
    for (std::string record :
         {"[1,2]", R"({"a":1,"a":2})", R"({"a":)", "{\"a\":\"\xff\"}", R"({"a":1} trailing)"}) {
        EXPECT_FALSE(m.fast(record, R"({"b":1})")) << record;
        EXPECT_EQ(record_merge_disagreement(m, record, R"({"b":1})"), "") << record;
    }
    EXPECT_EQ(m.merged("[1,2]", R"({"b":1})"), "[1,2]");    // only an object is patched
    EXPECT_EQ(m.merged(R"({"a":)", R"({"b":1})"), "null");  // a record that is not JSON
    EXPECT_EQ(m.merged(R"({"a":1,"a":2})", R"({"b":1})"), R"({"a":2,"b":1})");
}

TEST(RecordMerge, EveryPrefixOfARecordAndOfAPatchAgrees) {
    RecordMerger m;
    for (size_t n = 0; n <= kRecord.size(); ++n) {
        std::string record = kRecord.substr(0, n);
        EXPECT_EQ(record_merge_disagreement(m, record, kPatch), "") << n;
        EXPECT_NO_THROW(m.merged(record, kPatch));
    }
    for (size_t n = 0; n <= kPatch.size(); ++n)
        EXPECT_EQ(record_merge_disagreement(m, kRecord, kPatch.substr(0, n)), "") << n;
}

TEST(RecordMerge, DeepNestingIsBounded) {
    RecordMerger m;
    std::string record, patch;
    for (int i = 0; i < 100; ++i) record += R"({"a":)", patch += R"({"a":)";
    record += "1", patch += "2";
    for (int i = 0; i < 100; ++i) record += "}", patch += "}";
    EXPECT_FALSE(m.fast(record, patch));  // deeper than the fast path goes
    EXPECT_EQ(record_merge_disagreement(m, record, patch), "");
    EXPECT_NE(m.merged(record, patch).find('2'), std::string::npos);
}

TEST(RecordMerge, RecordsGoIntoTheirRowsAsTextOrParsed) {
    SearchResult r;
    r.rows = {Json{{"ip", "10.0.0.1"}}, Json{{"ip", "10.0.0.2"}}};
    r.records = {R"({"a":1.0e2})", "null"};  // as RecordMerger gives them: JSON
    Json text = Json::parse(rows_text(r));
    EXPECT_EQ(text[0]["record"]["a"], 100.0);
    EXPECT_EQ(text[0]["ip"], "10.0.0.1");
    EXPECT_TRUE(text[1]["record"].is_null());
    r.records[1] = "not json";
    attach_records(r);
    EXPECT_EQ(r.rows[0]["record"]["a"], 100.0);
    EXPECT_TRUE(r.rows[1]["record"].is_null());  // never nlohmann's discarded value
    EXPECT_TRUE(r.records.empty());
}

}  // namespace
}  // namespace sl::store
