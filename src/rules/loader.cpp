#include "rules/loader.h"

#include <fmt/format.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/clock.h"
#include "core/text.h"
#include "grab/registry.h"

namespace sl::rules {

namespace {

constexpr std::string_view kCategories[] = {
    "no-auth",     "anonymous-login",  "cleartext-auth", "dir-listing", "git-exposed",
    "env-exposed", "self-signed-cert", "expired-cert",   "weak-cert",   "eol-software",
    "info"};
constexpr size_t kMaxRuleFileBytes = 1 << 20;
constexpr size_t kMaxConditionDepth = 16;

using Profiles = std::map<std::string, std::vector<Raise>>;

struct LoadError {
    std::string message;
};

class Loader {
  public:
    explicit Loader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        YAML::Mark m = at.Mark();
        throw LoadError{fmt::format("{}:{}:{}: {}", file_, m.line + 1, m.column + 1,
                                    escape_for_terminal(what))};  // quotes user input: one line
    }

    std::string text(const YAML::Node& n, const char* what) const {
        if (!n.IsScalar()) fail(n, fmt::format("{} must be a string", what));
        return n.Scalar();
    }

    Condition condition(const YAML::Node& n, size_t depth = 0) const {
        if (depth > kMaxConditionDepth) fail(n, "condition nested too deep");
        if (!n.IsMap() || n.size() != 1)
            fail(n, "a condition is a map with one key: all, any, not or a field");
        auto it = n.begin();
        std::string key = it->first.Scalar();
        YAML::Node body = it->second;
        Condition c;
        if (key == "all" || key == "any") {
            if (!body.IsSequence() || body.size() == 0) fail(body, key + " needs a non-empty list");
            c.kind = key == "all" ? Condition::Kind::kAll : Condition::Kind::kAny;
            for (const auto& child : body) c.children.push_back(condition(child, depth + 1));
            return c;
        }
        if (key == "not") {
            c.kind = Condition::Kind::kNot;
            c.children.push_back(condition(body, depth + 1));
            return c;
        }
        c.kind = Condition::Kind::kPredicate;
        YAML::Node field = it->first;
        c.predicate = predicate(field, key, body);
        return c;
    }

    Predicate predicate(const YAML::Node& field_node, const std::string& field,
                        const YAML::Node& body) const {
        if (!known_field(field))
            fail(field_node, fmt::format("unknown field '{}' (see docs/records.md)", field));
        if (!body.IsMap() || body.size() != 1) fail(body, "a predicate is a map with one operator");
        auto it = body.begin();
        std::string op = it->first.Scalar();
        YAML::Node v = it->second;
        Predicate p;
        p.field = field;
        auto found = parse_op(op);
        if (!found) fail(it->first, fmt::format("unknown operator '{}'", op));
        p.op = *found;
        switch (p.op) {
            case Op::kIn:
                if (!v.IsSequence() || v.size() == 0) fail(v, "in needs a non-empty list");
                p.value = nlohmann::json::array();
                for (const auto& item : v) p.value.push_back(scalar(item));
                break;
            case Op::kExists:
                if (!v.IsScalar() || (v.Scalar() != "true" && v.Scalar() != "false"))
                    fail(v, "exists takes true or false");
                p.value = v.Scalar() == "true";
                break;
            case Op::kRegex: {
                auto re = std::make_shared<re2::RE2>(text(v, "regex"), re2::RE2::Quiet);
                if (!re->ok()) fail(v, fmt::format("bad regex: {}", re->error()));
                p.regex = re;
                break;
            }
            case Op::kCidr:
                for (const auto& item : v.IsSequence() ? v : YAML::Node(std::vector<YAML::Node>{v}))
                    p.cidrs.push_back(cidr(item));
                break;
            case Op::kBefore:
            case Op::kAfter:
                p.moment = moment(v);
                break;
            case Op::kGt:
            case Op::kGte:
            case Op::kLt:
            case Op::kLte:
                p.value = scalar(v);
                if (p.value.is_boolean()) fail(v, op + " compares numbers or versions");
                break;
            default:
                p.value = scalar(v);
        }
        return p;
    }

