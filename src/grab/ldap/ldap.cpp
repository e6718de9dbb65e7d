// LDAP v3 (RFC 4511, BER). CATALOGUE row 27.
//
// What we send: (1) a base search of the rootDSE for namingContexts, vendor, SASL mechanisms
// and Active Directory's host name, service name and functionality levels (shaped so that
// other protocols' servers answer or close on it, see first_message); (2) an anonymous simple bind
// (empty name, empty password: RFC 4513 section 5.1.1, the documented anonymous login, not a
// guess); (3) a one-level search under the first naming context, size limit 1, attribute "1.1" (no
// attributes: names only); (4) if that found an entry, a subtree search capped at kCountLimit
// entries, again with "1.1", to count entries. Then an UnbindRequest. No attribute value of any
// entry is ever requested. Open versus auth-required: the rootDSE is readable by design, so on its
// own it is `auth_required`; a one-level search that returns an entry (or sizeLimitExceeded) after
// the anonymous bind is `open`. A refused bind (48, 49, 53) or an empty/refused search is
// `auth_required` (AD: operationsError "a successful bind must be completed").
// Evidence: naming contexts, vendor, LDAP versions, SASL mechanisms, AD's DNS host name, server
// and service names and functionality levels, entries counted (a floor when the cap was hit:
// evidence_truncated).
// References: RFC 4511 sections 4.1, 4.2, 4.5, 5.1; RFC 4512 section 5.1 (rootDSE); RFC 4513
// section 5.1.1; nmap ldap-rootdse; nuclei ldap-anonymous-login.
#include "grab/ldap/ldap.h"

#include <optional>
#include <string>
#include <vector>

#include "core/text.h"
#include "grab/codecs/ber.h"

namespace sl::grab {

namespace {

constexpr FieldSpec kFields[] = {
    {"ldap.naming_contexts", FieldType::kStringList, "namingContexts of the rootDSE"},
    {"ldap.vendor", FieldType::kString, "vendorName and vendorVersion of the rootDSE"},
    {"ldap.versions", FieldType::kStringList, "supportedLDAPVersion"},
    {"ldap.sasl_mechanisms", FieldType::kStringList, "supportedSASLMechanisms"},
    {"ldap.anonymous_bind", FieldType::kBool, "the anonymous simple bind succeeded"},
    {"ldap.result_code", FieldType::kInteger, "the result code that refused the bind or search"},
    {"ldap.entries", FieldType::kInteger, "entries under the first naming context (capped)"},
    {"ldap.dns_host_name", FieldType::kString, "dnsHostName of the rootDSE (Active Directory)"},
    {"ldap.server_name", FieldType::kString, "serverName of the rootDSE (Active Directory)"},
    {"ldap.service_name", FieldType::kString, "ldapServiceName of the rootDSE (Active Directory)"},
    {"ldap.ad_functionality.domain", FieldType::kString, "domainFunctionality (AD level)"},
    {"ldap.ad_functionality.forest", FieldType::kString, "forestFunctionality (AD level)"},
    {"ldap.ad_functionality.domaincontroller", FieldType::kString,
     "domainControllerFunctionality (AD level)"},
    {"ldap.global_catalog_ready", FieldType::kBool, "isGlobalCatalogReady (Active Directory)"},
};

constexpr uint16_t kPorts[] = {389, 636, 3268};
constexpr uint32_t kCountLimit = 500;
constexpr size_t kMaxMessage = 60 * 1024;
constexpr uint8_t kSearchEntry = 0x64, kSearchDone = 0x65, kBindResponse = 0x61;
constexpr int64_t kSizeLimitExceeded = 4;

std::string message(uint32_t id, const std::string& op) {
    return ber::tlv(0x30, ber::integer(0x02, id) + op);
}

// The first message is also what every server after LDAP in the fallback order hears first on
// an unusual port, so it is shaped to make each of them answer or close instead of waiting
// silently for more: 30 82 01 LL 02 01 0a. Its two-octet length (X.690 allows the long form)
// reads as a frame over 48 MiB to MongoDB (little-endian) and to PostgreSQL and ZooKeeper
// (big-endian), and its message ID 10 is a newline before any NUL byte, which ends a line for
// Redis (strchr) and memcached, so both answer an error. The rootDSE attribute list (AD's
// names included) keeps the length in 0x103..0x1ff; ldap_test.cpp checks the shape.
constexpr uint32_t kFirstId = 10;

std::string first_message(const std::string& op) {
    return ber::tlv_long(0x30, ber::integer(0x02, kFirstId) + op);
}

// SearchRequest [APPLICATION 3] with the filter (objectClass=*).
std::string search_op(std::string_view base, uint32_t scope, uint32_t size_limit,
                      std::initializer_list<std::string_view> attributes) {
    std::string attrs;
    for (auto a : attributes) attrs += ber::octets(a);
    std::string op = ber::octets(base) + ber::integer(0x0a, scope) + ber::integer(0x0a, 0) +
                     ber::integer(0x02, size_limit) + ber::integer(0x02, 10) +
                     ber::tlv(0x01, std::string(1, '\0')) + ber::tlv(0x87, "objectClass") +
                     ber::tlv(0x30, attrs);
    return ber::tlv(0x63, op);
}

// BindRequest [APPLICATION 0]: version 3, empty name, empty simple password.
std::string bind_op() {
    return ber::tlv(0x60, ber::integer(0x02, 3) + ber::octets("") + ber::tlv(0x80, ""));
}

}  // namespace

std::string ldap_first_message() {
    return first_message(
        search_op("", 0, 0,
                  {"namingContexts", "defaultNamingContext", "supportedLDAPVersion",
                   "supportedSASLMechanisms", "vendorName", "vendorVersion", "dnsHostName",
                   "serverName", "ldapServiceName", "domainFunctionality", "forestFunctionality",
                   "domainControllerFunctionality", "isGlobalCatalogReady"}));
}

namespace {

class LdapGrabber final : public Grabber {
  public:
    Next on_open(Session& s) override {
        s.send(ldap_first_message());
        return Next::kRead;
    }

