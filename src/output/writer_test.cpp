#include "output/writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "output/evidence.h"

namespace sl::output {
namespace {

std::string write_with(Format f) {
    char* buf = nullptr;
    size_t len = 0;
    std::FILE* mem = open_memstream(&buf, &len);
    RecordWriter w(mem, f, "0190a0b0-0000-7000-8000-000000000000");
    w.begin();
    scan::PortResult r{*parse_ip("127.0.0.1"), 6379, scan::PortState::kOpen, 0.1234, 1};
    w.port(r, 0);
    w.port({*parse_ip("::1"), 22, scan::PortState::kFiltered, 300.0, 2}, 0);
    w.summary({2, 1, 0, 1, 3, 1.5, false}, 0);
    EXPECT_TRUE(w.end().ok());
    std::fclose(mem);
    std::string out(buf, len);
    std::free(buf);
    return out;
}

TEST(RecordWriter, NdjsonFollowsTheContract) {
    std::string out = write_with(Format::kNdjson);
    std::vector<nlohmann::json> lines;
    size_t start = 0;
    while (start < out.size()) {
        size_t nl = out.find('\n', start);
        lines.push_back(nlohmann::json::parse(out.substr(start, nl - start)));
        start = nl + 1;
    }
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0]["type"], "port");
    EXPECT_EQ(lines[0]["ip"], "127.0.0.1");
    EXPECT_EQ(lines[0]["port"], 6379);
    EXPECT_EQ(lines[0]["transport"], "tcp");
    EXPECT_EQ(lines[0]["state"], "open");
    EXPECT_DOUBLE_EQ(lines[0]["rtt_ms"].get<double>(), 0.123);
    EXPECT_EQ(lines[0]["time"], "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(lines[0]["scan_id"], "0190a0b0-0000-7000-8000-000000000000");
    EXPECT_EQ(lines[1]["state"], "filtered");
    EXPECT_EQ(lines[2]["type"], "summary");
    EXPECT_EQ(lines[2]["open"], 1);
}

TEST(RecordWriter, JsonIsOneArray) {
    auto j = nlohmann::json::parse(write_with(Format::kJson));
    ASSERT_TRUE(j.is_array());
    EXPECT_EQ(j.size(), 3u);
}

TEST(RecordWriter, CsvAndTable) {
    EXPECT_EQ(write_with(Format::kCsv),
              "ip,port,transport,state,rtt_ms\n127.0.0.1,6379,tcp,open,0.123\n"
              "::1,22,tcp,filtered,300.000\n");
    std::string table = write_with(Format::kTable);
    EXPECT_NE(table.find("127.0.0.1"), std::string::npos);
    EXPECT_EQ(table.rfind("IP", 0), 0u);
}

TEST(StatusLine, RateProgressEtaOpen) {
    EXPECT_EQ(status_line(500, 1000, 7, 1.0), "rate 500/s, 50.0% done, ETA 0:00:01, open 7");
    EXPECT_EQ(status_line(0, 1000, 0, 0), "rate 0/s, 0.0% done, ETA --:--, open 0");
    EXPECT_EQ(human_rate(29800), "29.8k");
}

TEST(Evidence, SaysWhenTheCertificateHadExpired) {
    Record r;
    r.set("product", "nginx");
    r.set("tls_cert.not_after", "2021-01-01T00:00:00.000Z");
    const int64_t nov_2026 = 1795435546000;
    EXPECT_EQ(evidence_summary(r, nov_2026), "nginx, cert expired 2021-01-01");
    EXPECT_EQ(evidence_summary(r, 1577836800000), "nginx");  // 2020-01-01: still valid
}

Record finding(const char* ip, int64_t port, const char* rule, const char* severity) {
    Record f;
    f.set("type", "finding");
    f.set("ip", ip);
    f.set("port", port);
    f.set("rule", rule);
    f.set("severity", severity);
    f.set("title", std::string("title of ") + rule);
    return f;
}

TEST(RecordWriter, HostRecordAndTheTableMarksAFlaggedHostsFindings) {
    char* buf = nullptr;
    size_t len = 0;
    std::FILE* mem = open_memstream(&buf, &len);
    RecordWriter nd(mem, Format::kNdjson, "id");
    scan::HoneypotFlag flag{*parse_ip("10.0.0.9"), 3, {"ftp", "http"}};
    nd.host(flag, 0);
    EXPECT_TRUE(nd.end().ok());
    std::fclose(mem);
    auto j = nlohmann::json::parse(std::string(buf, len));
    std::free(buf);
    EXPECT_EQ(j["type"], "host");
    EXPECT_EQ(j["ip"], "10.0.0.9");
    EXPECT_EQ(j["honeypot_suspected"], true);
    EXPECT_EQ(j["open_ports"], 3);
    EXPECT_EQ(j["open_protocols"], 2);

    buf = nullptr;
    mem = open_memstream(&buf, &len);
    RecordWriter table(mem, Format::kTable, "id", true);
    table.finding(finding("10.0.0.10", 80, "b-rule", "medium"), 0);
    table.finding(finding("10.0.0.9", 21, "a-rule", "medium"), 0);
    table.finding(finding("10.0.0.9", 22, "c-rule", "critical"), 0);
    table.host(flag, 0);
    EXPECT_TRUE(table.end().ok());
    std::fclose(mem);
    std::string out(buf, len);
    std::free(buf);
    EXPECT_NE(out.find("LIKELY HONEYPOTS (1)"), std::string::npos) << out;
    size_t c = out.find("c-rule"), a = out.find("a-rule"), b = out.find("b-rule");
    EXPECT_LT(c, a);  // critical first; then by address: 10.0.0.9 before 10.0.0.10
    EXPECT_LT(a, b);
    EXPECT_NE(out.find("title of a-rule [likely honeypot]"), std::string::npos) << out;
    EXPECT_NE(out.find("title of b-rule\n"), std::string::npos) << out;  // not flagged
}

TEST(Format, ParseRejectsUnknown) {
    EXPECT_TRUE(parse_format("csv").ok());
    EXPECT_FALSE(parse_format("xml").ok());
}

}  // namespace
}  // namespace sl::output
