#include "monitor/schedule.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <vector>

namespace sl::monitor {

namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kSearchYears = 5;  // a spec that never fires (Feb 30) gives up after this

struct Field {
    const char* name;
    int low, high;
};
constexpr Field kFields[] = {{"minute", 0, 59},
                             {"hour", 0, 23},
                             {"day of month", 1, 31},
                             {"month", 1, 12},
                             {"day of week", 0, 7}};

Result<int> number(std::string_view s, const Field& f) {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
        return make_error(fmt::format("{}: '{}' is not a number", f.name, s));
    if (v < f.low || v > f.high)
        return make_error(fmt::format("{}: {} is outside {}-{}", f.name, v, f.low, f.high));
    return v;
}

// One comma-separated item: *, N, N-M, with an optional /STEP.
Status parse_item(std::string_view item, const Field& f, std::vector<bool>& set) {
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
        auto s = number(item.substr(slash + 1), Field{f.name, 1, f.high});
        if (!s) return make_error(fmt::format("{} (a step)", s.error().message));
        step = *s;
        item = item.substr(0, slash);
    }
    int low = f.low, high = f.high;
    if (item != "*") {
        auto dash = item.find('-');
        auto a = number(item.substr(0, dash), f);
        if (!a) return a.error();
        low = high = *a;
        if (dash != std::string_view::npos) {
            auto b = number(item.substr(dash + 1), f);
            if (!b) return b.error();
            if (*b < *a) return make_error(fmt::format("{}: range {} is backwards", f.name, item));
            high = *b;
        } else if (step != 1) {
            high = f.high;  // N/STEP: from N to the end
        }
    }
    for (int v = low; v <= high; v += step) set[static_cast<size_t>(v)] = true;
    return Ok{};
}

template <size_t N>
Status parse_field(std::string_view text, const Field& f, std::bitset<N>& out, bool* any) {
    std::vector<bool> set(static_cast<size_t>(f.high) + 1, false);
    if (any) *any = text == "*";
    size_t start = 0;
    while (true) {
        size_t comma = text.find(',', start);
        auto item = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
        if (item.empty()) return make_error(fmt::format("{}: an empty item", f.name));
        if (auto s = parse_item(item, f, set); !s) return s;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    for (size_t v = 0; v < set.size(); ++v)
        if (set[v]) out.set(v % N);  // day of week 7 is Sunday (0)
    return Ok{};
}

std::string_view expand_macro(std::string_view text) {
    if (text == "@hourly") return "0 * * * *";
    if (text == "@daily" || text == "@midnight") return "0 0 * * *";
    if (text == "@weekly") return "0 0 * * 0";
    if (text == "@monthly") return "0 0 1 * *";
    return text;
}

bool day_matches(const CronSpec& c, const std::tm& t) {
    bool dom = c.days.test(static_cast<size_t>(t.tm_mday));
    bool dow = c.weekdays.test(static_cast<size_t>(t.tm_wday));
    if (c.any_day && c.any_weekday) return true;
    if (c.any_day) return dow;
    if (c.any_weekday) return dom;
    return dom || dow;  // both restricted: either (cron's rule)
}

int64_t cron_next(const CronSpec& c, int64_t after_ms) {
    auto t = static_cast<time_t>((after_ms / kMinuteMs + 1) * 60);  // the next whole minute
    const time_t limit = t + kSearchYears * 366 * 86400;
    while (t < limit) {
        std::tm tm{};
        gmtime_r(&t, &tm);
        if (!c.months.test(static_cast<size_t>(tm.tm_mon + 1))) {
            tm.tm_mon += 1;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
            t = timegm(&tm);
        } else if (!day_matches(c, tm)) {
            tm.tm_mday += 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
            t = timegm(&tm);
        } else if (!c.hours.test(static_cast<size_t>(tm.tm_hour))) {
            t += 3600 - tm.tm_min * 60 - tm.tm_sec;
        } else if (!c.minutes.test(static_cast<size_t>(tm.tm_min))) {
            t += 60 - tm.tm_sec;
        } else {
            return static_cast<int64_t>(t) * 1000;
        }
    }
    return INT64_MAX;  // never fires
}

}  // namespace

Result<CronSpec> parse_cron(std::string_view text) {
    text = expand_macro(text);
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') ++i;
        size_t j = text.find(' ', i);
        if (j == std::string_view::npos) j = text.size();
        if (j > i) parts.push_back(text.substr(i, j - i));
        i = j;
    }
    if (parts.size() != 5)
        return make_error(fmt::format(
            "a cron expression has 5 fields (minute hour day month weekday), this has {}",
            parts.size()));
    CronSpec c;
    Status s = parse_field(parts[0], kFields[0], c.minutes, nullptr);
    if (s) s = parse_field(parts[1], kFields[1], c.hours, nullptr);
    if (s) s = parse_field(parts[2], kFields[2], c.days, &c.any_day);
    if (s) s = parse_field(parts[3], kFields[3], c.months, nullptr);
    if (s) s = parse_field(parts[4], kFields[4], c.weekdays, &c.any_weekday);
    if (!s) return s.error();
    return c;
}

int64_t Schedule::next_after(int64_t after_ms) const {
    if (every_ms > 0) return after_ms + every_ms;
    return cron_next(cron, after_ms);
}

int64_t Schedule::longest_gap_ms() const {
    if (every_ms > 0) return every_ms;
    constexpr int kStarts = 2000;
    int64_t t = cron_next(cron, 0), gap = 0;
    const int64_t end = t + 400LL * 86400 * 1000;
    for (int i = 0; i < kStarts && t < end; ++i) {
        int64_t n = cron_next(cron, t);
        if (n == INT64_MAX) break;
        gap = std::max(gap, n - t);
        t = n;
    }
    return gap > 0 ? gap : kSearchYears * 366 * 86400 * 1000;
}

}  // namespace sl::monitor
