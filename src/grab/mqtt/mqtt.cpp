// MQTT 3.1.1 brokers (OASIS MQTT v3.1.1). CATALOGUE row 22.
//
// What we send: CONNECT (protocol level 4, clean session, keep-alive 60, an empty client id, no
// user name or password). If accepted: one SUBSCRIBE to four $SYS statistics topics (broker
// version, clients connected, subscriptions, retained messages), PINGREQ, and DISCONNECT once
// PINGRESP shows the retained statistics have arrived. Never a subscription to "#" or any
// topic that carries application data, and never a PUBLISH.
// Open versus auth-required: CONNACK return code 0 is `open`; 4 (bad user name or password)
// and 5 (not authorized) are `auth_required`.
// Wire format: a fixed header (type << 4 | flags, then the remaining length as a base-128
// varint of at most 4 bytes); strings are a u16 length and UTF-8 bytes.
// Evidence: CONNACK code, session present, and the $SYS counts (never topic data).
// References: MQTT 3.1.1 sections 2.2, 3.1, 3.2 (CONNACK codes), 3.8, 3.12; mosquitto(8)
// "Broker status" ($SYS); nuclei unauth-mqtt-broker; zgrab2 modules/mqtt.
#include "grab/mqtt/mqtt.h"

#include <charconv>
#include <optional>
#include <string>

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"mqtt.connack_code", FieldType::kInteger,
     "CONNACK return code (0 accepted, 5 not authorized)"},
    {"mqtt.broker_version", FieldType::kString, "$SYS/broker/version"},
    {"mqtt.clients_connected", FieldType::kInteger, "$SYS/broker/clients/connected"},
    {"mqtt.subscriptions", FieldType::kInteger, "$SYS/broker/subscriptions/count"},
    {"mqtt.retained_messages", FieldType::kInteger, "$SYS/broker/retained messages/count"},
};

constexpr uint16_t kPorts[] = {1883, 8883};
constexpr size_t kMaxPacket = 16 * 1024;
// CONNECT: "MQTT", level 4, clean session, keep-alive 60, empty client id.
constexpr char kConnect[] = {0x10, 0x0c, 0x00, 0x04, 'M',  'Q',  'T',
                             'T',  0x04, 0x02, 0x00, 0x3c, 0x00, 0x00};
constexpr std::string_view kSysTopics[] = {"$SYS/broker/version", "$SYS/broker/clients/connected",
                                           "$SYS/broker/subscriptions/count",
                                           "$SYS/broker/retained messages/count"};
constexpr const char* kSysFields[] = {"mqtt.broker_version", "mqtt.clients_connected",
                                      "mqtt.subscriptions", "mqtt.retained_messages"};

void put_string(std::string& out, std::string_view s) {
    out.push_back(static_cast<char>(s.size() >> 8));
    out.push_back(static_cast<char>(s.size() & 0xff));
    out.append(s);
}

std::string subscribe() {
    std::string body = {0x00, 0x01};  // packet identifier 1
    for (auto t : kSysTopics) {
        put_string(body, t);
        body.push_back(0x00);  // QoS 0
    }
    std::string out = {static_cast<char>(0x82)};
    for (size_t n = body.size();;) {  // the remaining length, base-128, low digits first
        auto digit = static_cast<char>(n % 128);
        n /= 128;
        out.push_back(static_cast<char>(digit | (n ? 0x80 : 0)));
        if (!n) break;
    }
    return out + body;
}

class MqttGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        s.send(std::string_view(kConnect, sizeof kConnect));
        return Next::kRead;
    }

    Next on_data(Session& s, ByteQueue& in) override {
        while (!verdict_) {
            std::string_view v = in.view();
            if (v.empty()) return Next::kRead;
            if (!connected_ && static_cast<unsigned char>(v[0]) != 0x20)
                return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
            size_t length = 0, header = 1;
            for (int shift = 0;; shift += 7, ++header) {
                if (header >= v.size()) return Next::kRead;
                auto byte = static_cast<unsigned char>(v[header]);
                length |= static_cast<size_t>(byte & 0x7f) << shift;
                if (!(byte & 0x80)) break;
                if (shift == 21) return bad(s);
            }
            ++header;
            if (length > kMaxPacket) return bad(s);
            if (v.size() < header + length) return Next::kRead;
            Next next = on_packet(s, static_cast<unsigned char>(v[0]), v.substr(header, length));
            in.consume(header + length);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (connected_) {  // accepted; the statistics did not all come
            s.record().set("evidence_truncated", true);
            return {GrabStatus::kOk, Access::kOpen};
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    Next on_packet(Session& s, unsigned char type, std::string_view body) {
        if (!connected_) return on_connack(s, body);
        switch (type >> 4) {
            case 3:  // PUBLISH
                on_publish(s, type, body);
                return Next::kRead;
            case 13:  // PINGRESP: every retained message of our SUBSCRIBE came before it
                s.send(std::string_view("\xe0\x00", 2));  // DISCONNECT
                return end(GrabStatus::kOk, Access::kOpen);
            default:  // SUBACK and anything else
                return Next::kRead;
        }
    }

    Next on_connack(Session& s, std::string_view body) {
        if (body.size() != 2 || static_cast<unsigned char>(body[0]) > 1)
            return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        auto code = static_cast<unsigned char>(body[1]);
        Record& rec = s.record();
        rec.set("product", "MQTT broker");
        rec.set("mqtt.connack_code", static_cast<int64_t>(code));
        if (code == 4 || code == 5) return end(GrabStatus::kOk, Access::kAuthRequired);
        if (code != 0) return end(GrabStatus::kOk, code == 3 ? Access::kDenied : Access::kUnknown);
        connected_ = true;
        s.send(subscribe());
        s.send(std::string_view("\xc0\x00", 2));  // PINGREQ
        return Next::kRead;
    }

    void on_publish(Session& s, unsigned char type, std::string_view body) {
        if (body.size() < 2) return;
        size_t topic_len = static_cast<size_t>(static_cast<unsigned char>(body[0]) << 8 |
                                               static_cast<unsigned char>(body[1]));
        if (body.size() < 2 + topic_len) return;
        std::string_view topic = body.substr(2, topic_len);
        size_t at = 2 + topic_len + (((type >> 1) & 3) ? 2 : 0);  // a packet id with QoS > 0
        if (at > body.size()) return;
        std::string_view payload = body.substr(at, 64);
        for (size_t i = 0; i < std::size(kSysTopics); ++i) {
            if (topic != kSysTopics[i]) continue;
            if (i == 0) {
                s.record().set(kSysFields[i], payload);
                s.record().set("version", payload.substr(payload.rfind(' ') + 1));
                if (payload.starts_with("mosquitto")) s.record().set("product", "Mosquitto");
                continue;
            }
            int64_t n = 0;
            if (std::from_chars(payload.data(), payload.data() + payload.size(), n).ec ==
                std::errc())
                s.record().set(kSysFields[i], n);
        }
    }

    Next bad(Session& s) {
        if (!connected_) return end(GrabStatus::kNotThisProtocol, Access::kUnknown);
        s.record().set("evidence_truncated", true);
        return end(GrabStatus::kOk, Access::kOpen);
    }

    Next end(GrabStatus status, Access access) {
        verdict_ = Verdict{status, access};
        return Next::kClose;
    }

    bool connected_ = false;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec mqtt_spec() {
    return {"mqtt", kPorts,  Transport::kTcp,
            true,   kFields, [] { return std::unique_ptr<Grabber>(new MqttGrabber()); }};
}

}  // namespace sl::grab