    // "now", "now+30d", "now-12h" (units s, m, h, d) or an RFC 3339 date.
    Moment moment(const YAML::Node& n) const {
        std::string s = text(n, "before/after");
        if (auto t = parse_rfc3339(s)) return {false, *t};
        if (s.rfind("now", 0) != 0)
            fail(n, fmt::format("bad moment '{}': use now, now+30d, now-12h or a date", s));
        if (s.size() == 3) return {true, 0};
        int64_t amount = 0;
        const char* end = s.data() + s.size() - 1;
        auto [p, ec] = std::from_chars(s.data() + 4, end, amount);
        static const std::map<char, int64_t> kUnit = {
            {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
        auto unit = kUnit.find(s.back());
        if ((s[3] != '+' && s[3] != '-') || ec != std::errc() || p != end || s.size() < 6 ||
            unit == kUnit.end() || amount > 100000 * 86400LL / unit->second)
            fail(n, fmt::format("bad moment '{}': use now, now+30d, now-12h or a date", s));
        return {true, (s[3] == '-' ? -amount : amount) * unit->second};
    }

    IpInterval cidr(const YAML::Node& n) const {
        std::string s = text(n, "cidr");
        size_t slash = s.find('/');
        auto ip = parse_ip(s.substr(0, slash));
        if (!ip) fail(n, fmt::format("bad cidr '{}'", s));
        int prefix = ip->bits();
        if (slash != std::string::npos) {
            auto [p, ec] = std::from_chars(s.data() + slash + 1, s.data() + s.size(), prefix);
            if (ec != std::errc() || p != s.data() + s.size() || prefix < 0 || prefix > ip->bits())
                fail(n, fmt::format("bad prefix in '{}'", s));
        }
        return cidr_interval(*ip, prefix);
    }

    // A YAML scalar as JSON: true/false, integers, numbers, else a string. Quoted scalars stay
    // strings ("9.2" compares as a version, 9.2 as a number).
    nlohmann::json scalar(const YAML::Node& n) const {
        if (!n.IsScalar()) fail(n, "expected a single value");
        const std::string& s = n.Scalar();
        if (n.Tag() == "!") return s;  // quoted
        if (s == "true" || s == "false") return s == "true";
        int64_t i = 0;
        if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
            ec == std::errc() && p == s.data() + s.size())
            return i;
        double d = 0;
        if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
            ec == std::errc() && p == s.data() + s.size())
            return d;
        return s;
    }

    static bool known_field(std::string_view f) {
        for (const auto& c : grab::common_fields())
            if (c.name == f) return true;
        for (auto top : {"ip", "port", "transport", "tls", "honeypot_suspected"})
            if (f == top) return true;
        for (const auto& spec : grab::all_grabbers())
            for (const auto& field : spec.fields)
                if (field.name == f) return true;
        return false;
    }

    Severity severity(const YAML::Node& n) const {
        std::string s = text(n, "severity");
        if (auto v = parse_severity(s)) return *v;
        fail(n, fmt::format("unknown severity '{}' (info, low, medium, high, critical)", s));
    }

    // A list of steps, {severity, when}. In a rule, an item may also name a profile, whose
    // steps are added there.
    std::vector<Raise> raise_steps(const YAML::Node& n, const Profiles* profiles) const {
        if (!n.IsSequence()) fail(n, "raise is a profile name or a list of {severity, when}");
        std::vector<Raise> out;
        for (const auto& step : n) {
            if (profiles && step.IsScalar()) {
                const auto& steps = profile(step, *profiles);
                out.insert(out.end(), steps.begin(), steps.end());
                continue;
            }
            if (!step.IsMap() || !step["severity"] || !step["when"])
                fail(step, "a raise step needs severity and when");
            out.push_back({severity(step["severity"]), condition(step["when"])});
        }
        return out;
    }

