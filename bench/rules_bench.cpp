// Evaluates N synthetic service records against the shipped rules on one thread and prints
// records/s and the number of findings (bench/rules.sh runs it; it never passes or fails).
// The records are the golden transcripts' expected records (every protocol, every verdict),
// drawn so that about 5% are `open`, with an ip and a port each, like a real scan's.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "rules/loader.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    size_t n = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
    auto set = sl::rules::load_rules({sl::rules::builtin_rules_dir()});
    if (!set) {
        std::fprintf(stderr, "rules_bench: %s\n", set.error().message.c_str());
        return 1;
    }
    std::vector<sl::Record> open, other;
    for (const auto& e :
         fs::recursive_directory_iterator(fs::path(SL_SOURCE_DIR) / "src" / "grab")) {
        if (e.path().string().find(".expected.json") == std::string::npos) continue;
        std::ifstream in(e.path());
        auto j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;
        sl::Record r;
        for (auto& [k, v] : j["record"].items()) r.set_raw(k, v);
        r.set("protocol", e.path().parent_path().parent_path().filename().string());
        r.set("status", j.value("status", "ok"));
        r.set("access", j.value("access", "unknown"));
        (j.value("access", "") == "open" ? open : other).push_back(std::move(r));
    }
    std::mt19937_64 rng(7);
    std::vector<sl::Record> records;
    records.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        bool pick_open = rng() % 100 < 5;
        auto& pool = pick_open ? open : other;
        sl::Record r = pool[rng() % pool.size()];
        r.set("ip", "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) +
                        "." + std::to_string(i & 255));
        r.set("port", static_cast<int64_t>(1 + rng() % 65535));
        records.push_back(std::move(r));
    }
    const auto ctx = sl::rules::context_now();
    auto start = std::chrono::steady_clock::now();
    size_t findings = 0;
    for (const auto& r : records) findings += sl::rules::findings(**set, r, ctx).size();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("rules %zu, templates %zu open + %zu other, records %zu, findings %zu\n",
                (*set)->rules.size(), open.size(), other.size(), n, findings);
    std::printf("%.3f s, %.0f records/s on one thread\n", s, static_cast<double>(n) / s);
    return 0;
}
