// HTTP and HTTPS, generic. CATALOGUE row 33 (directory listings, .git, .env) and row 37 (the
// mail-archive class: data listings behind a service no product grabber recognised).
//
// What we send: GET /, GET /.git/HEAD and GET /.env, one after another on a keep-alive
// connection (a new connection when the server closes), each with "Accept-Encoding: identity"
// so nothing arrives compressed. When / answers JSON, the listing endpoints of rows 1, 7 and 36
// follow: GET /_cat/indices (names, counts, bytes), GET /_all_dbs (names) and GET
// /solr/admin/cores?action=STATUS (names, counts, bytes). Responses are parsed by
// libhttp-parser. No redirect is followed.
// Open versus auth-required: content served on / without a login (2xx) is `open`; 401 or 407
// is `auth_required`; a redirect to a login page is `auth_required`; 403 is `denied` unless it
// carries a WWW-Authenticate challenge or is a login form (then `auth_required`); a 400 from a
// server that asked for a client certificate (nginx's ssl_verify_client) is `auth_required`.
// Evidence: status, title, Server, headers (Set-Cookie names only), a directory listing's entry
// count and interesting extensions, .git's existence and branch name, .env's existence, key
// count and the names of secret-looking keys, and the `data` object of whichever listing
// answered (a directory listing's names count too): names, sizes, mail-like names. Never a
// value, never a file body, never a document.
// References: RFC 9110, RFC 9112; LeakIX DotEnvHttpPlugin and GitConfigHttpPlugin; nmap
// http-git, http-ls, http-title.
#include "grab/http/http.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "core/text.h"
#include "grab/codecs/http.h"
#include "grab/codecs/http_sequence.h"
#include "grab/data_summary.h"
#include "grab/http_root.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"http.status", FieldType::kInteger, "status code of GET /"},
    {"http.title", FieldType::kString, "the <title> of GET /"},
    {"http.server", FieldType::kString, "the Server header"},
    {"http.location", FieldType::kString, "the Location header of a redirect from /"},
    {"http.headers", FieldType::kObject, "response headers of GET / (Set-Cookie: names only)"},
    {"http.dir_listing", FieldType::kBool, "/ is a directory listing"},
    {"http.listing_entries", FieldType::kInteger, "entries in the listing of /"},
    {"http.listing_interesting", FieldType::kStringList,
     "listed names with extensions of dumps, backups and mail (.sql, .bak, .pst, .eml, ...)"},
    {"http.git_exposed", FieldType::kBool, "/.git/HEAD is served"},
    {"http.git_branch", FieldType::kString, "the branch /.git/HEAD points to"},
    {"http.env_exposed", FieldType::kBool, "/.env is served as KEY=VALUE lines"},
    {"http.env_keys", FieldType::kInteger, "number of keys in /.env"},
    {"http.env_secret_names", FieldType::kStringList,
     "names of /.env keys that look like secrets (never their values)"},
    {"http.data_listings", FieldType::kStringList,
     "listing endpoints that answered without credentials: _cat/indices, _all_dbs, solr/cores"},
};

constexpr uint16_t kPorts[] = {80, 443, 8000, 8008, 8080, 8081, 8443, 8888, 9000, 9090};
constexpr std::string_view kPaths[] = {"/", "/.git/HEAD", "/.env"};
// Row 37: the listing endpoints tried when / answered JSON but no product grabber claimed it.
struct ListingProbe {
    std::string_view path;
    std::string_view name;
};
constexpr ListingProbe kListings[] = {
    {kCatIndicesPath, "_cat/indices"},
    {"/_all_dbs", "_all_dbs"},
    {"/solr/admin/cores?action=STATUS&wt=json", "solr/cores"},
};
constexpr size_t kMaxKeptHeaders = 32;

std::string trim(std::string_view s) {
    size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string_view::npos) return {};
    size_t b = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(a, b - a + 1));
}

std::string host_header(const Target& t) {
    std::string ip = t.ip.to_string();
    if (t.ip.family == Family::kV6) ip = "[" + ip + "]";
    bool default_port = (t.port == 80 && !t.tls) || (t.port == 443 && t.tls);
    return default_port ? ip : ip + ":" + std::to_string(t.port);
}