    Next on_data(Session& s, ByteQueue& in) override {
        while (!verdict_) {
            ber::Element msg;
            size_t size = 0;
            ber::Result r = ber::next(in.view(), &msg, &size);
            if (r == ber::Result::kIncomplete) {
                if (in.size() > kMaxMessage) return broken(s);
                if (!identified_ && !in.empty() && static_cast<uint8_t>(in.view()[0]) != 0x30)
                    return broken(s);
                return Next::kRead;
            }
            if (r != ber::Result::kElement || msg.tag != 0x30) return broken(s);
            Next next = on_message(s, msg.contents);
            in.consume(size);
            if (next != Next::kRead) return next;
        }
        return Next::kClose;
    }

    Verdict on_close(Session& s, CloseReason why) override {
        if (verdict_) return *verdict_;
        if (identified_) {
            s.record().set("evidence_truncated", true);
            return {GrabStatus::kOk, access_};
        }
        if (why == CloseReason::kTimeout) return {GrabStatus::kIoTimeout, Access::kUnknown};
        return {GrabStatus::kNotThisProtocol, Access::kUnknown};
    }

  private:
    enum class Stage { kRootDse, kBind, kProbe, kCount };

    Next on_message(Session& s, std::string_view contents) {
        ber::Reader r(contents);
        auto id = r.read_integer();
        auto op = r.read();
        if (!id || !op || *id != expected_id_) return identified_ ? Next::kRead : broken(s);
        if (op->tag == kSearchEntry) {
            on_entry(s, op->contents);
            return Next::kRead;
        }
        ber::Reader result(op->contents);
        auto code = result.read_integer();
        if (!code) return broken(s);
        if (op->tag == kBindResponse && stage_ == Stage::kBind) return on_bind(s, *code);
        if (op->tag != kSearchDone) return Next::kRead;  // intermediate responses, referrals
        switch (stage_) {
            case Stage::kRootDse:
                return on_rootdse_done(s, *code);
            case Stage::kProbe:
                return on_probe_done(s, *code);
            case Stage::kCount:
                s.record().set("ldap.entries", entries_);
                if (*code == kSizeLimitExceeded) s.record().set("evidence_truncated", true);
                s.record().set("data.rows", entries_);
                return finish(s, Access::kOpen);
            default:
                return broken(s);
        }
    }

    void on_entry(Session& s, std::string_view entry) {
        ++entries_;
        if (stage_ != Stage::kRootDse) return;  // names only: nothing of an entry is kept
        ber::Reader r(entry);
        r.read();  // objectName: "" for the rootDSE
        auto attributes = r.read();
        if (!attributes) return;
        ber::Reader list(attributes->contents);
        while (auto attribute = list.read()) {
            ber::Reader pair(attribute->contents);
            auto type = pair.read();
            auto values = pair.read();
            if (!type || !values) continue;
            ber::Reader vals(values->contents);
            while (auto v = vals.read()) on_rootdse_value(s, type->contents, v->contents);
        }
    }