    const std::vector<Raise>& profile(const YAML::Node& name, const Profiles& profiles) const {
        auto p = profiles.find(name.Scalar());
        if (p == profiles.end())
            fail(name, fmt::format("unknown raise profile '{}'", name.Scalar()));
        return p->second;
    }

    Record example(const YAML::Node& n) const {
        if (!n.IsMap() || n.size() == 0) fail(n, "an example is a non-empty record (a map)");
        Record r;
        nlohmann::json fields = to_json(n);
        for (auto& [k, v] : fields.items()) r.set_raw(k, v);
        return r;
    }

    // YAML to JSON; a dotted key ("data.rows: 5") nests like the record it stands for.
    nlohmann::json to_json(const YAML::Node& n) const {
        if (n.IsSequence()) {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& item : n) list.push_back(to_json(item));
            return list;
        }
        if (!n.IsMap()) return scalar(n);
        nlohmann::json obj = nlohmann::json::object();
        for (const auto& kv : n) {
            std::string key = kv.first.Scalar();
            nlohmann::json* at = &obj;
            for (size_t dot; (dot = key.find('.')) != std::string::npos;
                 key = key.substr(dot + 1)) {
                at = &(*at)[key.substr(0, dot)];
                if (!at->is_object()) *at = nlohmann::json::object();
            }
            (*at)[key] = to_json(kv.second);
        }
        return obj;
    }

    std::vector<std::string> strings(const YAML::Node& n, const char* what) const {
        if (!n.IsSequence()) fail(n, fmt::format("{} is a list", what));
        std::vector<std::string> out;
        for (const auto& s : n) out.push_back(text(s, what));
        return out;
    }

    void profiles(const YAML::Node& n, Profiles& out) const {
        if (!n.IsMap()) fail(n, "profiles is a map of name: [steps]");
        for (const auto& kv : n) out[kv.first.Scalar()] = raise_steps(kv.second, nullptr);
    }

    Rule rule(const YAML::Node& n, const Profiles& profiles) const {
        if (!n.IsMap()) fail(n, "a rule is a map");
        static const std::set<std::string> kKeys = {
            "id",    "category", "title",       "severity",   "when",
            "raise", "evidence", "remediation", "references", "examples"};
        for (const auto& kv : n)
            if (!kKeys.count(kv.first.Scalar()))
                fail(kv.first, fmt::format("unknown key '{}'", kv.first.Scalar()));
        for (const char* required :
             {"id", "category", "title", "severity", "when", "remediation", "examples"})
            if (!n[required]) fail(n, fmt::format("rule lacks '{}'", required));
        Rule r;
        r.file = file_;
        r.line = n.Mark().line + 1;
        r.id = text(n["id"], "id");
        r.category = text(n["category"], "category");
        if (std::find(std::begin(kCategories), std::end(kCategories), r.category) ==
            std::end(kCategories))
            fail(n["category"], fmt::format("unknown category '{}'", r.category));
        r.title = text(n["title"], "title");
        r.severity = severity(n["severity"]);
        r.when = condition(n["when"]);
        if (YAML::Node raise = n["raise"])
            r.raise = raise.IsScalar() ? profile(raise, profiles) : raise_steps(raise, &profiles);
        if (n["evidence"]) {
            r.evidence = strings(n["evidence"], "evidence");
            for (size_t i = 0; i < r.evidence.size(); ++i)
                if (!known_field(r.evidence[i]))
                    fail(n["evidence"][i], fmt::format("unknown field '{}'", r.evidence[i]));
        }
        r.remediation = text(n["remediation"], "remediation");
        if (n["references"]) r.references = strings(n["references"], "references");
        YAML::Node ex = n["examples"];
        if (!ex.IsMap() || !ex["match"] || !ex["no_match"])
            fail(ex, "examples needs match and no_match lists");
        for (const char* kind : {"match", "no_match"}) {
            YAML::Node list = ex[kind];
            if (!list.IsSequence() || list.size() == 0)
                fail(list, fmt::format("examples.{} is a non-empty list", kind));
            for (const auto& e : list) {
                Example example{this->example(e), e.Mark().line + 1};
                (std::string(kind) == "match" ? r.match : r.no_match).push_back(std::move(example));
            }
        }
        return r;
    }

