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

Severity severity_for(const Rule& rule, const Record& service) {
    Severity s = rule.severity;
    for (const auto& step : rule.raise)
        if (step.severity > s && evaluate(step.when, service)) s = step.severity;
    return s;
}

std::optional<Record> apply(const Rule& rule, const Record& service) {
    if (!evaluate(rule.when, service)) return std::nullopt;
    Record f;
    f.set("type", "finding");
    for (const char* k : {"scan_id", "time", "ip"})
        if (const auto* v = service.find(k)) f.set_raw(k, *v);
    if (const auto* port = service.find("port")) f.set_raw("port", *port);
    f.set("rule", rule.id);
    f.set("category", rule.category);
    f.set("severity", to_string(severity_for(rule, service)));
    f.set("title", rule.title);
    Record::Json evidence = Record::Json::object();
    for (const auto& field : rule.evidence)
        if (const auto* v = service.find(field)) evidence[field] = *v;
    f.set_raw("evidence", evidence);
    f.set("remediation", rule.remediation);
    if (service.has("honeypot_suspected")) f.set("honeypot_suspected", true);
    return f;
}

std::vector<Record> findings(const RuleSet& set, const Record& service) {
    std::vector<Record> out;
    for (const auto& rule : set.rules)
        if (auto f = apply(rule, service)) out.push_back(std::move(*f));
    return out;
}

}  // namespace sl::rules