    void on_rootdse_value(Session& s, std::string_view type, std::string_view value) {
        Record& rec = s.record();
        std::string low = ascii_lower(type);
        if (low == "namingcontexts") {
            rec.append("ldap.naming_contexts", value.substr(0, 256));
            if (naming_context_.empty()) naming_context_ = std::string(value.substr(0, 1024));
        } else if (low == "defaultnamingcontext") {
            naming_context_ = std::string(value.substr(0, 1024));  // AD: the one that matters
        } else if (low == "supportedldapversion") {
            rec.append("ldap.versions", value.substr(0, 8));
        } else if (low == "supportedsaslmechanisms") {
            rec.append("ldap.sasl_mechanisms", value.substr(0, 64));
        } else if (low == "dnshostname") {
            rec.set("ldap.dns_host_name", value.substr(0, 256));
        } else if (low == "servername" || low == "ldapservicename") {
            rec.set(low == "servername" ? "ldap.server_name" : "ldap.service_name",
                    value.substr(0, 512));
        } else if (low == "domainfunctionality" || low == "forestfunctionality" ||
                   low == "domaincontrollerfunctionality") {
            rec.set("ldap.ad_functionality." + low.substr(0, low.size() - 13), value.substr(0, 8));
        } else if (low == "isglobalcatalogready") {
            rec.set("ldap.global_catalog_ready", value == "TRUE");
        } else if (low == "vendorname" || low == "vendorversion") {
            std::string vendor =
                rec.has("ldap.vendor") ? rec.find("ldap.vendor")->get<std::string>() + " " : "";
            rec.set("ldap.vendor", vendor + std::string(value.substr(0, 128)));
        }
    }

    Next on_rootdse_done(Session& s, int64_t code) {
        identified_ = true;
        s.record().set("product", "LDAP");
        access_ = Access::kAuthRequired;  // the rootDSE proves nothing (readable by design)
        if (code != 0) s.record().set("ldap.result_code", code);
        entries_ = 0;
        return ask(s, bind_op(), Stage::kBind);
    }

    Next on_bind(Session& s, int64_t code) {
        s.record().set("ldap.anonymous_bind", code == 0);
        if (code != 0) {
            s.record().set("ldap.result_code", code);
            return finish(s, Access::kAuthRequired);
        }
        if (naming_context_.empty()) return finish(s, Access::kAuthRequired);
        return ask(s, search_op(naming_context_, 1, 1, {"1.1"}), Stage::kProbe);
    }

    Next on_probe_done(Session& s, int64_t code) {
        if (entries_ == 0 && code != kSizeLimitExceeded) {
            if (code != 0) s.record().set("ldap.result_code", code);
            return finish(s, Access::kAuthRequired);
        }
        access_ = Access::kOpen;
        entries_ = 0;
        return ask(s, search_op(naming_context_, 2, kCountLimit, {"1.1"}), Stage::kCount);
    }

    Next ask(Session& s, const std::string& op, Stage next) {
        s.send(message(static_cast<uint32_t>(++expected_id_), op));
        stage_ = next;
        return Next::kRead;
    }

    Next finish(Session& s, Access access) {
        s.send(message(static_cast<uint32_t>(expected_id_ + 1), ber::tlv(0x42, "")));  // unbind
        verdict_ = Verdict{GrabStatus::kOk, access};
        return Next::kClose;
    }

    Next broken(Session& s) {
        if (identified_) s.record().set("evidence_truncated", true);
        verdict_ = identified_ ? Verdict{GrabStatus::kOk, access_}
                               : Verdict{GrabStatus::kNotThisProtocol, Access::kUnknown};
        return Next::kClose;
    }

    Stage stage_ = Stage::kRootDse;
    int64_t expected_id_ = kFirstId;
    bool identified_ = false;
    Access access_ = Access::kUnknown;
    uint64_t entries_ = 0;
    std::string naming_context_;
    std::optional<Verdict> verdict_;
};

}  // namespace

GrabberSpec ldap_spec() {
    return {"ldap", kPorts,  Transport::kTcp,
            true,   kFields, [] { return std::unique_ptr<Grabber>(new LdapGrabber()); }};
}

}  // namespace sl::grab