  private:
    std::string file_;
};

void load_document(const std::string& text, const std::string& name,
                   std::map<std::string, Rule>& rules, Profiles& profiles) {
    Loader loader(name);
    YAML::Node doc;
    try {
        doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw LoadError{fmt::format("{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1,
                                    escape_for_terminal(e.msg))};
    }
    if (doc.IsNull()) return;
    if (!doc.IsMap()) loader.fail(doc, "a rule file is a map with 'rules' (and 'profiles')");
    for (const auto& kv : doc) {
        std::string key = kv.first.Scalar();
        if (key != "rules" && key != "profiles")
            loader.fail(kv.first, fmt::format("unknown key '{}'", key));
    }
    if (doc["profiles"]) loader.profiles(doc["profiles"], profiles);
    if (!doc["rules"]) return;
    if (!doc["rules"].IsSequence()) loader.fail(doc["rules"], "rules is a list");
    std::set<std::string> here;
    for (const auto& n : doc["rules"]) {
        Rule r = loader.rule(n, profiles);
        if (!here.insert(r.id).second)
            loader.fail(n["id"], fmt::format("duplicate rule id '{}'", r.id));
        rules[r.id] = std::move(r);
    }
}

Result<std::string> read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return make_error(fmt::format("{}: cannot read", p.string()));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > kMaxRuleFileBytes)
        return make_error(fmt::format("{}: larger than 1 MiB", p.string()));
    return text;
}

std::shared_ptr<const RuleSet> freeze(std::map<std::string, Rule>& rules) {
    auto set = std::make_shared<RuleSet>();
    for (auto& [id, r] : rules) set->rules.push_back(std::move(r));
    set->build_index();
    return set;
}

}  // namespace

std::filesystem::path builtin_rules_dir() { return SL_RULES_DIR; }

Result<std::shared_ptr<const RuleSet>> load_rules(const std::vector<std::filesystem::path>& dirs) {
    std::map<std::string, Rule> rules;
    Profiles profiles;
    try {
        for (const auto& dir : dirs) {
            std::error_code ec;
            if (!std::filesystem::is_directory(dir, ec))
                return make_error(fmt::format("{}: not a directory", dir.string()));
            std::vector<std::filesystem::path> files;
            for (const auto& e : std::filesystem::directory_iterator(dir, ec))
                if (e.path().extension() == ".yaml") files.push_back(e.path());
            std::sort(files.begin(), files.end());
            // Profiles first (a profile file sorts anywhere), then rules.
            for (int pass = 0; pass < 2; ++pass)
                for (const auto& f : files) {
                    auto text = read_file(f);
                    if (!text) return text.error();
                    bool profile_file = f.filename() == "profiles.yaml";
                    if ((pass == 0) == profile_file)
                        load_document(*text, f.string(), rules, profiles);
                }
        }
    } catch (const LoadError& e) {
        return make_error(e.message);
    }
    return freeze(rules);
}

Result<std::shared_ptr<const RuleSet>> load_rules_text(const std::string& text,
                                                       const std::string& name) {
    std::map<std::string, Rule> rules;
    Profiles profiles;
    try {
        load_document(text, name, rules, profiles);
    } catch (const LoadError& e) {
        return make_error(e.message);
    } catch (const YAML::Exception& e) {
        return make_error(fmt::format("{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1,
                                      escape_for_terminal(e.msg)));
    }
    return freeze(rules);
}

}  // namespace sl::rules
