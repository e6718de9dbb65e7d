#include "rules/rule.h"

namespace sl::rules {

const char* to_string(Severity s) {
    switch (s) {
        case Severity::kInfo:
            return "info";
        case Severity::kLow:
            return "low";
        case Severity::kMedium:
            return "medium";
        case Severity::kHigh:
            return "high";
        case Severity::kCritical:
            return "critical";
    }
    return "info";
}

std::optional<Severity> parse_severity(std::string_view text) {
    for (auto v :
         {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical})
        if (text == to_string(v)) return v;
    return std::nullopt;
}

Severity severity_for(const Rule& rule, const Record& service, const EvalContext& ctx) {
    Severity s = rule.severity;
    for (const auto& step : rule.raise)
        if (step.severity > s && evaluate(step.when, service, ctx)) s = step.severity;
    return s;
}

std::optional<Record> apply(const Rule& rule, const Record& service, const EvalContext& ctx) {
    if (!evaluate(rule.when, service, ctx)) return std::nullopt;
    Record f;
    f.set("type", "finding");
    for (const char* k : {"scan_id", "time", "ip"})
        if (const auto* v = service.find(k)) f.set_raw(k, *v);
    if (const auto* port = service.find("port")) f.set_raw("port", *port);
    f.set("rule", rule.id);
    f.set("category", rule.category);
    f.set("severity", to_string(severity_for(rule, service, ctx)));
    f.set("title", rule.title);
    Record::Json evidence = Record::Json::object();
    for (const auto& field : rule.evidence)
        if (const auto* v = service.find(field)) evidence[field] = *v;
    f.set_raw("evidence", evidence);
    f.set("remediation", rule.remediation);
    if (service.has("honeypot_suspected")) f.set("honeypot_suspected", true);
    return f;
}

namespace {

// The protocol a rule requires, when its condition starts with `protocol: {eq: X}`.
const std::string* required_protocol(const Condition& c) {
    auto is_protocol = [](const Condition& p) {
        return p.kind == Condition::Kind::kPredicate && p.predicate.field == "protocol" &&
               p.predicate.op == Op::kEq && p.predicate.value.is_string();
    };
    if (is_protocol(c)) return &c.predicate.value.get_ref<const std::string&>();
    if (c.kind == Condition::Kind::kAll)
        for (const auto& child : c.children)
            if (is_protocol(child)) return &child.predicate.value.get_ref<const std::string&>();
    return nullptr;
}

}  // namespace

void RuleSet::build_index() {
    by_protocol.clear();
    any_protocol.clear();
    for (size_t i = 0; i < rules.size(); ++i) {
        const std::string* p = required_protocol(rules[i].when);
        (p ? by_protocol[*p] : any_protocol).push_back(i);
    }
}

std::vector<Record> findings(const RuleSet& set, const Record& service, const EvalContext& ctx) {
    std::vector<Record> out;
    const auto* protocol = service.find("protocol");
    const std::vector<size_t>* own = nullptr;
    if (protocol && protocol->is_string()) {
        auto it = set.by_protocol.find(protocol->get_ref<const std::string&>());
        if (it != set.by_protocol.end()) own = &it->second;
    }
    // Both lists are in rule order: merge them so findings keep the rules' order.
    size_t a = 0, b = 0, na = set.any_protocol.size(), nb = own ? own->size() : 0;
    while (a < na || b < nb) {
        size_t i = b >= nb || (a < na && set.any_protocol[a] < (*own)[b]) ? set.any_protocol[a++]
                                                                          : (*own)[b++];
        if (auto f = apply(set.rules[i], service, ctx)) out.push_back(std::move(*f));
    }
    return out;
}

}  // namespace sl::rules
