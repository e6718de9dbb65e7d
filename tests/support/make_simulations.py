#!/usr/bin/env python3
"""Builds the SIMULATION transcripts of products with no Debian server, from the vendors'
published documents (each transcript quotes its sources in its header). The requests are
exactly what the grabbers send; the responses follow the documented examples, with sizes and
names changed where a case needs them (the seeds' mail archive). Run after changing a grabber's
probes, then SL_GOLDEN_UPDATE=1 build/dev/tests/golden/golden_test.

  tests/support/make_simulations.py"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = "127.0.6.1:9200"
UA = "User-Agent: Searchlight/0.1 (exposure scanner)"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture import lines  # noqa: E402  (the transcript line format, one place)


def get(path, accept="application/json"):
    return (f"GET {path} HTTP/1.1\r\nHost: {TARGET}\r\n{UA}\r\nAccept: {accept}\r\n"
            "Accept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n").encode()


def post(path, extra_headers="", body=""):
    return (f"POST {path} HTTP/1.1\r\nHost: {TARGET}\r\n{UA}\r\nAccept: application/json\r\n"
            f"Accept-Encoding: identity\r\n{extra_headers}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n{body}").encode()


def response(status, reason, body, headers=(), content_type="application/json; charset=UTF-8"):
    if not isinstance(body, bytes):
        body = json.dumps(body, indent=2).encode()
    head = [f"HTTP/1.1 {status} {reason}", f"content-type: {content_type}",
            f"content-length: {len(body)}"] + list(headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def write(protocol, case, header, exchanges, cut=None, target=None, tls=False):
    out = [f"# {h}" for h in header] + [f"# @target {target or TARGET}"]
    if tls:
        out.append("=== connection 1 (tls)")
    for req, resp in exchanges:
        out += lines("> ", req)
        if cut is not None and resp is exchanges[-1][1]:
            resp = resp[:cut]
        out += lines("< ", resp)
    path = os.path.join(ROOT, "src", "grab", protocol, "testdata", f"{case}.transcript")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


ES_DOCS = [
    "https://www.elastic.co/guide/en/elasticsearch/reference/7.17/rest-api-root.html (GET /)",
    "https://www.elastic.co/guide/en/elasticsearch/reference/7.17/cat-indices.html (format=json)",
    "https://www.elastic.co/guide/en/elasticsearch/reference/7.17/cluster-health.html",
]
CAT = "/_cat/indices?format=json&bytes=b&h=index,docs.count,store.size,health"


def es_root(version="7.17.9", name="docs-cluster", distribution=None):
    v = {"number": version, "build_flavor": "default", "build_type": "tar",
         "build_hash": "ef48222227ee6b9e70e502f0f0daa52435ee634d",
         "build_date": "2023-01-31T05:34:43.305517834Z", "build_snapshot": False,
         "lucene_version": "8.11.1", "minimum_wire_compatibility_version": "6.8.0",
         "minimum_index_compatibility_version": "6.0.0-beta1"}
    body = {"name": "node-1", "cluster_name": name, "cluster_uuid": "f3O4bqXbQfGW4Q5mnRWXlQ",
            "version": v, "tagline": "You Know, for Search"}
    if distribution:
        v["distribution"] = distribution
        del body["tagline"]
        body["tagline"] = "The OpenSearch Project: https://opensearch.org/"
    return response(200, "OK", body, ["X-elastic-product: Elasticsearch"] if not distribution else [])


def health(nodes=1, status="yellow"):
    return response(200, "OK", {"cluster_name": "docs-cluster", "status": status,
                                "timed_out": False, "number_of_nodes": nodes,
                                "number_of_data_nodes": nodes, "active_primary_shards": 5})


def main():
    indices = [{"index": "my-index-000001", "docs.count": "1200", "store.size": "88761",
                "health": "yellow"},
               {"index": "my-index-000002", "docs.count": "0", "store.size": "208",
                "health": "yellow"}]
    write("elasticsearch", "open_es7", ["SIMULATION of Elasticsearch 7.17 with security off, from:"]
          + ES_DOCS,
          [(get("/"), es_root()), (get(CAT), response(200, "OK", indices)),
           (get("/_cluster/health"), health())])
    write("elasticsearch", "truncated_cat_indices",
          ["SIMULATION of Elasticsearch 7.17 with security off; the index list is cut short"]
          + ES_DOCS,
          [(get("/"), es_root()), (get(CAT), response(200, "OK", indices))], cut=120)
    tb = 3_100_000_000_000
    mail = [{"index": f"mail-archive-{y}", "docs.count": str(40_000_000 + y),
             "store.size": str(tb // 4), "health": "green"} for y in (2020, 2021, 2022)]
    mail += [{"index": "exchange-mailboxes", "docs.count": "9000000", "store.size": str(tb // 4),
              "health": "green"},
             {"index": ".kibana_1", "docs.count": "12", "store.size": "51200", "health": "green"}]
    write("elasticsearch", "open_mail_archive_seeds_case",
          ["SIMULATION of the seeds' case: an open cluster holding about 3 TB of mail-like "
           "indices (names and sizes invented; formats from the Elastic documents below)"] + ES_DOCS,
          [(get("/"), es_root(name="mail-prod")), (get(CAT), response(200, "OK", mail)),
           (get("/_cluster/health"), health(nodes=3, status="green"))])
    sec = {"error": {"root_cause": [{"type": "security_exception",
                                     "reason": "missing authentication credentials for REST request [/]",
                                     "header": {"WWW-Authenticate": ["Basic realm=\"security\" charset=\"UTF-8\"",
                                                                     "Bearer realm=\"security\"", "ApiKey"]}}],
                     "type": "security_exception",
                     "reason": "missing authentication credentials for REST request [/]",
                     "header": {"WWW-Authenticate": ["Basic realm=\"security\" charset=\"UTF-8\"",
                                                     "Bearer realm=\"security\"", "ApiKey"]}},
           "status": 401}
    write("elasticsearch", "auth_required_es8",
          ["SIMULATION of Elasticsearch 8 (security on by default), from:",
           "https://www.elastic.co/guide/en/elasticsearch/reference/8.0/configuring-stack-security.html",
           "https://www.elastic.co/guide/en/elasticsearch/reference/current/http-clients.html "
           "(401 security_exception, WWW-Authenticate)"],
          [(get("/"), response(401, "Unauthorized", sec,
                               ['WWW-Authenticate: Basic realm="security" charset="UTF-8"',
                                'WWW-Authenticate: ApiKey']))])
    write("elasticsearch", "open_opensearch",
          ["SIMULATION of OpenSearch 2.11 with the security plugin disabled, from:",
           "https://opensearch.org/docs/latest/api-reference/ (GET / root info, version.distribution)",
           "https://opensearch.org/docs/latest/api-reference/cat/cat-indices/"],
          [(get("/"), es_root(version="2.11.0", name="opensearch", distribution="opensearch")),
           (get(CAT), response(200, "OK", indices[:1])), (get("/_cluster/health"), health())])


MONGO_DOCS = [
    "https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/ (OP_MSG)",
    "https://www.mongodb.com/docs/manual/reference/command/hello/",
    "https://www.mongodb.com/docs/manual/reference/command/listDatabases/ (output example)",
    "BSON encoded by Debian's python3-bson",
]


def op_msg(request_id, response_to, doc):
    import bson  # Debian python3-bson: the BSON comes from it, not from hand-typed bytes
    body = b"\x00\x00\x00\x00\x00" + bson.encode(doc)
    return (16 + len(body)).to_bytes(4, "little") + request_id.to_bytes(4, "little") + \
        response_to.to_bytes(4, "little") + (2013).to_bytes(4, "little") + body


def mongo_requests():
    return [op_msg(1, 0, {"hello": 1, "$db": "admin"}),
            op_msg(2, 0, {"buildInfo": 1, "$db": "admin"}),
            op_msg(3, 0, {"listDatabases": 1, "nameOnly": False, "$db": "admin"})]


def mongo_main():
    hello = {"isWritablePrimary": True, "topologyVersion": {"counter": 0},
             "maxBsonObjectSize": 16777216, "maxMessageSizeBytes": 48000000,
             "maxWriteBatchSize": 100000, "localTime": 0, "logicalSessionTimeoutMinutes": 30,
             "connectionId": 11, "minWireVersion": 0, "maxWireVersion": 21, "readOnly": False,
             "ok": 1.0}
    build = {"version": "7.0.5", "gitVersion": "7809d71e84e314b497f282ea8aa06d7ded3eb205",
             "modules": [], "allocator": "tcmalloc", "javascriptEngine": "mozjs",
             "bits": 64, "maxBsonObjectSize": 16777216, "ok": 1.0}
    dbs = {"databases": [{"name": "admin", "sizeOnDisk": 83886080, "empty": False},
                         {"name": "local", "sizeOnDisk": 83886080, "empty": False},
                         {"name": "test", "sizeOnDisk": 2_500_000_000, "empty": False}],
           "totalSize": 2_667_772_160, "totalSizeMb": 2544, "ok": 1.0}
    req = mongo_requests()
    t = "127.0.6.3:27017"
    write("mongodb", "open_v7", ["SIMULATION of MongoDB 7.0 without access control, from:"] + MONGO_DOCS,
          [(req[0], op_msg(101, 1, hello)), (req[1], op_msg(102, 2, build)),
           (req[2], op_msg(103, 3, dbs))], target=t)
    ransom = dict(dbs, databases=dbs["databases"][:2] + [{"name": "READ__ME_TO_RECOVER_YOUR_DATA",
                                                          "sizeOnDisk": 40960, "empty": False}],
                  totalSize=167_813_120)
    write("mongodb", "open_ransomed", ["SIMULATION of a ransomed MongoDB (the 'meow'/READ_ME "
                                       "class): data dropped, a note database left, from:"] + MONGO_DOCS,
          [(req[0], op_msg(101, 1, hello)), (req[1], op_msg(102, 2, build)),
           (req[2], op_msg(103, 3, ransom))], target=t)
    unauthorized = {"ok": 0.0, "errmsg": "command listDatabases requires authentication",
                    "code": 13, "codeName": "Unauthorized"}
    write("mongodb", "auth_required", ["SIMULATION of MongoDB 7.0 with --auth, from:"] + MONGO_DOCS +
          ["https://www.mongodb.com/docs/manual/reference/error-codes/ (13 Unauthorized)"],
          [(req[0], op_msg(101, 1, hello)), (req[1], op_msg(102, 2, build)),
           (req[2], op_msg(103, 3, unauthorized))], target=t)
    write("mongodb", "truncated_list", ["SIMULATION of MongoDB 7.0 without access control; the "
                                        "listDatabases reply is cut short, from:"] + MONGO_DOCS,
          [(req[0], op_msg(101, 1, hello)), (req[1], op_msg(102, 2, build)),
           (req[2], op_msg(103, 3, dbs))], cut=40, target=t)


DOCKER_DOCS = [
    "https://docs.docker.com/engine/api/v1.43/#tag/System/operation/SystemVersion (example)",
    "https://docs.docker.com/engine/api/v1.43/#tag/System/operation/SystemInfo (example)",
]


def docker_main():
    global TARGET
    TARGET = "127.0.6.5:2375"
    headers = ["Api-Version: 1.43", "Docker-Experimental: false", "Ostype: linux",
               "Server: Docker/24.0.7 (linux)"]
    version = {"Platform": {"Name": "Docker Engine - Community"}, "Version": "24.0.7",
               "ApiVersion": "1.43", "MinAPIVersion": "1.12", "GitCommit": "311b9ff",
               "GoVersion": "go1.20.10", "Os": "linux", "Arch": "amd64",
               "KernelVersion": "6.1.0-13-amd64", "BuildTime": "2023-10-26T09:08:02.000000000+00:00"}
    info = {"ID": "7TRN:IPZB:QYBB:VPBQ:UWYJ:KJEA:JO5V:4MDN:XJMY:ZWYY:SHSB:E2UZ",
            "Containers": 14, "ContainersRunning": 3, "ContainersPaused": 1,
            "ContainersStopped": 10, "Images": 508, "Driver": "overlay2", "NCPU": 4,
            "MemTotal": 2095882240, "OperatingSystem": "Debian GNU/Linux 12 (bookworm)"}
    hdr = ["SIMULATION of a Docker Engine 24.0 API on 2375 (no authentication mode exists), from:"]
    write("docker", "open_api", hdr + DOCKER_DOCS,
          [(get("/version"), response(200, "OK", version, headers)),
           (get("/info"), response(200, "OK", info, headers))])
    write("docker", "truncated_info", hdr + DOCKER_DOCS + ["The /info reply is cut short."],
          [(get("/version"), response(200, "OK", version, headers)),
           (get("/info"), response(200, "OK", info, headers))], cut=200)
    denied = {"message": "authorization denied by plugin opa-docker-authz: request rejected"}
    write("docker", "auth_required_authz_plugin",
          ["SIMULATION of a Docker Engine with an authorization plugin refusing the request, from:",
           "https://docs.docker.com/engine/extend/plugins_authorization/ (403 with the plugin's message)"],
          [(get("/version"), response(403, "Forbidden", denied, headers))])


COUCH_DOCS = [
    "https://docs.couchdb.org/en/stable/api/server/common.html (GET /, GET /_all_dbs examples)",
    "https://docs.couchdb.org/en/stable/api/database/common.html (GET /{db} example)",
]


def couch_main():
    global TARGET
    TARGET = "127.0.6.7:5984"
    root = {"couchdb": "Welcome", "version": "3.3.3", "git_sha": "40afbcfc7",
            "uuid": "85fb71bf700c17267fef77535820e371",
            "features": ["access-ready", "partitioned", "pluggable-storage-engines", "reshard",
                         "scheduler"], "vendor": {"name": "The Apache Software Foundation"}}
    headers = ["Server: CouchDB/3.3.3 (Erlang OTP/24)", "Cache-Control: must-revalidate"]

    def db(name, docs, size):
        return {"db_name": name, "purge_seq": "0-g1AAAA", "update_seq": f"{docs}-g1AAAA",
                "sizes": {"file": size, "external": size // 2, "active": size // 3},
                "props": {}, "doc_del_count": 0, "doc_count": docs, "disk_format_version": 8,
                "compact_running": False, "cluster": {"q": 2, "n": 1, "w": 1, "r": 1},
                "instance_start_time": "0"}
    names = ["customers", "orders", "read_me_to_recover"]
    exchanges = [(get("/"), response(200, "OK", root, headers)),
                 (get("/_all_dbs"), response(200, "OK", names, headers)),
                 (get("/customers"), response(200, "OK", db("customers", 120000, 734003200), headers)),
                 (get("/orders"), response(200, "OK", db("orders", 4500, 22020096), headers)),
                 (get("/read_me_to_recover"), response(200, "OK", db("read_me_to_recover", 1, 8520), headers))]
    write("couchdb", "open_admin_party", ["SIMULATION of CouchDB 3.3 with admin_only_all_dbs off "
                                          "and a ransom-note database, from:"] + COUCH_DOCS, exchanges)
    write("couchdb", "truncated_db_info", ["SIMULATION of CouchDB 3.3 as above; the second database's "
                                           "info is cut short, from:"] + COUCH_DOCS, exchanges[:4], cut=90)
    unauthorized = {"error": "unauthorized", "reason": "You are not a server admin."}
    write("couchdb", "auth_required_3x_default",
          ["SIMULATION of CouchDB 3.x defaults (admin_only_all_dbs = true), from:"] + COUCH_DOCS +
          ["https://github.com/apache/couchdb/pull/1440"],
          [(get("/"), response(200, "OK", root, headers)),
           (get("/_all_dbs"), response(401, "Unauthorized", unauthorized, headers))])


CLICKHOUSE_DOCS = [
    "https://clickhouse.com/docs/en/interfaces/http (X-ClickHouse-* headers, ?query=, FORMAT JSON)",
    "https://clickhouse.com/docs/en/operations/system-tables/parts (rows, bytes_on_disk)",
    "https://clickhouse.com/docs/en/interfaces/formats#json (the JSON output format)",
]
CLICKHOUSE_SIZES = ("/?query=SELECT%20database%20AS%20name%2C%20sum(rows)%20AS%20rows%2C%20"
                    "sum(bytes_on_disk)%20AS%20bytes%20FROM%20system.parts%20WHERE%20active%20GROUP"
                    "%20BY%20database%20ORDER%20BY%20bytes%20DESC%20LIMIT%2010000%20FORMAT%20JSON")


def clickhouse_main():
    global TARGET
    TARGET = "127.0.6.9:8123"
    headers = ["X-ClickHouse-Server-Display-Name: ch-prod-1",
               "X-ClickHouse-Query-Id: 7c5d1d2e-3b1a-4a57-9c1e-6c0f1f7d2a10",
               "X-ClickHouse-Timezone: UTC", "X-ClickHouse-Format: TabSeparated",
               'X-ClickHouse-Summary: {"read_rows":"1","read_bytes":"1","written_rows":"0"}']
    sizes = {"meta": [{"name": "name", "type": "String"}, {"name": "rows", "type": "UInt64"},
                      {"name": "bytes", "type": "UInt64"}],
             "data": [{"name": "analytics", "rows": "8123000000", "bytes": "412316860416"},
                      {"name": "mail_events", "rows": "91000000", "bytes": "7516192768"}],
             "rows": 2, "statistics": {"elapsed": 0.0021, "rows_read": 310, "bytes_read": 40210}}
    write("clickhouse", "open_v24", ["SIMULATION of ClickHouse 24.3 with user default and no "
                                     "password (the modern headers), from:"] + CLICKHOUSE_DOCS,
          [(get("/?query=SELECT%20version()"),
            response(200, "OK", b"24.3.2.23\n", headers, "text/tab-separated-values; charset=UTF-8")),
           (get(CLICKHOUSE_SIZES), response(200, "OK", sizes, headers))])
    refused = (b"Code: 516. DB::Exception: default: Authentication failed: password is incorrect, "
               b"or there is no user with such name. (AUTHENTICATION_FAILED) (version 24.3.2.23 "
               b"(official build))\n")
    write("clickhouse", "auth_required_v24",
          ["SIMULATION of ClickHouse 24.3 with a password on user default, from:"] + CLICKHOUSE_DOCS +
          ["https://clickhouse.com/docs/en/operations/settings/settings-users (passwords)"],
          [(get("/?query=SELECT%20version()"),
            response(401, "Unauthorized", refused, headers[:3] + ["X-ClickHouse-Exception-Code: 516"],
                     "text/plain; charset=UTF-8"))])


INFLUX2_DOCS = [
    "https://docs.influxdata.com/influxdb/v2/api/#operation/GetPing (204, X-Influxdb-Version)",
    "https://docs.influxdata.com/influxdb/v2/api/setup/index.md (GET /api/v2/setup: allowed)",
    "https://docs.influxdata.com/influxdb/v2/api/#operation/GetBuckets (401 unauthorized)",
]


def influx2_main():
    global TARGET
    TARGET = "127.0.6.10:8086"
    headers = ["X-Influxdb-Build: OSS", "X-Influxdb-Version: v2.7.4"]
    ping = (get("/ping"), response(204, "No Content", b"", headers))
    unauthorized = {"code": "unauthorized", "message": "unauthorized access"}
    write("influxdb", "open_v2_setup_allowed",
          ["SIMULATION of InfluxDB 2.7 never onboarded: /api/v2/setup allows anyone to create the "
           "admin user and token, from:"] + INFLUX2_DOCS,
          [ping, (get("/api/v2/setup"), response(200, "OK", {"allowed": True}, headers)),
           (get("/api/v2/buckets?limit=100"), response(401, "Unauthorized", unauthorized, headers))])
    write("influxdb", "auth_required_v2",
          ["SIMULATION of InfluxDB 2.7 after onboarding (tokens required), from:"] + INFLUX2_DOCS,
          [ping, (get("/api/v2/setup"), response(200, "OK", {"allowed": False}, headers)),
           (get("/api/v2/buckets?limit=100"), response(401, "Unauthorized", unauthorized, headers))])


JENKINS_DOCS = [
    "https://www.jenkins.io/doc/book/using/remote-access-api/ (api/json with tree=)",
    "https://www.jenkins.io/doc/book/security/access-control/ (anonymous Overall/Read)",
    "https://www.jenkins.io/doc/book/managing/script-console/ (/script)",
]
JENKINS_JOBS = "/api/json?tree=jobs%5Bname%5D"


def jenkins_main():
    global TARGET
    TARGET = "127.0.6.11:8080"
    headers = ["X-Jenkins: 2.426.1", "X-Hudson: 1.395", "X-Jenkins-Session: 3e0a5b2d",
               "X-Hudson-Theme: default", "Server: Jetty(10.0.17)"]
    html = "text/html;charset=utf-8"
    dashboard = (b"<!DOCTYPE html><html><head><title>Dashboard [Jenkins]</title></head>"
                 b"<body>...</body></html>")
    jobs = {"_class": "hudson.model.Hudson",
            "jobs": [{"_class": "hudson.model.FreeStyleProject", "name": n}
                     for n in ["deploy-prod", "nightly-backup", "mail-archive-export"]]}
    computers = {"_class": "hudson.model.ComputerSet",
                 "computer": [{"_class": "hudson.model.Hudson$MasterComputer", "displayName": "Built-In Node"},
                              {"_class": "hudson.slaves.SlaveComputer", "displayName": "agent-1"}]}
    people = {"_class": "hudson.model.View$AsynchPeople$People",
              "users": [{"user": {"id": u}} for u in ["admin", "ci-bot", "jdoe"]]}
    script = b"<html><head><title>Script Console [Jenkins]</title></head><body>...</body></html>"
    open_exchanges = [
        (get("/", "text/html"), response(200, "OK", dashboard, headers, html)),
        (get(JENKINS_JOBS), response(200, "OK", jobs, headers)),
        (get("/computer/api/json?tree=computer%5BdisplayName%5D"), response(200, "OK", computers, headers)),
        (get("/asynchPeople/api/json?tree=users%5Buser%5Bid%5D%5D"), response(200, "OK", people, headers)),
        (get("/script", "text/html"), response(200, "OK", script, headers, html))]
    write("jenkins", "open_anonymous_admin",
          ["SIMULATION of Jenkins 2.426 where anonymous has Overall/Administer (the no-fly list "
           "case's class), from:"] + JENKINS_DOCS, open_exchanges)
    write("jenkins", "truncated_jobs", ["SIMULATION of Jenkins 2.426 as open_anonymous_admin; the job "
                                        "list is cut short, from:"] + JENKINS_DOCS,
          open_exchanges[:2], cut=150)
    refused = (b"<html><head><meta http-equiv='refresh' content='1;url=/login?from=%2F'/></head>"
               b"<body>Authentication required</body></html>")
    write("jenkins", "auth_required_default",
          ["SIMULATION of Jenkins 2.426 with the default security realm (no anonymous read), "
           "from:"] + JENKINS_DOCS,
          [(get("/", "text/html"), response(403, "Forbidden", refused,
                               headers + ["X-You-Are-Authenticated-As: anonymous",
                                          "X-Required-Permission: hudson.model.Hudson.Read"], html))])


SOLR_DOCS = [
    "https://solr.apache.org/guide/solr/latest/configuration-guide/coreadmin-api.html (STATUS)",
    "https://solr.apache.org/guide/solr/latest/deployment-guide/basic-authentication-plugin.html",
]


def solr_main():
    global TARGET
    TARGET = "127.0.6.12:8983"
    system = {"responseHeader": {"status": 0, "QTime": 21}, "mode": "std",
              "solr_home": "/var/solr/data",
              "lucene": {"solr-spec-version": "9.4.0", "solr-impl-version": "9.4.0 71e10",
                         "lucene-spec-version": "9.8.0", "lucene-impl-version": "9.8.0"},
              "jvm": {"version": "17.0.9"}}

    def core(name, docs, size):
        return {"name": name, "instanceDir": f"/var/solr/data/{name}", "startTime": "2024-01-10T09:00:00Z",
                "uptime": 86400000, "index": {"numDocs": docs, "maxDoc": docs, "deletedDocs": 0,
                                              "version": 12, "segmentCount": 4, "current": True,
                                              "hasDeletions": False, "sizeInBytes": size,
                                              "size": "—"}}
    cores = {"responseHeader": {"status": 0, "QTime": 3}, "initFailures": {},
             "status": {"techproducts": core("techproducts", 32, 29488),
                        "exchange_mailboxes": core("exchange_mailboxes", 1250000, 54975581388)}}
    exchanges = [(get("/solr/admin/info/system?wt=json"), response(200, "OK", system)),
                 (get("/solr/admin/cores?action=STATUS&wt=json"), response(200, "OK", cores))]
    write("solr", "open_no_auth", ["SIMULATION of Solr 9.4 standalone without an auth plugin, "
                                   "from:"] + SOLR_DOCS, exchanges)
    write("solr", "truncated_cores", ["SIMULATION of Solr 9.4 as open_no_auth; the core status is "
                                      "cut short, from:"] + SOLR_DOCS, exchanges, cut=300)
    body = (b"<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
            b"<title>Error 401 require authentication</title>\n</head>\n<body><h2>HTTP ERROR 401 "
            b"require authentication</h2>\n</body>\n</html>\n")
    write("solr", "auth_required_basic_auth",
          ["SIMULATION of Solr 9.4 with security.json enabling the BasicAuth plugin, from:"] + SOLR_DOCS,
          [(get("/solr/admin/info/system?wt=json"),
            response(401, "require authentication", body,
                     ['WWW-Authenticate: Basic realm="solr"'], "text/html;charset=iso-8859-1"))])


KIBANA_DOCS = [
    "https://www.elastic.co/guide/en/kibana/7.17/access.html (GET /api/status)",
    "https://www.elastic.co/guide/en/kibana/7.17/console-kibana.html (the console proxy)",
    "https://www.elastic.co/guide/en/elasticsearch/reference/7.17/cat-indices.html (format=json)",
]
KIBANA_PROXY = ("/api/console/proxy?path=%2F_cat%2Findices%3Fformat%3Djson%26bytes%3Db%26h%3D"
                "index%2Cdocs.count%2Cstore.size%2Chealth&method=GET")


def kibana_main():
    global TARGET
    TARGET = "127.0.6.13:5601"
    headers = ["kbn-name: kibana-prod", "kbn-license-sig: 5b1c2f", "kbn-version: 7.17.9"]
    status = {"name": "kibana-prod", "uuid": "5b2de169-2785-441b-ae8c-186a1936b17d",
              "version": {"number": "7.17.9", "build_hash": "a1b2c3", "build_number": 46516,
                          "build_snapshot": False},
              "status": {"overall": {"since": "2024-01-10T09:00:00.000Z", "state": "green",
                                     "title": "Green", "nickname": "Looking good", "icon": "success"}}}
    indices = [{"index": "mail-archive-2022", "docs.count": "41000000", "store.size": "1980000000000",
                "health": "green"},
               {"index": ".kibana_7.17.9_001", "docs.count": "120", "store.size": "2310000", "health": "green"}]
    xsrf = "kbn-xsrf: true\r\nosd-xsrf: true\r\n"
    exchanges = [(get("/api/status"), response(200, "OK", status, headers)),
                 (post(KIBANA_PROXY, xsrf), response(200, "OK", indices, headers))]
    write("kibana", "open_security_off", ["SIMULATION of Kibana 7.17 in front of Elasticsearch with "
                                          "security off, from:"] + KIBANA_DOCS, exchanges)
    write("kibana", "truncated_proxy", ["SIMULATION of Kibana 7.17 as open_security_off; the proxied "
                                        "index list is cut short, from:"] + KIBANA_DOCS, exchanges, cut=200)
    unauthorized = {"statusCode": 401, "error": "Unauthorized",
                    "message": "[security_exception]: missing authentication credentials for REST request [/_security/_authenticate]"}
    write("kibana", "auth_required_8x",
          ["SIMULATION of Kibana 8.11 with security on (the 8.x default), from:"] + KIBANA_DOCS +
          ["https://www.elastic.co/guide/en/kibana/8.11/kibana-authentication.html"],
          [(get("/api/status"), response(401, "Unauthorized", unauthorized,
                                         ["kbn-name: kibana", "kbn-license-sig: 9c1d", "kbn-version: 8.11.3"]))])


S3_DOCS = [
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html (ListAllMyBucketsResult)",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html (ListBucketResult)",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (AccessDenied)",
]


def s3_main():
    global TARGET
    TARGET = "127.0.6.14:9000"
    xml = "application/xml"
    headers = ["Server: MinIO", "X-Amz-Request-Id: 17A9F3C2B1D0E4F5", "Accept-Ranges: bytes"]
    buckets = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns='
               b'"http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>02d6176db174dc93cb1b899f7c6078f0'
               b'8654445fe8cf1b6ce98d8855f66bdbf4</ID><DisplayName>minio</DisplayName></Owner><Buckets>'
               b'<Bucket><Name>backups</Name><CreationDate>2024-01-10T09:00:00.000Z</CreationDate></Bucket>'
               b'<Bucket><Name>mailbox-exports</Name><CreationDate>2024-02-01T09:00:00.000Z</CreationDate>'
               b'</Bucket></Buckets></ListAllMyBucketsResult>')

    def page(name, objects, truncated):
        contents = b"".join(b"<Contents><Key>" + k.encode() + b"</Key><LastModified>2024-02-01T09:00:00.000Z"
                            b"</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>"
                            + str(size).encode() + b"</Size><StorageClass>STANDARD</StorageClass></Contents>"
                            for k, size in objects)
        return (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/'
                b'doc/2006-03-01/"><Name>' + name.encode() + b"</Name><Prefix></Prefix><KeyCount>"
                + str(len(objects)).encode() + b"</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>"
                + (b"true" if truncated else b"false") + b"</IsTruncated>" + contents + b"</ListBucketResult>")
    denied = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access '
              b"Denied.</Message><Resource>/backups</Resource><RequestId>17A9F3C2B1D0E4F6</RequestId>"
              b"<HostId>dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8</HostId></Error>")
    exchanges = [(get("/", "application/xml"), response(200, "OK", buckets, headers, xml)),
                 (get("/backups?list-type=2&max-keys=1000", "application/xml"), response(403, "Forbidden", denied, headers, xml)),
                 (get("/mailbox-exports?list-type=2&max-keys=1000", "application/xml"),
                  response(200, "OK", page("mailbox-exports", [("2023/ceo.pst", 21474836480),
                                                               ("2023/finance.pst", 9663676416)], False),
                           headers, xml))]
    write("s3", "open_anonymous_list_buckets",
          ["SIMULATION of an S3-compatible server (MinIO headers) whose policy lets anonymous list "
           "buckets, with one public bucket, from:"] + S3_DOCS, exchanges)
    write("s3", "truncated_bucket_page", ["SIMULATION as open_anonymous_list_buckets; the public "
                                          "bucket's page is cut short, from:"] + S3_DOCS, exchanges, cut=400)
    root_denied = denied.replace(b"/backups", b"/")
    write("s3", "auth_required_minio_default",
          ["SIMULATION of MinIO's default: unsigned ListBuckets is refused, from:"] + S3_DOCS +
          ["https://min.io/docs/minio/linux/administration/identity-access-management.html"],
          [(get("/", "application/xml"), response(403, "Forbidden", root_denied, headers, xml))])


def mail_archive_main():
    """Row 37: services no product grabber claims, whose listings still show a mail archive."""
    global TARGET
    TARGET = "127.0.6.15:8080"
    tb = 3_100_000_000_000
    mail = [{"index": f"mail-archive-{y}", "docs.count": str(40_000_000 + y),
             "store.size": str(tb // 4), "health": "green"} for y in (2020, 2021, 2022)]
    mail += [{"index": "exchange-mailboxes", "docs.count": "9000000", "store.size": str(tb // 4),
              "health": "green"}]
    root = {"service": "records-gateway", "status": "ok", "build": "2023.01.7"}
    headers = ["Server: envoy", "x-envoy-upstream-service-time: 3"]
    not_found = response(404, "Not Found", {"error": "not found"}, headers)
    common = [(get("/", "*/*"), response(200, "OK", root, headers)),
              (get("/.git/HEAD", "*/*"), not_found), (get("/.env", "*/*"), not_found)]
    write("http", "open_mail_archive_behind_a_gateway",
          ["SIMULATION of the seeds' class behind an API gateway: / is not Elasticsearch's root (no "
           "tagline), but the proxied _cat/indices lists about 3 TB of mail-like indices (names "
           "and sizes invented), from:"] + ES_DOCS,
          common + [(get(CAT, "*/*"), response(200, "OK", mail, headers)),
                    (get("/_all_dbs", "*/*"), not_found),
                    (get("/solr/admin/cores?action=STATUS&wt=json", "*/*"), not_found)])
    dbs = ["_replicator", "_users", "inbox_ceo", "inbox_finance"]
    write("http", "open_couch_like_mailboxes",
          ["SIMULATION of a CouchDB-compatible store (PouchDB server style) whose root does not say "
           "CouchDB; /_all_dbs lists per-user inbox databases, from:",
           "https://docs.couchdb.org/en/stable/api/server/common.html (GET /_all_dbs)"],
          common + [(get(CAT, "*/*"), not_found),
                    (get("/_all_dbs", "*/*"), response(200, "OK", dbs, headers)),
                    (get("/solr/admin/cores?action=STATUS&wt=json", "*/*"), not_found)])


ETCD_DOCS = [
    "https://etcd.io/docs/v3.5/dev-guide/api_grpc_gateway/ (POST /v3/kv/range, JSON gateway)",
    "https://etcd.io/docs/v3.5/op-guide/authentication/rbac/ (auth enable)",
    "https://etcd.io/docs/v3.5/op-guide/monitoring/ (/metrics, etcd_mvcc_db_total_size_in_bytes)",
]


def etcd_main():
    """etcd 3.5 and later: no v2 API unless --enable-v2, so only v3 and /metrics speak."""
    global TARGET
    TARGET = "127.0.6.16:2379"
    count_all = '{"key":"AA==","range_end":"AA==","count_only":true}'
    version = {"etcdserver": "3.5.11", "etcdcluster": "3.5.0"}
    not_found = response(404, "Not Found", b"404 page not found\n", (), "text/plain; charset=utf-8")
    metrics = (b"# HELP etcd_debugging_mvcc_keys_total Total number of keys.\n"
               b"# TYPE etcd_debugging_mvcc_keys_total gauge\netcd_debugging_mvcc_keys_total 48213\n"
               b"# HELP etcd_mvcc_db_total_size_in_bytes Total size of the underlying database "
               b"physically allocated in bytes.\n# TYPE etcd_mvcc_db_total_size_in_bytes gauge\n"
               b"etcd_mvcc_db_total_size_in_bytes 2.147483648e+09\n")
    refused = {"error": "etcdserver: user name is empty", "message": "etcdserver: user name is empty",
               "code": 3}
    write("etcd", "auth_required_v35_no_v2",
          ["SIMULATION of etcd 3.5 with auth enabled and the v2 API off (the 3.5 default), from:"]
          + ETCD_DOCS,
          [(get("/version"), response(200, "OK", version)),
           (post("/v3/kv/range", body=count_all), response(400, "Bad Request", refused)),
           (get("/v2/keys/"), not_found),
           (get("/metrics", "text/plain"), response(200, "OK", metrics, (), "text/plain; version=0.0.4"))])
    counted = {"header": {"cluster_id": "14841639068965178418", "member_id": "10276657743932975437",
                          "revision": "48990", "raft_term": "7"}, "count": "48213"}
    write("etcd", "open_v35_no_v2",
          ["SIMULATION of etcd 3.5 without auth and the v2 API off, from:"] + ETCD_DOCS,
          [(get("/version"), response(200, "OK", version)),
           (post("/v3/kv/range", body=count_all), response(200, "OK", counted)),
           (get("/v2/keys/"), not_found),
           (get("/metrics", "text/plain"), response(200, "OK", metrics, (), "text/plain; version=0.0.4"))])


GRAFANA_DOCS = [
    "https://grafana.com/docs/grafana/latest/developers/http_api/other/#health-api",
    "https://grafana.com/docs/grafana/latest/developers/http_api/folder_dashboard_search/",
    "https://grafana.com/docs/grafana/latest/developers/http_api/org/#get-current-organization",
]


def grafana_main():
    global TARGET
    TARGET = "127.0.6.20:3000"
    health = response(200, "OK", {"commit": "b2f9f5d3b6", "database": "ok", "version": "10.2.3"})
    search = [{"id": 1, "uid": "node-exporter", "title": "Node Exporter Full", "uri": "db/node-exporter-full",
               "url": "/d/node-exporter/node-exporter-full", "slug": "", "type": "dash-db", "tags": [],
               "isStarred": False, "sortMeta": 0},
              {"id": 7, "uid": "checkout", "title": "Checkout latency", "uri": "db/checkout-latency",
               "url": "/d/checkout/checkout-latency", "slug": "", "type": "dash-db", "tags": ["shop"],
               "isStarred": False, "sortMeta": 0}]
    org = {"id": 1, "name": "Main Org.", "address": {"address1": "", "address2": "", "city": "",
                                                    "zipCode": "", "state": "", "country": ""}}
    exchanges = [(get("/api/health"), health),
                 (get("/api/search?type=dash-db&limit=1000"), response(200, "OK", search)),
                 (get("/api/org"), response(200, "OK", org))]
    write("grafana", "open_anonymous_viewer",
          ["SIMULATION of Grafana 10.2 with [auth.anonymous] enabled = true (role Viewer), from:"]
          + GRAFANA_DOCS, exchanges)
    write("grafana", "truncated_search",
          ["SIMULATION of Grafana 10.2 as open_anonymous_viewer; the search is cut short, from:"]
          + GRAFANA_DOCS, exchanges[:2], cut=120)
    unauthorized = {"extra": None, "message": "Unauthorized", "messageId": "auth.unauthorized",
                    "statusCode": 401, "traceID": ""}
    write("grafana", "auth_required_default",
          ["SIMULATION of Grafana 10.2 with its defaults (anonymous access off), from:"] + GRAFANA_DOCS,
          [(get("/api/health"), health),
           (get("/api/search?type=dash-db&limit=1000"), response(401, "Unauthorized", unauthorized))])


K8S_DOCS = [
    "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests",
    "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles",
    "https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/",
    "https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/",
]


def k8s_status(code, reason, message):
    return response(code, reason, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                   "status": "Failure", "message": message,
                                   "reason": reason.replace(" ", ""), "details": {}, "code": code})


def kubernetes_main():
    global TARGET
    TARGET = "127.0.6.21:6443"
    version = response(200, "OK", {"major": "1", "minor": "28", "gitVersion": "v1.28.4",
                                   "gitCommit": "bae2c62678db2b5053817bc97181fcc2e8388103",
                                   "gitTreeState": "clean", "buildDate": "2023-11-15T16:48:54Z",
                                   "goVersion": "go1.20.11", "compiler": "gc",
                                   "platform": "linux/amd64"})

    def ns(name):
        return {"metadata": {"name": name, "uid": f"{name}-0000", "resourceVersion": "1",
                             "labels": {"kubernetes.io/metadata.name": name}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
    namespaces = {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {"resourceVersion": "4211"},
                  "items": [ns(n) for n in ("default", "kube-system", "kube-public", "payments")]}
    list_path = "/api/v1/namespaces?limit=500"
    exchanges = [(get("/version"), version), (get(list_path), response(200, "OK", namespaces))]
    write("kubernetes", "open_anonymous_cluster_admin",
          ["SIMULATION of a kube-apiserver 1.28 with --anonymous-auth=true and system:anonymous "
           "bound to cluster-admin, from:"] + K8S_DOCS, exchanges, tls=True)
    write("kubernetes", "truncated_namespaces",
          ["SIMULATION as open_anonymous_cluster_admin; the namespace list is cut short, from:"]
          + K8S_DOCS, exchanges, cut=200, tls=True)
    forbidden = k8s_status(403, "Forbidden", 'namespaces is forbidden: User "system:anonymous" '
                           'cannot list resource "namespaces" in API group "" at the cluster scope')
    write("kubernetes", "auth_required_anonymous_without_rights",
          ["SIMULATION of a kube-apiserver 1.28 with its defaults: anonymous requests on, RBAC "
           "gives them /version only, from:"] + K8S_DOCS,
          [(get("/version"), version), (get(list_path), forbidden)], tls=True)
    write("kubernetes", "auth_required_anonymous_off",
          ["SIMULATION of a kube-apiserver 1.28 with --anonymous-auth=false, from:"] + K8S_DOCS,
          [(get("/version"), k8s_status(401, "Unauthorized", "Unauthorized"))], tls=True)


KUBELET_DOCS = [
    "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/",
    "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/",
]


def kubelet_main():
    global TARGET
    TARGET = "127.0.6.22:10250"

    def pod(name, namespace, image):
        return {"metadata": {"name": name, "namespace": namespace, "uid": f"{name}-uid"},
                "spec": {"containers": [{"name": name.split("-")[0], "image": image,
                                         "resources": {}}], "nodeName": "node-1"},
                "status": {"phase": "Running"}}
    pods = {"kind": "PodList", "apiVersion": "v1", "metadata": {},
            "items": [pod("coredns-5d78c9869d-x2x4q", "kube-system", "registry.k8s.io/coredns/coredns:v1.10.1"),
                      pod("kube-proxy-8xk2p", "kube-system", "registry.k8s.io/kube-proxy:v1.28.4"),
                      pod("payments-api-7d9f", "payments", "registry.example.test/payments-api:2.3.1")]}
    exchanges = [(get("/pods"), response(200, "OK", pods))]
    write("kubelet", "open_anonymous_always_allow",
          ["SIMULATION of a kubelet 1.28 with --anonymous-auth=true --authorization-mode=AlwaysAllow, "
           "from:"] + KUBELET_DOCS, exchanges, tls=True)
    write("kubelet", "truncated_pods",
          ["SIMULATION as open_anonymous_always_allow; the pod list is cut short, and a cut list "
           "proves nothing (not-this-protocol), from:"] + KUBELET_DOCS,
          exchanges, cut=300, tls=True)
    write("kubelet", "auth_required_webhook",
          ["SIMULATION of a kubelet 1.28 with anonymous requests on and --authorization-mode=Webhook, "
           "from:"] + KUBELET_DOCS,
          [(get("/pods"), response(403, "Forbidden", b"Forbidden (user=system:anonymous, verb=get, "
                                   b"resource=nodes, subresource=proxy)", content_type="text/plain; charset=utf-8"))],
          tls=True)
    write("kubelet", "auth_required_anonymous_off",
          ["SIMULATION of a kubelet 1.28 with --anonymous-auth=false (kubeadm's default), from:"]
          + KUBELET_DOCS + ["replay on its own port: a bare 401 names the kubelet only on 10250"],
          [(get("/pods"), response(401, "Unauthorized", b"Unauthorized",
                                   content_type="text/plain; charset=utf-8"))], tls=True)


if __name__ == "__main__":
    main()
    etcd_main()
    mail_archive_main()
    clickhouse_main()
    influx2_main()
    jenkins_main()
    solr_main()
    kibana_main()
    s3_main()
    mongo_main()
    docker_main()
    couch_main()
    grafana_main()
    kubernetes_main()
    kubelet_main()
