// What each sink sends: the webhook bodies have the shape of the examples in Slack's, Microsoft's,
// Discord's, PagerDuty's and CloudEvents' documentation (testdata/), and whatever a hostile server
// put in its banner stays text in every format. Routing: order, continue, silences, grouping.
#include "monitor/render.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "monitor/config.h"
#include "monitor/route.h"

namespace sl::monitor {
namespace {

// A banner built to break out of every format: markup, CR/LF, mentions, quotes, brackets.
constexpr const char* kHostile =
    "<script>alert(1)</script> <img src=x onerror=alert(2)>\r\nX-Injected: 1\n@everyone "
    "<@&123> `code` *bold* \"q\" ] \\ \x1b[31m";

Json example(const char* name) {
    std::ifstream in(std::string(SL_SOURCE_DIR) + "/src/monitor/testdata/" + name);
    std::stringstream s;
    s << in.rdbuf();
    Json j = Json::parse(s.str(), nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << name;
    return j;
}

// Every key of the example is in ours, with a value of the same JSON type (arrays: their
// first items); ours may carry more. Free-form members (PagerDuty's custom_details) only need
// the same type.
void expect_shape(const Json& want, const Json& got, const std::string& path = "$") {
    if (want.is_null()) return;  // null in an example: any value
    if (path == "$.payload.custom_details") {
        ASSERT_TRUE(got.is_object()) << path;
        return;
    }
    ASSERT_EQ(want.type_name(), std::string(got.type_name())) << path;
    if (want.is_object()) {
        for (const auto& [k, v] : want.items()) {
            ASSERT_TRUE(got.contains(k)) << path << "." << k << " missing in " << got.dump();
            expect_shape(v, got[k], path + "." + k);
        }
    } else if (want.is_array() && !want.empty()) {
        ASSERT_FALSE(got.empty()) << path;
        expect_shape(want[0], got[0], path + "[0]");
    }
}

Event exposure(const std::string& product = "Redis") {
    Event e;
    e.id = "01a2374b-e0d3-7ff0-abe9-1b9ad39cb650";
    e.event = "new_exposure";
    e.time = 1'796'083'200'000;
    e.scope = "lab";
    e.tags = {"prod"};
    e.owner = e.owner_contact = "secops@example.org";
    e.ip = "10.0.0.5";
    e.port = 6379;
    e.transport = "tcp";
    e.protocol = "redis";
    e.product = product;
    e.version = "7.0.15";
    e.rule = "redis-no-auth";
    e.category = "no-auth";
    e.severity = "medium";
    e.severity_rank = 2;
    e.title = "Redis answers without authentication";
    e.evidence = {{"redis.keys", 3}, {"banner", product}};
    e.remediation = "Set requirepass.";
    e.fingerprint = "v1:5585156f041863e871d90da75e2068ce";
    e.first_seen = e.time - 5000;
    e.last_seen = e.time;
    e.time_to_detect_s = 7;
    e.scan_id = "01a2374b-e005-79f9-9cb3-5503a1e1dc44";
    return e;
}

Message one(const Event& e) {
    return {"01a2374b-ffff-7000-8000-000000000001", 0, "s", e.scope, "event", e.title, {e.id}};
}

SinkConfig webhook(WebhookFormat f) {
    SinkConfig s;
    s.name = "s";
    s.type = SinkType::kWebhook;
    s.format = f;
    s.routing_key = "key";
    return s;
}

Json body(WebhookFormat f, const Event& e) {
    return Json::parse(render_webhook(webhook(f), one(e), {e}, 20).body);
}

TEST(Render, WebhookBodiesHaveTheDocumentedShapes) {
    Event e = exposure();
    expect_shape(example("slack_incoming_webhook.json"), body(WebhookFormat::kSlack, e));
    expect_shape(example("teams_workflows_adaptive_card.json"), body(WebhookFormat::kTeams, e));
    expect_shape(example("discord_execute_webhook.json"), body(WebhookFormat::kDiscord, e));
    expect_shape(example("pagerduty_events_v2_trigger.json"), body(WebhookFormat::kPagerDuty, e));
    expect_shape(example("cloudevents_structured.json"), body(WebhookFormat::kGeneric, e));
    Event r = e;
    r.event = "exposure_resolved";
    Json resolve = body(WebhookFormat::kPagerDuty, r);
    expect_shape(example("pagerduty_events_v2_resolve.json"), resolve);
    EXPECT_EQ(resolve["event_action"], "resolve");
    // the exposure's fingerprint is PagerDuty's dedup_key: the resolve closes the trigger's
    // incident
    EXPECT_EQ(resolve["dedup_key"], body(WebhookFormat::kPagerDuty, e)["dedup_key"]);
    EXPECT_EQ(resolve["dedup_key"], e.fingerprint);
}

TEST(Render, TheGenericFormIsACloudEventWhoseIdIsTheEventId) {
    Event e = exposure();
    Rendered r = render_webhook(webhook(WebhookFormat::kGeneric), one(e), {e}, 20);
    Json j = Json::parse(r.body);
    EXPECT_EQ(j["specversion"], "1.0");
    EXPECT_EQ(j["id"], e.id);
    EXPECT_EQ(j["type"], "org.searchlight.monitor.new_exposure");
    EXPECT_EQ(j["data"]["first_seen"], "2026-11-30T23:59:55.000Z");
    EXPECT_EQ(j["data"]["time_to_detect_s"], 7);
    EXPECT_NE(std::find(r.headers.begin(), r.headers.end(), "Idempotency-Key: " + e.id),
              r.headers.end());
    EXPECT_NE(std::find(r.headers.begin(), r.headers.end(),
                        std::string("Content-Type: application/cloudevents+json")),
              r.headers.end());
}

TEST(Render, AHostileBannerStaysTextInEveryFormat) {
    Event e = exposure(kHostile);
    std::string slack = body(WebhookFormat::kSlack, e)["blocks"][0]["text"]["text"];
    EXPECT_EQ(slack.find('<'), std::string::npos) << slack;
    EXPECT_EQ(slack.find('`'), std::string::npos) << slack;
    EXPECT_NE(slack.find("&lt;script&gt;"), std::string::npos) << slack;
    Json discord = body(WebhookFormat::kDiscord, e);
    EXPECT_TRUE(discord["allowed_mentions"]["parse"].empty());
    std::string content = discord["content"];
    EXPECT_EQ(content.find(" @everyone"), std::string::npos) << content;
    EXPECT_NE(content.find("\\@everyone"), std::string::npos) << content;
    for (const std::string& text : {slack, content, body(WebhookFormat::kTeams, e).dump()}) {
        EXPECT_EQ(text.find('\x1b'), std::string::npos);
        EXPECT_EQ(text.find("\r\nX-Injected"), std::string::npos);
    }
    SinkConfig mail;
    mail.type = SinkType::kEmail;
    mail.from = "sl@example.org";
    mail.to = {"a@example.org"};
    Rendered m = render_email(mail, one(e), {e}, 20, e.time, "host");
    size_t end_of_headers = m.body.find("\r\n\r\n");
    ASSERT_NE(end_of_headers, std::string::npos);
    std::string headers = m.body.substr(0, end_of_headers);
    EXPECT_EQ(headers.find("\nX-Injected"), std::string::npos) << headers;
    EXPECT_NE(headers.find("Message-ID: <" + e.id + "@host>"), std::string::npos) << headers;
    EXPECT_NE(headers.find("X-Searchlight-Event-Id: " + e.id), std::string::npos) << headers;
    EXPECT_NE(headers.find("Date: Tue, 01 Dec 2026 00:00:00 +0000"), std::string::npos) << headers;
    for (size_t i = 0; i < m.body.size(); ++i)  // every line ends in CRLF
        if (m.body[i] == '\n') {
            ASSERT_TRUE(i > 0 && m.body[i - 1] == '\r') << i;
        }
    SinkConfig log;
    log.type = SinkType::kSyslog;
    Rendered s = render_syslog(log, {e}, "host", 42);
    ASSERT_EQ(s.lines.size(), 1u);
    EXPECT_EQ(s.lines[0].find('\n'), std::string::npos);
    EXPECT_EQ(s.lines[0].find('\r'), std::string::npos);
    EXPECT_EQ(s.lines[0].rfind("<12>1 2026-12-01T00:00:00.000Z host searchlight 42 new_exposure "
                               "[searchlight@32473 id=\"",
                               0),
              0u)
        << s.lines[0];
    EXPECT_NE(s.lines[0].find("product=\"<script>alert(1)</script> <img"), std::string::npos)
        << s.lines[0];
    EXPECT_NE(s.lines[0].find("\\\\x0d\\\\x0aX-Injected"), std::string::npos) << s.lines[0];
    EXPECT_NE(s.lines[0].find("\\\"q\\\" \\] \\\\\\\\"), std::string::npos) << s.lines[0];
}

TEST(Render, SdParamValuesAreEscapedPerRfc5424) {
    EXPECT_EQ(sd_escape(R"(a"b\c]d)"), R"(a\"b\\c\]d)");
}

TEST(Render, ADigestListsAtMostMaxItemsAndHowManyMore) {
    std::vector<Event> events;
    for (int i = 0; i < 215; ++i) events.push_back(exposure());
    Message m{"01a2374b-ffff-7000-8000-000000000002", 0, "s", "lab", "digest",
              "baseline of scope lab: 215 events",    {}};
    std::string text = digest_text(m, events, 3);
    EXPECT_NE(text.find("and 212 more"), std::string::npos) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5);
    Json generic = Json::parse(render_webhook(webhook(WebhookFormat::kGeneric), m, events, 3).body);
    EXPECT_EQ(generic["id"], m.id);
    EXPECT_EQ(generic["data"]["count"], 215);
    EXPECT_EQ(generic["data"]["events"].size(), 3u);
    EXPECT_EQ(generic["data"]["more"], 212);
}

MonitorConfig routed(const std::string& yaml) {
    auto c = parse_config(
        "scopes: [{name: lab, targets: [10.0.0.0/24], every: 1m, tags: [prod]}]\n" + yaml,
        "r.yaml");
    EXPECT_TRUE(c.ok()) << (c ? "" : c.error().message);
    return c ? *c : MonitorConfig{};
}

TEST(Route, FirstMatchWinsUnlessContinueAndSilencesHoldBack) {
    MonitorConfig c = routed(R"(routes:
  - {match: {severity: ">=high"}, sinks: [a], continue: true}
  - {match: {tag: prod, event: [new_exposure]}, sinks: [b]}
  - {match: {}, sinks: [c]}
silences:
  - {ip: 10.0.0.9, rule: redis-no-auth, reason: test box, expires: "2099-01-01T00:00:00Z"}
sinks: {a: {type: file, path: /a}, b: {type: file, path: /b}, c: {type: file, path: /c}}
)");
    Event high = exposure(), medium = exposure(), silenced = exposure(), service = exposure();
    high.id = "h", high.severity_rank = 3;
    medium.id = "m";
    silenced.id = "s", silenced.ip = "10.0.0.9";
    service.id = "n", service.event = "new_service", service.severity_rank = -1, service.rule = "";
    std::vector<Event*> events = {&high, &medium, &silenced, &service};
    auto messages = route_events(c, events, false, 0);
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& m : messages) got.emplace_back(m.sink, m.event_ids[0]);
    EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                       {"a", "h"}, {"b", "h"}, {"b", "m"}, {"c", "n"}}));
    EXPECT_NE(silenced.held.find("silenced: test box (by config, until 2099-01-01"),
              std::string::npos);
}

TEST(Route, ABaselineIsOneDigestPerRouteAndSinkExceptForPagerDuty) {
    MonitorConfig c = routed(R"(routes:
  - {match: {}, sinks: [a, pd]}
sinks: {a: {type: file, path: /a}, pd: {type: webhook, url: "https://x.example/", format: pagerduty, routing_key: k}}
)");
    std::vector<Event> list(5, exposure());
    std::vector<Event*> events;
    for (size_t i = 0; i < list.size(); ++i) {
        list[i].id = std::to_string(i);
        events.push_back(&list[i]);
    }
    auto messages = route_events(c, events, true, 0);
    ASSERT_EQ(messages.size(), 6u);
    EXPECT_EQ(messages[0].kind, "digest");
    EXPECT_EQ(messages[0].event_ids.size(), 5u);
    EXPECT_EQ(messages[0].dedup_id(), messages[0].id);
    for (size_t i = 1; i < 6; ++i) EXPECT_EQ(messages[i].kind, "event");
    EXPECT_EQ(messages[1].dedup_id(), "0");
}

}  // namespace
}  // namespace sl::monitor
