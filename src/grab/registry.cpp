#include "grab/registry.h"

#include <fmt/format.h>

#include "grab/clickhouse/clickhouse.h"
#include "grab/couchdb/couchdb.h"
#include "grab/docker/docker.h"
#include "grab/elasticsearch/elasticsearch.h"
#include "grab/etcd/etcd.h"
#include "grab/ftp/ftp.h"
#include "grab/grafana/grafana.h"
#include "grab/http/http.h"
#include "grab/imap/imap.h"
#include "grab/influxdb/influxdb.h"
#include "grab/jenkins/jenkins.h"
#include "grab/kibana/kibana.h"
#include "grab/kubelet/kubelet.h"
#include "grab/kubernetes/kubernetes.h"
#include "grab/ldap/ldap.h"
#include "grab/memcached/memcached.h"
#include "grab/mongodb/mongodb.h"
#include "grab/mqtt/mqtt.h"
#include "grab/mysql/mysql.h"
#include "grab/pop3/pop3.h"
#include "grab/postgres/postgres.h"
#include "grab/prometheus/prometheus.h"
#include "grab/redis/redis.h"
#include "grab/rsync/rsync.h"
#include "grab/s3/s3.h"
#include "grab/smtp/smtp.h"
#include "grab/solr/solr.h"
#include "grab/ssh/ssh.h"
#include "grab/telnet/telnet.h"
#include "grab/vnc/vnc.h"
#include "grab/zookeeper/zookeeper.h"

