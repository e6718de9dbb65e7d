// Opening the store: where it lives, refusing files that are not Searchlight's (without
// touching them), creating a new one with private modes, and the per-connection settings.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/version.h"
#include "store/schema.h"
#include "store/store.h"

namespace sl::store {

namespace {

Status refuse_foreign(const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec || size == 0) return Ok{};
    auto ro = Connection::open(path, SQLITE_OPEN_READONLY);
    if (!ro) return ro.error();
    auto objects = ro->scalar("SELECT count(*) FROM sqlite_master");
    auto app = ro->scalar("PRAGMA application_id");
    auto version = ro->scalar("PRAGMA user_version");
    if (!objects || !app || !version) {
        int code = sqlite3_errcode(ro->raw()) & 0xff;
        std::string why = !objects ? objects.error().message : ro->message();
        // The header is read by SQLite, never by a plain open() and close(): closing any
        // descriptor of the file drops every POSIX lock this process holds on it, and another
        // process that then believes it is the last connection deletes the write-ahead log
        // under this one's feet (a second Store in one process, as the monitor opens).
        if (code == SQLITE_NOTADB)
            return make_error(fmt::format(
                "'{}' is not a Searchlight database (not an SQLite file); {}", path, kUntouched));
        if (code == SQLITE_CORRUPT)
            return make_error(fmt::format("'{}' is corrupt ({}); {}", path, why, kUntouched));
        return make_error(fmt::format("cannot read '{}': {}", path, why));
    }
    if (*app != kApplicationId && *objects > 0)
        return make_error(
            fmt::format("'{}' is an SQLite database but not Searchlight's; {}", path, kUntouched));
    if (*version > kSchemaVersion)
        return make_error(fmt::format(
            "'{}' was made by a newer Searchlight (schema {}, this one knows {}); upgrade "
            "searchlight; {}",
            path, *version, kSchemaVersion, kUntouched));
    return Ok{};
}

Status create_file(const std::string& path) {
    std::filesystem::path p(path);
    if (p.has_parent_path() && !std::filesystem::exists(p.parent_path())) {
        std::error_code ec;
        std::filesystem::create_directories(p.parent_path(), ec);
        if (ec)
            return make_error(
                fmt::format("cannot create the directory of '{}': {}", path, ec.message()));
        ::chmod(p.parent_path().c_str(), 0700);
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST)
        return make_error(fmt::format("cannot create '{}': {}", path, std::strerror(errno)));
    if (fd >= 0) ::close(fd);
    return Ok{};
}

// sl_version_cmp(a, b): compare_versions for the query language's version:<7.10; NULL when
// either side is not text.
void version_cmp(sqlite3_context* ctx, int, sqlite3_value** args) {
    if (sqlite3_value_type(args[0]) != SQLITE_TEXT || sqlite3_value_type(args[1]) != SQLITE_TEXT) {
        sqlite3_result_null(ctx);
        return;
    }
    auto text = [](sqlite3_value* v) {
        return std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(v)),
                                static_cast<size_t>(sqlite3_value_bytes(v)));
    };
    sqlite3_result_int(ctx, compare_versions(text(args[0]), text(args[1])));
}

}  // namespace

bool is_refusal(const Error& e) { return e.message.find(kUntouched) != std::string::npos; }

Result<std::string> resolve_db_path(const std::string& flag) {
    if (!flag.empty()) return flag;
    if (const char* env = std::getenv("SEARCHLIGHT_DB"); env && *env) return std::string(env);
    std::string base;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg && xdg[0] == '/')
        base = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home)
        base = std::string(home) + "/.local/share";
    else
        return make_error("no database path: give --db PATH or set SEARCHLIGHT_DB");
    return base + "/searchlight/searchlight.db";
}

Result<Store> Store::open(const std::string& path, OpenMode mode) {
    bool memory = path == ":memory:";  // tests and fuzzers: a private database in memory
    bool exists = !memory && std::filesystem::exists(path);
    if (memory) {
    } else if (exists) {
        if (auto s = refuse_foreign(path); !s) return s.error();
    } else if (mode == OpenMode::kReadOnly) {
        return make_error(fmt::format("no database at '{}': run a scan first, or give --db", path));
    } else if (auto s = create_file(path); !s) {
        return s.error();
    }
    int flags = mode == OpenMode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    auto db = Connection::open(path, flags);
    if (!db) return db.error();
    auto in_file = [&](const Error& e) {
        return make_error(fmt::format("cannot use '{}': {}", path, e.message));
    };
    if (mode == OpenMode::kReadWrite) {
        // A checkpoint every 64 MiB of WAL instead of every 4 MiB: an index page changed by many
        // batches is copied back once, not once per batch.
        if (auto s = db->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                              "PRAGMA wal_autocheckpoint = 16384");
            !s)
            return in_file(s.error());
        if (auto s = migrate(*db); !s) return in_file(s.error());
    } else if (auto v = db->scalar("PRAGMA user_version"); !v || *v != kSchemaVersion) {
        return make_error(
            fmt::format("'{}' has schema {}; open it once for writing (a scan) to migrate it", path,
                        v ? *v : -1));
    }
    if (auto s = db->exec("PRAGMA foreign_keys = ON; PRAGMA cache_size = -262144; "
                          "PRAGMA temp_store = MEMORY");
        !s)
        return in_file(s.error());
    sqlite3_create_function_v2(db->raw(), "sl_version_cmp", 2,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                               version_cmp, nullptr, nullptr, nullptr);
    Store store(std::move(*db), path);
    if (mode == OpenMode::kReadWrite)  // after a killed bulk import
        if (auto s = store.restore_search_indexes(); !s) return in_file(s.error());
    return store;
}

}  // namespace sl::store
