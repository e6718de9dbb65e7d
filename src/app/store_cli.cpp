#include "app/store_cli.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/text.h"

namespace sl::app {

void add_store_flags(CLI::App* cmd, StoreFlags& f, const std::string& formats) {
    cmd->add_option("--db", f.db,
                    "The database (default: $SEARCHLIGHT_DB, else "
                    "~/.local/share/searchlight/searchlight.db)")
        ->type_name("PATH");
    cmd->add_option("--format", f.format, formats)->capture_default_str();
}

Result<ListFormat> parse_list_format(const std::string& text) {
    if (text == "table") return ListFormat::kTable;
    if (text == "json") return ListFormat::kJson;
    if (text == "ndjson") return ListFormat::kNdjson;
    if (text == "csv") return ListFormat::kCsv;
    return make_error(fmt::format("unknown --format '{}': use table, json, ndjson or csv", text));
}

Result<store::Store> open_store(const std::string& db_flag, store::OpenMode mode, bool create) {
    auto path = store::resolve_db_path(db_flag);
    if (!path) return path.error();
    if (!create && !std::filesystem::exists(*path))
        return make_error(
            fmt::format("no database at '{}': run a scan first, or give --db", *path));
    return store::Store::open(*path, mode);
}

std::variant<ReadSession, int> open_for_reading(const StoreFlags& f) {
    auto format = parse_list_format(f.format);
    if (!format) {
        print_failure(format.error().message);
        return 2;
    }
    auto db = open_store(f.db, store::OpenMode::kReadOnly);
    if (!db) return open_failure(db.error());
    return ReadSession{*format, std::move(*db)};
}

int open_failure(const Error& e) {
    print_failure(e.message);
    bool missing = e.message.rfind("no database at", 0) == 0;
    return store::is_refusal(e) || missing ? 2 : 1;
}

void print_failure(const std::string& message) {
    std::fprintf(stderr, "searchlight: error: %s\n", escape_for_terminal(message).c_str());
}

int print_query_error(const std::string& text, const store::query::ParseError& e) {
    std::fprintf(stderr, "searchlight: error: %s\n", store::query::format_error(text, e).c_str());
    return 2;
}

std::string human_duration(int64_t ms) {
    int64_t s = ms / 1000;
    if (s < 60) return fmt::format("{}s", s);
    if (s < 3600) return fmt::format("{}m", s / 60);
    if (s < 86400) return fmt::format("{}h {}m", s / 3600, s % 3600 / 60);
    return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
}

std::string short_time(const nlohmann::ordered_json& t) {
    if (!t.is_string()) return "-";
    std::string s = t.get<std::string>();
    if (s.size() >= 19) return s.substr(0, 10) + " " + s.substr(11, 8);
    return s;
}

std::string csv_line(const std::vector<std::string>& fields) {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        const std::string& f = fields[i];
        if (f.find_first_of(",\"\r\n") == std::string::npos) {
            out += f;
            continue;
        }
        out += '"';
        for (char c : f) {
            if (c == '"') out += '"';
            out += c;
        }
        out += '"';
    }
    return out + "\n";
}

std::string actor_name(const std::string& flag) {
    if (!flag.empty()) return flag;
    for (const char* var : {"SUDO_USER", "USER", "LOGNAME"})
        if (const char* v = std::getenv(var); v && *v) return v;
    return fmt::format("uid {}", ::getuid());
}

std::string cell(const nlohmann::ordered_json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

}  // namespace sl::app