namespace sl::grab {

namespace {

// One line per protocol. The order is the order of the cheap fallbacks: on an unusual port a
// server hears every earlier probe first, so each probe must make every later server answer or
// close rather than wait silently for more (tests/integration/test_unusual_ports.py).
std::span<const GrabberSpec> specs() {
    static const GrabberSpec kSpecs[] = {
        elasticsearch_spec(),  // rows 1 and 2 (and OpenSearch): before the generic HTTP record
        docker_spec(),         // row 15: before the generic HTTP record
        couchdb_spec(),        // row 7: before the generic HTTP record
        prometheus_spec(),     // row 19: before the generic HTTP record
        etcd_spec(),           // row 13: before the generic HTTP record
        clickhouse_spec(),     // row 11 (HTTP interface): before the generic HTTP record
        influxdb_spec(),       // row 12: before the generic HTTP record
        kibana_spec(),         // row 3: before the generic HTTP record
        solr_spec(),           // row 36: before the generic HTTP record
        jenkins_spec(),        // row 18: before the generic HTTP record
        s3_spec(),             // row 34: before the generic HTTP record
        grafana_spec(),        // row 20: before the generic HTTP record
        kubernetes_spec(),     // row 16: before the generic HTTP record
        kubelet_spec(),        // row 17: before the generic HTTP record
        http_spec(),           // CATALOGUE row 33, and the generic HTTP record
        ldap_spec(),           // row 27: slapd waits silently for the rest of a BER element on
                               // any shorter foreign probe (memcached's, redis's, ZooKeeper's,
                               // MQTT's), so LDAP goes before them; its first message makes
                               // each of them answer or close (ldap.cpp, first_message)
        memcached_spec(),      // row 6: before redis, whose 6-byte PING leaves a binary-only
                               // (SASL) memcached waiting for the rest of a 24-byte header;
                               // memcached's 27-byte probe makes it close at once
        redis_spec(),          // row 5
        zookeeper_spec(),      // row 14: before postgres and mongodb, whose length-prefixed
                               // probes leave ZooKeeper waiting for the rest of a frame
        postgres_spec(),       // row 9
        mysql_spec(),          // row 10 (server-first: matched against the greeting)
        ssh_spec(),            // server-first: "SSH-"
        imap_spec(),           // row 32, server-first: "* OK"
        pop3_spec(),           // row 32, server-first: "+OK"
        smtp_spec(),           // row 31, server-first: "220" that says SMTP (before FTP)
        ftp_spec(),            // row 23, server-first: any other "220"
        rsync_spec(),          // row 24, server-first: "@RSYNCD:"
        vnc_spec(),            // row 29, server-first: "RFB 003."
        telnet_spec(),         // row 30, server-first: IAC negotiation, or a login prompt
        mongodb_spec(),        // row 4
        mqtt_spec(),           // row 22
    };
    return kSpecs;
}

constexpr FieldSpec kCommon[] = {
    {"type", FieldType::kString, "\"service\""},
    {"scan_id", FieldType::kString, "UUIDv7 of the scan"},
    {"time", FieldType::kString, "RFC 3339 UTC with milliseconds"},
    {"ip", FieldType::kString, "the target address"},
    {"port", FieldType::kInteger, "the target port"},
    {"transport", FieldType::kString, "tcp"},
    {"tls", FieldType::kBool, "the service was reached through TLS"},
    {"protocol", FieldType::kString, "the grabber that identified the service, or \"unknown\""},
    {"product", FieldType::kString, "the product, when the service says"},
    {"version", FieldType::kString, "the product's version, when the service says"},
    {"status", FieldType::kString,
     "ok, connection-refused, connection-reset, connection-timeout, "
     "io-timeout, tls-error, protocol-error, not-this-protocol, "
     "limit-exceeded"},
    {"access", FieldType::kString, "open, auth_required, partial, denied or unknown"},
    {"probe", FieldType::kString, "the probe that proved the verdict: <protocol>[/tls]"},
    {"evidence_truncated", FieldType::kBool, "a size step hit a limit; the verdict stands"},
    {"banner", FieldType::kString, "what a silent-protocol port said first, when nothing matched"},
    {"tls_cert.subject_cn", FieldType::kString, "leaf certificate subject CN"},
    {"tls_cert.sans", FieldType::kStringList, "subject alternative names (first 100)"},
    {"tls_cert.issuer", FieldType::kString, "issuer, one line"},
    {"tls_cert.not_before", FieldType::kString, "validity start, RFC 3339"},
    {"tls_cert.not_after", FieldType::kString, "validity end, RFC 3339"},
    {"tls_cert.self_signed", FieldType::kBool, "issuer equals subject and the signature verifies"},
    {"tls_cert.key_type", FieldType::kString, "RSA, EC, ED25519, ..."},
    {"tls_cert.key_bits", FieldType::kInteger, "key size in bits"},
    {"tls_cert.signature_algorithm", FieldType::kString, "e.g. sha256WithRSAEncryption"},
    {"tls_cert.sha256", FieldType::kString, "SHA-256 fingerprint of the leaf, hex"},
    {"tls_cert.chain_length", FieldType::kInteger, "certificates the server sent (capped at 10)"},
    {"tls_cert.tls_version", FieldType::kString, "negotiated version, e.g. TLSv1.3"},
    {"tls_cert.cipher", FieldType::kString, "negotiated cipher suite"},
    {"tls_cert.client_cert_requested", FieldType::kBool,
     "the server asked for a client certificate (we send none)"},
    {"tls_cert.client_cert_required", FieldType::kBool,
     "the server ended the handshake for want of a client certificate: auth_required"},
    {"data.bytes", FieldType::kNumber, "bytes of data behind the service"},
    {"data.rows", FieldType::kInteger, "documents, keys or rows"},
    {"data.collections", FieldType::kInteger, "databases, indices, buckets or modules"},
    {"data.names_sample", FieldType::kStringList, "at most 10 names"},
    {"data.mail_like_names", FieldType::kInteger, "names that look like mail archives"},
};

}  // namespace

const char* to_string(FieldType t) {
    switch (t) {
        case FieldType::kString:
            return "string";
        case FieldType::kInteger:
            return "integer";
        case FieldType::kNumber:
            return "number";
        case FieldType::kBool:
            return "bool";
        case FieldType::kStringList:
            return "string list";
        case FieldType::kObject:
            return "object";
    }
    return "string";
}

std::span<const GrabberSpec> all_grabbers() { return specs(); }

const GrabberSpec* find_grabber(std::string_view name) {
    for (const auto& s : specs())
        if (s.name == name) return &s;
    return nullptr;
}

std::span<const FieldSpec> common_fields() { return kCommon; }

std::string records_markdown() {
    std::string out =
        "# Service record fields\n\n"
        "Generated from the grabber specs in `src/grab/registry.cpp` by `searchlight fields "
        "--markdown`; do not edit by hand. Rules address fields by these dotted names.\n\n"
        "## Every record\n\n| field | type | meaning |\n|---|---|---|\n";
    for (const auto& f : kCommon)
        out += fmt::format("| `{}` | {} | {} |\n", f.name, to_string(f.type), f.meaning);
    for (const auto& spec : specs()) {
        out += fmt::format("\n## {}\n\nTried first on ports:", spec.name);
        for (uint16_t p : spec.ports) out += fmt::format(" {}", p);
        out += ".\n\n| field | type | meaning |\n|---|---|---|\n";
        for (const auto& f : spec.fields)
            out += fmt::format("| `{}` | {} | {} |\n", f.name, to_string(f.type), f.meaning);
    }
    return out;
}

}  // namespace sl::grab
