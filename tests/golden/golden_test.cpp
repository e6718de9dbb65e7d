// The golden runner: every src/grab/<protocol>/testdata/<case>.transcript is replayed through
// its grabber whole, one byte at a time, and in seeded random chunks. All must give the same
// verdict and record, the grabber must send exactly the transcript's "> " bytes, and the result
// must equal <case>.expected.json. SL_GOLDEN_UPDATE=1 rewrites the expected files instead.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "grab/drive.h"
#include "grab/registry.h"

namespace sl::grab {
namespace {

namespace fs = std::filesystem;

struct Case {
    std::string protocol;
    fs::path transcript;
};

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (const auto& dir : fs::directory_iterator(fs::path(SL_SOURCE_DIR) / "src/grab")) {
        fs::path data = dir.path() / "testdata";
        if (!fs::is_directory(data)) continue;
        for (const auto& f : fs::directory_iterator(data))
            if (f.path().extension() == ".transcript")
                cases.push_back({dir.path().filename().string(), f.path()});
    }
    std::sort(cases.begin(), cases.end(),
              [](const Case& a, const Case& b) { return a.transcript < b.transcript; });
    return cases;
}

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

nlohmann::ordered_json result_json(const DriveResult& r) {
    nlohmann::ordered_json j;
    j["status"] = to_string(r.verdict.status);
    j["access"] = to_string(r.verdict.access);
    j["record"] = r.record.fields();
    return j;
}

class Golden : public testing::TestWithParam<Case> {};

TEST_P(Golden, SameRecordWholeByteAtATimeAndRandomChunks) {
    const Case& c = GetParam();
    const GrabberSpec* spec = find_grabber(c.protocol);
    ASSERT_NE(spec, nullptr) << "no grabber for folder " << c.protocol;
    auto transcript = parse_transcript(read(c.transcript));
    ASSERT_TRUE(transcript.ok()) << c.transcript << ": " << transcript.error().message;

    DriveResult whole = drive_grabber(*spec, *transcript, [](size_t n) { return n; });
    DriveResult bytewise = drive_grabber(*spec, *transcript, [](size_t) { return size_t{1}; });
    EXPECT_EQ(result_json(bytewise), result_json(whole)) << "byte at a time differs";
    for (uint32_t seed : {1u, 2u, 3u}) {
        std::mt19937 rng(seed);
        DriveResult chunks = drive_grabber(*spec, *transcript, [&](size_t n) {
            return std::uniform_int_distribution<size_t>(1, std::min<size_t>(n, 97))(rng);
        });
        EXPECT_EQ(result_json(chunks), result_json(whole)) << "random chunks differ, seed " << seed;
    }
    // The grabber sent exactly what the transcript says, on every connection it used.
    for (size_t i = 0; i < whole.sent.size() && i < transcript->connections.size(); ++i)
        EXPECT_EQ(whole.sent[i], transcript->connections[i].client_bytes())
            << "connection " << i + 1;
    EXPECT_EQ(whole.sent.size(), transcript->connections.size()) << "connections used";
    EXPECT_TRUE(whole.bytes_within_cap && bytewise.bytes_within_cap);
    EXPECT_TRUE(whole.consumed_within_input && bytewise.consumed_within_input);

    fs::path expected_path = c.transcript;
    expected_path.replace_extension(".expected.json");
    std::string got = result_json(whole).dump(2) + "\n";
    if (std::getenv("SL_GOLDEN_UPDATE")) {
        std::ofstream(expected_path) << got;
        return;
    }
    ASSERT_TRUE(fs::exists(expected_path))
        << expected_path << " is missing; run with SL_GOLDEN_UPDATE=1";
    EXPECT_EQ(got, read(expected_path)) << c.transcript;
}

INSTANTIATE_TEST_SUITE_P(Transcripts, Golden, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<Case>& param_info) {
                             std::string name = param_info.param.protocol + "_" +
                                                param_info.param.transcript.stem().string();
                             for (char& ch : name)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });

// Protocols that demand a login even when they offer it in cleartext are never `open`
// (DESIGN.md section 7): their golden cases need no open kind.
bool never_open(std::string_view protocol) {
    return protocol == "ssh" || protocol == "imap" || protocol == "pop3" || protocol == "smtp";
}

TEST(GoldenCoverage, EveryGrabberHasTheFourKindsOfCase) {
    for (const auto& spec : all_grabbers()) {
        std::set<std::string> kinds;
        for (const auto& c : all_cases()) {
            if (c.protocol != spec.name) continue;
            std::string stem = c.transcript.stem().string();
            for (const char* k : {"open", "auth_required", "not_", "truncated"})
                if (stem.find(k) != std::string::npos) kinds.insert(k);
            if (stem.starts_with("plain_page") || never_open(spec.name)) kinds.insert("open");
        }
        EXPECT_EQ(kinds.size(), 4u)
            << spec.name << " lacks open, auth_required, not_* or truncated";
    }
}

}  // namespace
}  // namespace sl::grab
