// Runs tests/query/*.test (DuckDB's sqllogictest style) against a database built from
// fixture.ndjson through the importer. A block is a directive line, a "----" line, then the
// expected output lines; blocks are separated by blank lines, '#' starts a comment.
//   search QUERY          matching services as ip:port, by address (search-gone: --include-gone)
//   findings QUERY        matching findings as "ip:port rule status", most severe first
//   count QUERY           the total only
//   facet KEYS | QUERY    "value count" lines, then "other N" when there are more
//   error QUERY           "column message" of the parse or compile error
// The clock is fixed at 2026-12-01T00:00:00Z so spans such as 7d and 30d are stable.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/clock.h"
#include "store/importer.h"
#include "store/search.h"

namespace sl::store {
namespace {

const int64_t kNow = *parse_rfc3339("2026-12-01T00:00:00Z") * 1000;

struct Block {
    std::string file;
    int line = 0;
    std::string directive, argument;
    std::vector<std::string> expected;
};

std::vector<Block> read_blocks(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::vector<Block> blocks;
    std::string line;
    int n = 0;
    Block cur;
    bool in_expected = false;
    auto close = [&] {
        if (!cur.directive.empty()) blocks.push_back(cur);
        cur = Block{};
        in_expected = false;
    };
    while (std::getline(in, line)) {
        ++n;
        if (line.empty()) {
            close();
            continue;
        }
        if (!in_expected && line[0] == '#') continue;
        if (cur.directive.empty()) {
            auto space = line.find(' ');
            cur.file = p.filename();
            cur.line = n;
            cur.directive = line.substr(0, space);
            cur.argument = space == std::string::npos ? "" : line.substr(space + 1);
        } else if (!in_expected && line == "----") {
            in_expected = true;
        } else {
            cur.expected.push_back(line);
        }
    }
    close();
    return blocks;
}

class QueryFiles : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        char tmpl[] = "/tmp/sl-query-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        auto s = Store::open(dir_ + "/fixture.db", OpenMode::kReadWrite);
        ASSERT_TRUE(s.ok()) << s.error().message;
        store_ = new Store(std::move(*s));
        std::ifstream in(std::string(SL_QUERY_DIR) + "/fixture.ndjson");
        auto stats = import_ndjson(*store_, in, "fixture.ndjson");
        ASSERT_TRUE(stats.ok()) << stats.error().message;
        ASSERT_EQ(stats->scans, 3u);
    }
    static void TearDownTestSuite() {
        delete store_;
        std::filesystem::remove_all(dir_);
    }
    static std::string dir_;
    static Store* store_;
};
std::string QueryFiles::dir_;
Store* QueryFiles::store_ = nullptr;

std::vector<std::string> run(Store& store, const Block& b) {
    using query::Target;
    std::string q = b.argument, keys;
    if (b.directive == "facet") {
        auto bar = q.find(" | ");
        keys = q.substr(0, bar);
        q = bar == std::string::npos ? "" : q.substr(bar + 3);
    }
    Target target = b.directive == "findings" ? Target::kFindings : Target::kServices;
    auto c = query::compile(q, {target, kNow, b.directive == "search-gone"});
    if (b.directive == "error") {
        if (c.ok) return {"(no error)"};
        return {std::to_string(c.error.column) + " " + c.error.message};
    }
    if (!c.ok) return {"error " + std::to_string(c.error.column) + " " + c.error.message};
    SearchOptions o;
    o.limit = kMaxPageSize;
    o.now_ms = kNow;
    o.sort = target == Target::kFindings ? Sort::kSeverity : Sort::kAddress;
    if (b.directive == "facet") {
        auto f = parse_facets(keys);
        if (!f) return {"facet error: " + f.error().message};
        o.facets = *f;
    }
    auto r = target == Target::kFindings ? search_findings(store.db(), c.sql, o)
                                         : search_services(store.db(), c.sql, o);
    if (!r) return {"runtime error: " + r.error().message};
    std::vector<std::string> out;
    if (b.directive == "count") return {std::to_string(r->total)};
    if (b.directive == "facet") {
        for (const auto& f : r->facets) {
            for (const auto& bucket : f.buckets)
                out.push_back(bucket.value + " " + std::to_string(bucket.count));
            if (f.other) out.push_back("other " + std::to_string(f.other));
        }
        return out;
    }
    for (const auto& row : r->rows) {
        std::string ip = row["ip"].get<std::string>();
        std::string addr = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
        std::string line = addr + ":" + std::to_string(row["port"].get<int64_t>());
        if (target == Target::kFindings)
            line += " " + row["rule"].get<std::string>() + " " + row["status"].get<std::string>();
        out.push_back(line);
    }
    return out;
}

TEST_F(QueryFiles, EveryCaseOfEveryFile) {
    size_t cases = 0;
    for (const auto& entry : std::filesystem::directory_iterator(SL_QUERY_DIR)) {
        if (entry.path().extension() != ".test") continue;
        for (const auto& b : read_blocks(entry.path())) {
            ++cases;
            static const std::set<std::string> kDirectives = {"search", "search-gone", "findings",
                                                              "count",  "facet",       "error"};
            ASSERT_TRUE(kDirectives.count(b.directive))
                << b.file << ":" << b.line << ": unknown directive " << b.directive;
            auto got = run(*store_, b);
            std::ostringstream shown;
            for (const auto& g : got) shown << "  " << g << "\n";
            EXPECT_EQ(got, b.expected)
                << b.file << ":" << b.line << ": " << b.directive << " " << b.argument << "\ngot:\n"
                << shown.str();
        }
    }
    EXPECT_GE(cases, 80u);
}

// Byte at a time: every prefix of every query of the files parses to a tree or to an error
// whose column lies inside the prefix (never a crash, never a column past the end).
TEST(QueryPrefixes, EveryPrefixParsesOrNamesAColumnInside) {
    size_t prefixes = 0;
    for (const auto& entry : std::filesystem::directory_iterator(SL_QUERY_DIR)) {
        if (entry.path().extension() != ".test") continue;
        for (const auto& b : read_blocks(entry.path())) {
            for (size_t n = 0; n <= b.argument.size(); ++n, ++prefixes) {
                std::string prefix = b.argument.substr(0, n);
                auto c = query::compile(prefix, {query::Target::kServices, kNow, false});
                if (!c.ok) {
                    EXPECT_GE(c.error.column, 1) << prefix;
                    EXPECT_LE(static_cast<size_t>(c.error.column), n + 1) << prefix;
                    EXPECT_FALSE(c.error.message.empty()) << prefix;
                }
            }
        }
    }
    EXPECT_GT(prefixes, 2000u);
}

}  // namespace
}  // namespace sl::store