std::string title_of(std::string_view body) {
    std::string low = ascii_lower(body.substr(0, 16 * 1024));
    size_t open = low.find("<title");
    if (open == std::string::npos) return {};
    size_t gt = low.find('>', open);
    size_t close = low.find("</title", gt == std::string::npos ? open : gt);
    if (gt == std::string::npos || close == std::string::npos) return {};
    return trim(body.substr(gt + 1, std::min<size_t>(close - gt - 1, 512)));
}

bool interesting_name(std::string_view name) {
    static constexpr std::string_view kExt[] = {".sql", ".bak",    ".pst", ".eml", ".mbox", ".dump",
                                                ".db",  ".sqlite", ".tar", ".gz",  ".zip",  ".7z",
                                                ".key", ".pem",    ".ost", ".msg"};
    std::string low = ascii_lower(name);
    for (auto e : kExt)
        if (low.ends_with(e)) return true;
    return false;
}

bool is_listing(std::string_view title, std::string_view body) {
    std::string low = ascii_lower(body.substr(0, 4096));
    return title.starts_with("Index of /") || title.starts_with("Directory listing for /") ||
           low.find("<h1>index of /") != std::string::npos;
}

// A page with a password field (a login form), in its first 16 KiB.
bool is_login_page(std::string_view body) {
    std::string low = ascii_lower(body.substr(0, 16 * 1024));
    for (auto w : {"type=\"password\"", "type='password'", "type=password"})
        if (low.find(w) != std::string::npos) return true;
    return false;
}

void record_listing(Record& rec, std::string_view body, DataSummary& summary) {
    uint64_t entries = 0;
    size_t pos = 0;
    while ((pos = body.find("<a href=\"", pos)) != std::string_view::npos) {
        pos += 9;
        size_t end = body.find('"', pos);
        if (end == std::string_view::npos) break;
        std::string_view href = body.substr(pos, end - pos);
        if (href.empty() || href.starts_with("..") || href.starts_with("?") ||
            href.starts_with("/"))
            continue;
        ++entries;
        summary.add(href.substr(0, 200));
        if (interesting_name(href)) rec.append("http.listing_interesting", href.substr(0, 200));
    }
    rec.set("http.dir_listing", true);
    rec.set("http.listing_entries", entries);
}

bool secret_like(std::string_view name) {
    std::string low = ascii_lower(name);
    for (auto p : {"pass", "secret", "token", "key", "aws_", "private", "credential", "auth", "dsn",
                   "database_url"})
        if (low.find(p) != std::string::npos) return true;
    return false;
}

// Counts KEY=VALUE lines; keeps only the names of secret-looking keys.
void record_env(Record& rec, std::string_view body) {
    if (body.empty() || body.find('<') < 64) return;  // HTML, a soft 404
    uint64_t keys = 0;
    std::vector<std::string_view> secrets;
    while (!body.empty()) {
        size_t nl = body.find('\n');
        std::string_view line = body.substr(0, nl);
        size_t a = line.find_first_not_of(" \t");
        if (a != std::string_view::npos && line[a] != '#') {
            line.remove_prefix(a);
            if (line.starts_with("export ")) line.remove_prefix(7);
            size_t eq = line.find('=');
            std::string_view name = line.substr(0, eq);
            bool ok = eq != std::string_view::npos && eq > 0 && eq <= 128 &&
                      std::all_of(name.begin(), name.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                 c == '.' || c == '-';
                      });
            if (ok) {
                ++keys;
                if (secret_like(name)) secrets.push_back(name);
            }
        }
        if (nl == std::string_view::npos) break;
        body.remove_prefix(nl + 1);
    }
    if (keys < 2) return;
    rec.set("http.env_exposed", true);
    rec.set("http.env_keys", keys);
    for (auto n : secrets) rec.append("http.env_secret_names", n);
}

class HttpGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        send_request(s);
        return Next::kRead;
    }

    Next on_data(Session& s, ByteQueue& in) override {
        while (!verdict_) {  // a keep-alive server may answer several requests in one read
            size_t used = 0;
            auto r = parser_->feed(in.view(), &used);
            in.consume(used);
            if (r == HttpResponseParser::Result::kIncomplete) return Next::kRead;
            if (r == HttpResponseParser::Result::kLimit) return stop(s, GrabStatus::kLimitExceeded);
            if (r == HttpResponseParser::Result::kNotHttp)
                return stop(s, step_ == 0 ? GrabStatus::kNotThisProtocol : GrabStatus::kOk);
            Next next = on_response(s);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (!verdict_ && parser_ && parser_->finish() == HttpResponseParser::Result::kComplete)
            on_response(s);
        if (verdict_) return *verdict_;
        if (step_ > 0) {  // / was judged; a later path did not finish
            s.record().set("evidence_truncated", true);
            write_data(s.record());
            return {GrabStatus::kOk, access_};
        }
        if (why == CloseReason::kLimit) return {GrabStatus::kLimitExceeded, Access::kUnknown};
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {parser_->started() ? GrabStatus::kProtocolError : GrabStatus::kNotThisProtocol,
                Access::kUnknown};
    }

  private:
    void send_request(Session& s) {
        parser_ = std::make_unique<HttpResponseParser>();
        std::string req = "GET ";
        req +=
            step_ < std::size(kPaths) ? kPaths[step_] : kListings[step_ - std::size(kPaths)].path;
        req += " HTTP/1.1\r\nHost: " + host_header(s.target()) +
               "\r\nUser-Agent: Searchlight/0.1 (exposure scanner)\r\nAccept: */*\r\n"
               "Accept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n";
        s.send(req);
    }

    size_t steps() const {
        return std::size(kPaths) + (probe_listings_ ? std::size(kListings) : 0);
    }

    Next stop(Session& s, GrabStatus status) {
        if (step_ > 0) write_data(s.record());
        verdict_ = Verdict{status, step_ == 0 ? Access::kUnknown : access_};
        return Next::kClose;
    }

    Next on_response(Session& s) {
        const HttpResponse& resp = parser_->response();
        Record& rec = s.record();
        if (step_ == 0) {
            s_tls_ = s.target().tls;
            judge_root(rec, resp);
            if (needs_tls_) {
                s.needs_tls();
                verdict_ = Verdict{GrabStatus::kOk, access_};
                return Next::kClose;
            }
        }
        if (step_ == 1 && resp.status == 200) {
            std::string_view body = resp.body;
            if (body.starts_with("ref: refs/heads/")) {
                rec.set("http.git_exposed", true);
                rec.set("http.git_branch", trim(body.substr(16, 200)));
            } else if (body.size() >= 40 &&
                       std::all_of(body.begin(), body.begin() + 40, [](char c) {
                           return std::isxdigit(static_cast<unsigned char>(c));
                       })) {
                rec.set("http.git_exposed", true);
            }
        }
        if (step_ == 2 && resp.status == 200) record_env(rec, resp.body);
        if (step_ >= std::size(kPaths) && resp.status == 200)
            on_listing(rec, resp, kListings[step_ - std::size(kPaths)]);
        bool keep_alive = resp.keep_alive;
        if (++step_ == steps()) {
            write_data(rec);
            verdict_ = Verdict{GrabStatus::kOk, access_};
            return Next::kClose;
        }
        if (keep_alive) {
            send_request(s);
            return Next::kRead;
        }
        return Next::kReconnect;
    }

    void judge_root(Record& rec, const HttpResponse& resp) {
        rec.set("http.status", static_cast<int64_t>(resp.status));
        std::string_view server = resp.header("server");
        if (!server.empty()) {
            rec.set("http.server", server.substr(0, 200));
            size_t slash = server.find('/');
            rec.set("product", server.substr(0, std::min<size_t>(slash, 64)));
            if (slash != std::string_view::npos)
                rec.set("version", server.substr(slash + 1, server.find(' ', slash) - slash - 1));
        }
        size_t kept = 0;
        for (const auto& [k, v] : resp.headers) {
            if (kept++ >= kMaxKeptHeaders) break;
            std::string key = "http.headers." + std::string(k.substr(0, 64));
            std::replace(key.begin() + 13, key.end(), '.', '_');
            if (k == "set-cookie")
                rec.append(key, std::string_view(v).substr(0, v.find('=')));
            else
                rec.set(key, std::string_view(v).substr(0, 256));
        }
        std::string title = title_of(resp.body);
        if (!title.empty()) rec.set("http.title", title);
        std::string_view location = resp.header("location");
        if (!location.empty()) rec.set("http.location", location.substr(0, 512));
        if (resp.status >= 200 && resp.status < 300 && is_listing(title, resp.body))
            record_listing(rec, resp.body, summary_);
        if (resp.status >= 200 && resp.status < 300 && looks_like_json(resp.body))
            probe_listings_ = true;
        access_ = judge(resp, ascii_lower(location), rec.has("tls_cert.client_cert_requested"));
        if (!s_tls_ && asks_for_https(resp)) needs_tls_ = true;
    }

    // The access the first answer proves. 403 is `denied` (an allowlist, a forbidden
    // directory) unless it carries a challenge or is a login page, which make it a login in
    // the way; nginx with ssl_verify_client on finishes the handshake, then answers 400 "No
    // required SSL certificate was sent": a login by certificate.
    static Access judge(const HttpResponse& resp, const std::string& location,
                        bool client_cert_requested) {
        int status = resp.status;
        if (status >= 200 && status < 300) return Access::kOpen;
        if (status == 401 || status == 407) return Access::kAuthRequired;
        if (status == 400 && client_cert_requested) return Access::kAuthRequired;
        if (status == 403)
            return !resp.header("www-authenticate").empty() || is_login_page(resp.body)
                       ? Access::kAuthRequired
                       : Access::kDenied;
        if (status >= 300 && status < 400) {
            for (auto w : {"login", "signin", "sign_in", "auth", "sso"})
                if (location.find(w) != std::string::npos) return Access::kAuthRequired;
        }
        return Access::kUnknown;
    }

    // Row 37: a listing endpoint answered; its names and sizes join the data summary.
    void on_listing(Record& rec, const HttpResponse& resp, const ListingProbe& probe) {
        auto j = resp.body_truncated ? std::nullopt : parse_json(resp.body);
        std::optional<DataSummary> found = j ? read_listing(*j, probe) : std::nullopt;
        if (!found) return;
        rec.append("http.data_listings", probe.name);
        if (!listing_found_) summary_ = std::move(*found);  // the first listing is the richest
        listing_found_ = true;
    }

    static std::optional<DataSummary> read_listing(const nlohmann::json& j,
                                                   const ListingProbe& probe) {
        if (probe.name == "_cat/indices" && j.is_array() && !j.empty() && json_field(j[0], "index"))
            return summarize_cat_indices(j);
        DataSummary summary;
        summary.listed();
        if (probe.name == "_all_dbs" && j.is_array() && !j.empty() && j[0].is_string()) {
            for (const auto& name : j)
                if (name.is_string()) summary.add(name.get_ref<const std::string&>());
            return summary;
        }
        const nlohmann::json* cores = json_field(j, "status");
        if (probe.name != "solr/cores" || !cores || !cores->is_object()) return std::nullopt;
        for (const auto& [name, core] : cores->items()) {
            const nlohmann::json* index = json_field(core, "index");
            const nlohmann::json* docs = index ? json_field(*index, "numDocs") : nullptr;
            const nlohmann::json* bytes = index ? json_field(*index, "sizeInBytes") : nullptr;
            summary.add(name, docs ? json_count(*docs) : 0, bytes ? json_count(*bytes) : 0);
        }
        return summary;
    }

    void write_data(Record& rec) {
        if (!data_written_) summary_.write(rec);
        data_written_ = true;
    }

    size_t step_ = 0;
    bool probe_listings_ = false;
    bool data_written_ = false;
    bool listing_found_ = false;
    DataSummary summary_;
    bool s_tls_ = false;
    bool needs_tls_ = false;
    std::unique_ptr<HttpResponseParser> parser_;
    Access access_ = Access::kUnknown;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec http_spec() {
    GrabberSpec spec{"http", kPorts,  Transport::kTcp,
                     true,   kFields, [] { return std::unique_ptr<Grabber>(new HttpGrabber()); }};
    spec.might_be = any_http_root;  // the generic record: any HTTP answer
    return spec;
}

}  // namespace sl::grab
