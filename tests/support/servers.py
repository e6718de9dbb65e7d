"""Real Debian servers for tests, the lab and benchmarks, with generated configs.

Each server runs on the address and port it is given, in a private directory, and is stopped
by the PID we started. Nothing here binds a wildcard address.

    with servers.Redis("127.0.4.1", 6379) as r: ...
    Redis(ip, port, password=None, tls=False, protected=False, netns=None)
    Memcached(ip, port, sasl=False)
    Nginx(ip, port, site="plain"|"autoindex"|"tls"|"tls_expired"|"tls_client_cert"|"basic_auth"|
          "forbidden"|"forbidden_login"|"forbidden_challenge")
    Telnetd(ip, port, shell=False)
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

CANARY = "SEARCHLIGHT-CANARY-7f3a"


def wait_port(ip, port, timeout=10.0, netns=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if netns:
            p = subprocess.run(["ip", "netns", "exec", netns, "/usr/bin/python3", "-c",
                                f"import socket;socket.create_connection(('{ip}',{port}),0.5)"],
                               capture_output=True)
            if p.returncode == 0:
                return
        else:
            try:
                family = socket.AF_INET6 if ":" in ip else socket.AF_INET
                with socket.socket(family, socket.SOCK_STREAM) as s:
                    s.settimeout(0.5)
                    s.connect((ip, port))
                    return
            except OSError:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"server on {ip}:{port} did not start")


def self_signed(directory, cn="searchlight-lab.test", days=30):
    key, crt = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", crt, "-days", str(days), "-subj", f"/CN={cn}/O=Searchlight Lab",
                    "-addext", f"subjectAltName=DNS:{cn},DNS:www.{cn}"],
                   check=True, capture_output=True)
    return key, crt


def expired_self_signed(directory, cn="expired.searchlight-lab.test"):
    """A self-signed certificate valid only during 2020 (openssl ca -selfsign: OpenSSL 3.0's
    req and x509 cannot set dates in the past)."""
    ca = os.path.join(directory, "ca")
    os.makedirs(os.path.join(ca, "newcerts"), exist_ok=True)
    open(os.path.join(ca, "index.txt"), "w").close()
    with open(os.path.join(ca, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(ca, "ca.cnf"), "w") as f:
        f.write(f"[ca]\ndefault_ca = lab\n[lab]\ndatabase = {ca}/index.txt\n"
                f"new_certs_dir = {ca}/newcerts\nserial = {ca}/serial\ndefault_md = sha256\n"
                "policy = any\n[any]\ncommonName = supplied\norganizationName = optional\n")
    key, csr = os.path.join(directory, "key.pem"), os.path.join(ca, "req.csr")
    crt = os.path.join(directory, "cert.pem")
    subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", csr, "-subj", f"/CN={cn}/O=Searchlight Lab"],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "ca", "-batch", "-selfsign", "-config", os.path.join(ca, "ca.cnf"),
                    "-keyfile", key, "-in", csr, "-out", crt, "-notext",
                    "-startdate", "20200101000000Z", "-enddate", "20210101000000Z"],
                   check=True, capture_output=True)
    return key, crt


class Server:
    name = "server"

    def __init__(self, ip, port, netns=None, directory=None):
        self.ip, self.port, self.netns = ip, port, netns
        self.owned_dir = directory is None
        if directory:  # a fresh state every start
            shutil.rmtree(directory, ignore_errors=True)
            os.makedirs(directory)
        self.dir = directory or tempfile.mkdtemp(prefix=f"sl_{self.name}_")
        self.proc = None

    def command(self):
        raise NotImplementedError

    def start(self):
        cmd = self.command()
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     env=self.environment())
        self.log.close()
        try:
            wait_port(self.ip, self.port, netns=self.netns)
        except RuntimeError:
            log = open(os.path.join(self.dir, "server.log")).read()[-500:]
            self.stop()
            raise RuntimeError(f"{self.name} did not start: " + log)
        self.ready()
        return self

    def environment(self):
        """The server's environment: ours, unless a server needs more."""
        return None

    def ready(self):
        pass

    def daemon_pids(self):
        """Processes of this server that are not the started one and outlive it."""
        return []

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.owned_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Redis(Server):
    name = "redis"

    def __init__(self, ip, port, password=None, tls=False, protected=False, netns=None, keys=3,
                 directory=None):
        super().__init__(ip, port, netns, directory)
        self.password, self.tls, self.protected, self.keys = password, tls, protected, keys

    def command(self):
        conf = [f"bind {self.ip}", "daemonize no", "save \"\"", "appendonly no",
                f"dir {self.dir}", f"protected-mode {'yes' if self.protected else 'no'}"]
        if self.tls:
            key, crt = self_signed(self.dir, cn="redis.searchlight-lab.test")
            conf += ["port 0", f"tls-port {self.port}", f"tls-cert-file {crt}",
                     f"tls-key-file {key}", f"tls-ca-cert-file {crt}", "tls-auth-clients no"]
        else:
            conf.append(f"port {self.port}")
        if self.password:
            conf.append(f"requirepass {self.password}")
        path = os.path.join(self.dir, "redis.conf")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n")
        return ["redis-server", path]

    def ready(self):
        if self.tls or self.protected:
            return
        args = ["redis-cli", "-h", self.ip, "-p", str(self.port)]
        if self.password:
            args += ["--no-auth-warning", "-a", self.password]
        for i in range(self.keys):
            subprocess.run(args + ["SET", f"user:{i}", f"{CANARY}-{i}"], check=True,
                           capture_output=True)


class Memcached(Server):
    """sasl=True: -S with Cyrus SASL (mech PLAIN) over a sasldb2 made by saslpasswd2 in the
    server's directory; memcached then speaks only the binary protocol."""
    name = "memcached"

    def __init__(self, ip, port, sasl=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.sasl = sasl

    def command(self):
        cmd = ["memcached", "-u", "root", "-l", self.ip, "-p", str(self.port), "-U", "0",
               "-m", "16"]
        if not self.sasl:
            return cmd
        db = os.path.join(self.dir, "sasldb2")
        with open(os.path.join(self.dir, "memcached.conf"), "w") as f:
            f.write(f"mech_list: plain\nsasldb_path: {db}\n")
        subprocess.run(["saslpasswd2", "-p", "-a", "memcached", "-c", "-f", db, "lab"],
                       input=CANARY, text=True, check=True, capture_output=True)
        return cmd + ["-S"]

    def environment(self):
        return dict(os.environ, SASL_CONF_PATH=self.dir) if self.sasl else None


class Nginx(Server):
    name = "nginx"

    def __init__(self, ip, port, site="plain", netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.site = site

    def root(self):
        root = os.path.join(self.dir, "www")
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        if self.site == "autoindex":
            os.makedirs(os.path.join(root, ".git"))
            with open(os.path.join(root, ".git", "HEAD"), "w") as f:
                f.write("ref: refs/heads/main\n")
            with open(os.path.join(root, ".env"), "w") as f:
                f.write(f"APP_NAME=lab\nDB_PASSWORD={CANARY}\nAWS_SECRET_ACCESS_KEY={CANARY}\n"
                        "DEBUG=true\n")
            for name in ("backup-2026.sql", "mailbox.pst", "notes.txt"):
                with open(os.path.join(root, name), "w") as f:
                    f.write(CANARY + "\n")
        else:
            with open(os.path.join(root, "index.html"), "w") as f:
                f.write("<html><head><title>Lab intranet</title></head><body>hello</body></html>")
            with open(os.path.join(root, "login.html"), "w") as f:
                f.write('<html><head><title>Sign in</title></head><body><form method="post">'
                        '<input name="user"><input type="password" name="pw"></form></body></html>')
        return root

    # What `location / { }` holds: 403 by an allowlist, 403 with the login form as its page,
    # 403 with a WWW-Authenticate challenge.
    LOCATIONS = {
        "forbidden": "location / { deny all; }",
        "forbidden_login": "error_page 403 /login.html; location = /login.html { internal; } "
                           "location / { deny all; }",
        "forbidden_challenge": "location / { add_header WWW-Authenticate 'Bearer realm=\"lab\"' "
                               "always; return 403; }",
    }

    def command(self):
        root = self.root()
        listen = f"{self.ip}:{self.port}" if ":" not in self.ip else f"[{self.ip}]:{self.port}"
        tls = ""
        if self.site in ("tls", "tls_expired", "tls_client_cert"):
            key, crt = (expired_self_signed(self.dir) if self.site == "tls_expired"
                        else self_signed(self.dir, cn="nginx.searchlight-lab.test"))
            listen += " ssl"
            tls = f"ssl_certificate {crt}; ssl_certificate_key {key};"
            if self.site == "tls_client_cert":  # only clients with a certificate it trusts
                tls += f" ssl_verify_client on; ssl_client_certificate {crt};"
        autoindex = "autoindex on;" if self.site == "autoindex" else ""
        if self.site == "basic_auth":
            hashed = subprocess.run(["openssl", "passwd", "-apr1", CANARY], check=True,
                                    capture_output=True, text=True).stdout.strip()
            with open(os.path.join(self.dir, "htpasswd"), "w") as f:
                f.write(f"admin:{hashed}\n")
            autoindex = f'auth_basic "Lab admin"; auth_basic_user_file {self.dir}/htpasswd;'

        locations = self.LOCATIONS.get(self.site, "location / { }")
        conf = f"""
daemon off; master_process off; worker_processes 1;
pid {self.dir}/nginx.pid; error_log {self.dir}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off; client_body_temp_path {self.dir}/tmp; proxy_temp_path {self.dir}/tmp;
  fastcgi_temp_path {self.dir}/tmp; uwsgi_temp_path {self.dir}/tmp; scgi_temp_path {self.dir}/tmp;
  server {{ listen {listen}; {tls} root {root}; {autoindex} {locations} }}
}}
"""
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        path = os.path.join(self.dir, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        return ["nginx", "-c", path, "-p", self.dir]


class Postgres(Server):
    """PostgreSQL 15 from Debian, initdb'd into a private directory, run as the postgres user.
    auth: "trust" (anyone may log in as postgres) or "scram" (a password is required)."""
    name = "postgres"
    BIN = "/usr/lib/postgresql/15/bin"

    def __init__(self, ip, port, auth="trust", tls=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.auth, self.tls = auth, tls
        self.password = "lab-" + CANARY

    def command(self):
        os.chmod(self.dir, 0o755)
        data = os.path.join(self.dir, "data")
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        shutil.chown(self.dir, "postgres")
        shutil.chown(pwfile, "postgres")
        method = "trust" if self.auth == "trust" else "scram-sha-256"
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.BIN}/initdb", "-D", data,
                        "-U", "postgres", f"--pwfile={pwfile}", f"--auth={method}", "-E", "UTF8"],
                       check=True, capture_output=True)
        with open(os.path.join(data, "pg_hba.conf"), "w") as f:
            f.write(f"local all all {method}\nhost all all 0.0.0.0/0 {method}\n"
                    f"host all all ::/0 {method}\n")
        ssl = []
        if self.tls:
            key, crt = self_signed(self.dir, cn="postgres.searchlight-lab.test")
            for path in (key, crt):
                shutil.chown(path, "postgres")
            os.chmod(key, 0o600)
            ssl = ["-c", "ssl=on", "-c", f"ssl_cert_file={crt}", "-c", f"ssl_key_file={key}"]
        return ["runuser", "-u", "postgres", "--", f"{self.BIN}/postgres", "-D", data] + ssl + [
                "-c", f"listen_addresses={self.ip}", "-p", str(self.port),
                "-c", f"unix_socket_directories={self.dir}", "-c", "fsync=off"]

    def psql(self, sql, db="postgres"):
        env = dict(os.environ, PGPASSWORD=self.password)
        cmd = ["psql", "-h", self.ip, "-p", str(self.port), "-U", "postgres", "-d", db, "-qAtc", sql]
        if self.netns:
            cmd = ["ip", "netns", "exec", self.netns] + cmd
        return subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout

    def ready(self):
        deadline = time.time() + 15
        while True:  # the port opens a moment before the server accepts logins
            try:
                self.psql("SELECT 1")
                break
            except subprocess.CalledProcessError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.psql("CREATE DATABASE customers")
        self.psql(f"CREATE TABLE people(name text); INSERT INTO people VALUES ('{CANARY}')",
                  db="customers")


class MariaDB(Server):
    """MariaDB from Debian in a private datadir. root: "empty" (root@'%' with an empty password,
    the CATALOGUE row 10 exposure), "password" (root@'%' needs one) or "local" (only
    root@localhost over the socket: TCP clients from 127.0.x are refused before auth)."""
    name = "mariadb"

    def __init__(self, ip, port, root="empty", netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.root = root

    def command(self):
        os.chmod(self.dir, 0o755)
        data = os.path.join(self.dir, "data")
        shutil.chown(self.dir, "mysql")
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=mysql",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)
        self.socket = os.path.join(self.dir, "mysqld.sock")
        return ["mariadbd", "--no-defaults", f"--datadir={data}", "--user=mysql",
                f"--socket={self.socket}", f"--bind-address={self.ip}", f"--port={self.port}",
                "--skip-name-resolve", f"--pid-file={self.dir}/mysqld.pid",
                "--innodb-buffer-pool-size=16M", "--skip-log-bin"]

    def sql(self, statement):
        return subprocess.run(["mariadb", f"--socket={self.socket}", "-uroot", "-N", "-e", statement],
                              check=True, capture_output=True, text=True).stdout

    def ready(self):
        deadline = time.time() + 15
        while not os.path.exists(self.socket):
            if time.time() > deadline:
                raise RuntimeError("mariadb socket did not appear")
            time.sleep(0.1)
        # install-db also makes root@127.0.0.1, root@::1 and root@<hostname> with no password, and
        # MariaDB matches any 127/8 client to 127.0.0.1: drop them so each case means what it says.
        for host in self.sql("SELECT host FROM mysql.user WHERE user='root' AND host "
                             "NOT IN ('localhost', '%')").split():
            self.sql(f"DROP USER 'root'@'{host}'")
        if self.root == "empty":
            self.sql("CREATE USER 'root'@'%' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'%'")
        elif self.root == "password":
            self.sql(f"CREATE USER 'root'@'%' IDENTIFIED BY 'lab-{CANARY}'")
        self.sql("CREATE DATABASE shop; CREATE TABLE shop.orders(id int, note text);"
                 f"INSERT INTO shop.orders VALUES (1, '{CANARY}'), (2, 'x'), (3, 'y')")


class Replay(Server):
    """A SIMULATION: the replay server looping over one transcript (products with no Debian
    server, such as Elasticsearch)."""
    name = "replay"

    def __init__(self, ip, port, transcript, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.transcript = transcript

    def command(self):
        here = os.path.dirname(os.path.abspath(__file__))
        cmd = ["/usr/bin/python3", os.path.join(here, "replay_server.py"), self.transcript,
               self.ip, str(self.port), "--loop"]
        if "=== connection 1 (tls)" in open(self.transcript).read():  # served inside TLS
            key, crt = self_signed(self.dir, cn="replay.searchlight-lab.test")
            cmd += ["--cert", crt, "--key", key]
        return cmd


class Prometheus(Server):
    """Prometheus from Debian, scraping itself. basic_auth: a web.config.file with one user."""
    name = "prometheus"

    def __init__(self, ip, port, basic_auth=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.basic_auth = basic_auth

    def command(self):
        conf = os.path.join(self.dir, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 60s\nscrape_configs:\n  - job_name: self\n"
                    f"    static_configs:\n      - targets: ['{self.ip}:{self.port}']\n")
        cmd = ["prometheus", f"--config.file={conf}", f"--storage.tsdb.path={self.dir}/data",
               f"--web.listen-address={self.ip}:{self.port}"]
        if self.basic_auth:
            hashed = subprocess.run(["htpasswd", "-nbBC", "10", "admin", CANARY], check=True,
                                    capture_output=True, text=True).stdout.split(":", 1)[1].strip()
            web = os.path.join(self.dir, "web.yml")
            with open(web, "w") as f:
                f.write(f"basic_auth_users:\n  admin: {hashed}\n")
            cmd.append(f"--web.config.file={web}")
        return cmd


class Etcd(Server):
    """etcd from Debian (3.4, v2 enabled). Stores a v3 key and (v2_key) a v2 key, both with the
    canary as value. auth: a root user with a password, then `auth enable`: v3 refuses anonymous
    clients, while v2 (whose auth is separate) still serves its own store."""
    name = "etcd"

    def __init__(self, ip, port, auth=False, v2_key=True, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.auth, self.v2_key = auth, v2_key

    def command(self):
        peer = free_peer_port(self.ip)
        client, peer_url = f"http://{self.ip}:{self.port}", f"http://{self.ip}:{peer}"
        return ["etcd", "--name", "lab", "--data-dir", os.path.join(self.dir, "data"),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
                "--initial-cluster", f"lab={peer_url}", "--enable-v2"]

    def ctl(self, *args):
        env = dict(os.environ, ETCDCTL_API="3")
        return subprocess.run(["etcdctl", "--endpoints", f"{self.ip}:{self.port}", *args],
                              env=env, check=True, capture_output=True, text=True, timeout=20)

    def ready(self):
        self.ctl("put", "/app/config", CANARY)
        if self.v2_key:
            self.put_v2("mailboxes")
        if self.auth:
            self.ctl("user", "add", f"root:{CANARY}")
            self.ctl("auth", "enable")

    def put_v2(self, key):
        req = urllib.request.Request(f"http://{self.ip}:{self.port}/v2/keys/{key}",
                                     data=f"value={CANARY}".encode(), method="PUT")
        urllib.request.urlopen(req, timeout=10).read()


def free_peer_port(ip):
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


class ClickHouse(Server):
    """clickhouse-server from Debian (18.16), HTTP interface only. Creates a `mail` database
    with one MergeTree table holding a canary row. password: the `default` user gets one."""
    name = "clickhouse"

    def __init__(self, ip, port, password=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.password = password

    def command(self):
        d = self.dir
        native = free_peer_port(self.ip)
        with open(os.path.join(d, "config.xml"), "w") as f:
            f.write(f"""<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <listen_host>{self.ip}</listen_host>
  <http_port>{self.port}</http_port>
  <tcp_port>{native}</tcp_port>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <format_schema_path>{d}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>536870912</mark_cache_size>
</yandex>
""")
        secret = CANARY if self.password else ""
        with open(os.path.join(d, "users.xml"), "w") as f:
            f.write(f"""<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password>{secret}</password><networks><ip>::/0</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
""")
        return ["clickhouse-server", f"--config-file={d}/config.xml"]

    def query(self, sql):
        url = f"http://{self.ip}:{self.port}/"
        if self.password:
            url += f"?user=default&password={CANARY}"
        urllib.request.urlopen(urllib.request.Request(url, data=sql.encode()), timeout=20).read()

    def ready(self):
        self.query("CREATE DATABASE mail")
        self.query("CREATE TABLE mail.inbox (id UInt64, body String) ENGINE = MergeTree ORDER BY id")
        self.query(f"INSERT INTO mail.inbox VALUES (1, '{CANARY}'), (2, 'x'), (3, 'y')")


class InfluxDB(Server):
    """influxd from Debian (1.6). Creates database `mailstore` with one point whose field is the
    canary. auth: auth-enabled with an admin user (created first, as 1.x requires)."""
    name = "influxdb"

    def __init__(self, ip, port, auth=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.auth = auth

    def command(self):
        d = self.dir
        conf = os.path.join(d, "influxdb.conf")
        with open(conf, "w") as f:
            f.write(f"""reporting-disabled = true
bind-address = "{self.ip}:{free_peer_port(self.ip)}"
[meta]
  dir = "{d}/meta"
[data]
  dir = "{d}/data"
  wal-dir = "{d}/wal"
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "{self.ip}:{self.port}"
  auth-enabled = {"true" if self.auth else "false"}
  log-enabled = false
""")
        return ["influxd", "-config", conf]

    def call(self, path, params, data=None):
        import urllib.parse
        if self.auth:
            params = dict(params, u="admin", p=CANARY)
        url = f"http://{self.ip}:{self.port}{path}?{urllib.parse.urlencode(params)}"
        req = urllib.request.Request(url, data=data.encode() if data is not None else b"")
        urllib.request.urlopen(req, timeout=20).read()

    def ready(self):
        if self.auth:
            import urllib.parse
            q = urllib.parse.urlencode({"q": f"CREATE USER admin WITH PASSWORD '{CANARY}' "
                                             "WITH ALL PRIVILEGES"})
            urllib.request.urlopen(urllib.request.Request(
                f"http://{self.ip}:{self.port}/query?{q}", data=b""), timeout=20).read()
        self.call("/query", {"q": "CREATE DATABASE mailstore"})
        self.call("/write", {"db": "mailstore"}, f'inbox subject="{CANARY}" 1')


class ZooKeeper(Server):
    """ZooKeeper from Debian (3.8, standalone, default four-letter-word whitelist: srvr).
    Creates /mailboxes holding the canary. acl: / then only allows a digest user, so an
    anonymous getChildren("/") gets NoAuth. (ZooKeeper always whitelists srvr: zkServer.sh
    status needs it.)"""
    name = "zookeeper"

    def __init__(self, ip, port, acl=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.acl = acl

    def command(self):
        conf = os.path.join(self.dir, "zoo.cfg")
        with open(conf, "w") as f:
            f.write(f"tickTime=2000\ndataDir={self.dir}/data\nclientPort={self.port}\n"
                    f"clientPortAddress={self.ip}\nadmin.enableServer=false\n")
        return ["java", "-Xmx256m", "-cp", "/usr/share/java/zookeeper.jar",
                "org.apache.zookeeper.server.ZooKeeperServerMain", conf]

    def cli(self, *args):
        return subprocess.run(["/usr/share/zookeeper/bin/zkCli.sh", "-server",
                               f"{self.ip}:{self.port}", *args], check=True,
                              capture_output=True, text=True, timeout=60)

    def ready(self):
        # The port opens before the server serves sessions: wait until a client gets through.
        deadline = time.monotonic() + 30
        while True:
            try:
                self.cli("ls", "/")
                break
            except subprocess.CalledProcessError as e:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"zookeeper never served a session: {e.stdout[-300:]}")
                time.sleep(0.5)
        self.cli("create", "/mailboxes", CANARY)
        if self.acl:
            import base64
            import hashlib
            digest = base64.b64encode(hashlib.sha1(f"admin:{CANARY}".encode()).digest()).decode()
            self.cli("setAcl", "/", f"digest:admin:{digest}:cdrwa")


class OpenSSH(Server):
    """sshd from Debian (openssh-server) with its own ed25519 host key; password logins on or
    off (the KEXINIT is the same: either way the verdict is auth_required)."""
    name = "sshd"

    def __init__(self, ip, port, passwords=True, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.passwords = passwords

    def command(self):
        key = os.path.join(self.dir, "host_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        conf = os.path.join(self.dir, "sshd_config")
        with open(conf, "w") as f:
            f.write(f"Port {self.port}\nListenAddress {self.ip}\nHostKey {key}\n"
                    f"PidFile {self.dir}/sshd.pid\nUsePAM no\n"
                    f"PasswordAuthentication {'yes' if self.passwords else 'no'}\n")
        return ["/usr/sbin/sshd", "-D", "-e", "-f", conf]


class Dovecot(Server):
    """dovecot (imapd and pop3d) from Debian. tls=False: no TLS and plaintext auth allowed
    (cleartext logins); tls=True: a self-signed certificate, STARTTLS/STLS offered and
    disable_plaintext_auth (IMAP says LOGINDISABLED). One user whose password is the canary."""
    name = "dovecot"

    def __init__(self, ip, port, pop3_port=None, tls=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.pop3_port, self.tls = pop3_port or free_peer_port(ip), tls

    def command(self):
        d = self.dir
        with open(os.path.join(d, "users"), "w") as f:
            f.write(f"alice:{{PLAIN}}{CANARY}::::::\n")
        ssl = "no"
        if self.tls:
            key, cert = self_signed(d, cn="mail.searchlight-lab.test")
            ssl = f"required\nssl_cert = <{cert}\nssl_key = <{key}"
        conf = os.path.join(d, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(f"""base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap pop3
listen = {self.ip}
ssl = {ssl}
disable_plaintext_auth = {"yes" if self.tls else "no"}
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/home/%u
}}
mail_location = maildir:~/Maildir
default_internal_user = dovecot
default_login_user = dovenull
service imap-login {{
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
""")
        return ["/usr/sbin/dovecot", "-F", "-c", conf]


class Postfix(Server):
    """postfix from Debian, its own config and queue directory, smtpd on ip:port. AUTH through
    Cyrus SASL (sasldb). tls=False: AUTH offered in cleartext, no STARTTLS; tls=True: STARTTLS
    with a self-signed certificate and smtpd_tls_auth_only (AUTH only inside TLS). auth=False:
    no SASL at all, a plain MX."""
    name = "postfix"

    def __init__(self, ip, port, tls=False, auth=True, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.tls, self.auth = tls, auth

    def command(self):
        d = self.dir
        os.chmod(d, 0o755)  # the postfix user must reach data/ (mkdtemp makes 0700)
        for sub in ("spool", "data", "sasl"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        shutil.chown(os.path.join(d, "data"), user="postfix")
        with open(os.path.join(d, "sasl", "smtpd.conf"), "w") as f:
            f.write(f"pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\n"
                    f"sasldb_path: {d}/sasldb2\n")
        tls = ""
        if self.tls:
            key, cert = self_signed(d, cn="smtp.searchlight-lab.test")
            tls = (f"smtpd_tls_cert_file = {cert}\nsmtpd_tls_key_file = {key}\n"
                   "smtpd_tls_security_level = may\nsmtpd_tls_auth_only = yes\n")
        with open(os.path.join(d, "main.cf"), "w") as f:
            f.write(f"""compatibility_level = 3.6
queue_directory = {d}/spool
data_directory = {d}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = all
inet_protocols = ipv4
myhostname = mail.searchlight-lab.test
mydestination =
maillog_file = /dev/stdout
smtpd_sasl_auth_enable = {"yes" if self.auth else "no"}
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = {d}/sasl
{tls}""")
        with open("/etc/postfix/master.cf") as f:
            master = f.read()
        master = master.replace("smtp      inet  n       -       y       -       -       smtpd",
                                f"{self.ip}:{self.port} inet n - n - - smtpd", 1)
        with open(os.path.join(d, "master.cf"), "w") as f:
            f.write(master + "postlog   unix-dgram n  -       n       -       1       postlogd\n")
        subprocess.run(["postconf", "-c", d, "-F", "*/*/chroot = n"], check=True)
        return ["postfix", "-c", d, "start-fg"]

    def daemon_pids(self):
        # start-fg leaves master as a child that outlives the script.
        for _ in range(50):
            try:
                return [int(open(os.path.join(self.dir, "spool", "pid", "master.pid")).read().split()[0])]
            except (OSError, ValueError, IndexError):
                time.sleep(0.1)
        return []

    def stop(self):
        # start-fg leaves master as a child that outlives the script: stop it by its pid file.
        try:
            pid = int(open(os.path.join(self.dir, "spool", "pid", "master.pid")).read().split()[0])
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
        except (OSError, ValueError):
            pass
        super().stop()


class Vsftpd(Server):
    """vsftpd from Debian. anonymous: anonymous logins to a root holding a few files (one
    named like a mail archive, one whose contents are the canary); otherwise local users only
    (anonymous gets 530). pasv_address: what PASV replies name (another address than ours)."""
    name = "vsftpd"

    def __init__(self, ip, port, anonymous=True, pasv_address=None, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.anonymous, self.pasv_address = anonymous, pasv_address

    def command(self):
        d = self.dir
        os.chmod(d, 0o755)
        root, empty = os.path.join(d, "ftproot"), os.path.join(d, "empty")
        os.makedirs(os.path.join(root, "pub"), exist_ok=True)
        os.makedirs(empty, exist_ok=True)
        with open(os.path.join(root, "mailbox-2023.mbox"), "w") as f:
            f.write(CANARY * 100)
        with open(os.path.join(root, "readme.txt"), "w") as f:
            f.write(CANARY)
        conf = os.path.join(d, "vsftpd.conf")
        with open(conf, "w") as f:
            f.write(f"listen=YES\nlisten_ipv6=NO\nlisten_address={self.ip}\nlisten_port={self.port}\n"
                    f"background=NO\nanonymous_enable={'YES' if self.anonymous else 'NO'}\n"
                    f"local_enable={'NO' if self.anonymous else 'YES'}\nanon_root={root}\n"
                    f"secure_chroot_dir={empty}\nseccomp_sandbox=NO\npasv_enable=YES\n"
                    f"vsftpd_log_file={d}/vsftpd.log\nxferlog_enable=NO\n")
            if self.pasv_address:
                f.write(f"pasv_address={self.pasv_address}\npasv_addr_resolve=NO\n")
        return ["/usr/sbin/vsftpd", conf]


class Rsyncd(Server):
    """rsync --daemon from Debian with two listed modules: `public` (no auth) and `backups`
    (auth users, a secrets file whose password is the canary). auth_only: only `backups`."""
    name = "rsyncd"

    def __init__(self, ip, port, auth_only=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.auth_only = auth_only

    def command(self):
        d = self.dir
        for m in ("public", "backups"):
            os.makedirs(os.path.join(d, m), exist_ok=True)
        with open(os.path.join(d, "public", "notes.txt"), "w") as f:
            f.write(CANARY)
        secrets = os.path.join(d, "secrets")
        with open(secrets, "w") as f:
            f.write(f"backup:{CANARY}\n")
        os.chmod(secrets, 0o600)
        conf = os.path.join(d, "rsyncd.conf")
        with open(conf, "w") as f:
            f.write(f"pid file = {d}/rsyncd.pid\nuse chroot = no\nlog file = {d}/rsyncd.log\n")
            if not self.auth_only:
                f.write(f"[public]\n  path = {d}/public\n  comment = Public files\n  read only = yes\n")
            f.write(f"[backups]\n  path = {d}/backups\n  comment = Nightly mail backups\n"
                    f"  auth users = backup\n  secrets file = {secrets}\n  read only = yes\n")
        return ["rsync", "--daemon", "--no-detach", f"--config={conf}", f"--address={self.ip}",
                f"--port={self.port}"]


class TigerVnc(Server):
    """Xtigervnc from Debian (a virtual X display served over RFB). auth=False: security type
    None; auth=True: VNC authentication (a password file the test never uses)."""
    name = "tigervnc"

    def __init__(self, ip, port, auth=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.auth = auth

    def command(self):
        # X needs a display number (RFB uses self.port); two tests may both serve port 5900 at
        # once on different addresses, so take the first display whose lock file is free
        start = 100 + (self.port + sum(map(ord, self.ip))) % 400
        display = next(d for d in range(start, start + 400) if not os.path.exists(f"/tmp/.X{d}-lock"))
        cmd = ["Xtigervnc", f":{display}", "-rfbport", str(self.port), "-interface", self.ip,
               "-desktop", "Lab desktop", "-geometry", "800x600", "-nolisten", "tcp",
               "-nolisten", "unix"]
        if self.auth:
            password = os.path.join(self.dir, "passwd")
            with open(password, "wb") as f:
                f.write(os.urandom(8))  # a DES-encrypted 8-byte password, in the vncpasswd format
            return cmd + ["-SecurityTypes", "VncAuth", "-rfbauth", password]
        return cmd + ["-SecurityTypes", "None"]


class Telnetd(Server):
    """inetutils telnetd from Debian (the telnetd package), one per connection under socat, as
    inetd would run it. shell=False: /bin/login asks "login:"; shell=True: -E runs an
    interactive /bin/sh with no login at all (what an exposed device shell looks like)."""
    name = "telnetd"

    def __init__(self, ip, port, shell=False, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.shell = shell

    def command(self):
        telnetd = "/usr/sbin/telnetd"
        if self.shell:
            wrapper = os.path.join(self.dir, "shell.sh")
            with open(wrapper, "w") as f:
                f.write("#!/bin/sh\nexec /bin/sh -i\n")
            os.chmod(wrapper, 0o755)
            telnetd += f" -E {wrapper}"
        listen = f"TCP-LISTEN:{self.port},bind={self.ip},reuseaddr,fork"
        return ["socat", listen, f"EXEC:{telnetd},nofork"]


class Mosquitto(Server):
    """mosquitto from Debian (2.0). anonymous: allow_anonymous true; otherwise a password file
    (one user, the canary as password) and anonymous refused. The broker publishes its $SYS
    statistics every second."""
    name = "mosquitto"

    def __init__(self, ip, port, anonymous=True, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.anonymous = anonymous

    def command(self):
        d = self.dir
        os.chmod(d, 0o755)
        conf = os.path.join(d, "mosquitto.conf")
        lines = [f"listener {self.port} {self.ip}", "persistence false", "sys_interval 1",
                 f"log_dest file {d}/mosquitto.log", f"allow_anonymous {'true' if self.anonymous else 'false'}"]
        if not self.anonymous:
            pw = os.path.join(d, "passwd")
            subprocess.run(["mosquitto_passwd", "-c", "-b", pw, "sensor", CANARY], check=True,
                           capture_output=True)
            os.chmod(pw, 0o644)
            lines.append(f"password_file {pw}")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return ["mosquitto", "-c", conf]

    def ready(self):
        time.sleep(1.2)  # one sys_interval: the $SYS statistics are published (and retained)


class Slapd(Server):
    """slapd (OpenLDAP) from Debian with its own slapd.conf and an mdb database loaded by
    slapadd: dc=lab,dc=test with ou=people and 12 users (descriptions carry the canary).
    anonymous_read=True: anonymous may read everything; False: anonymous may only bind
    (the rootDSE stays readable, as it is by design)."""
    name = "slapd"

    def __init__(self, ip, port, anonymous_read=True, netns=None, directory=None):
        super().__init__(ip, port, netns, directory)
        self.anonymous_read = anonymous_read

    def command(self):
        d = self.dir
        os.makedirs(os.path.join(d, "db"), exist_ok=True)
        access = ("access to * by * read\n" if self.anonymous_read else
                  'access to dn.base="" by * read\naccess to dn.base="cn=Subschema" by * read\n'
                  "access to * by users read by anonymous auth\n")
        conf = os.path.join(d, "slapd.conf")
        with open(conf, "w") as f:
            f.write(f"""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {d}/slapd.pid
{access}database mdb
maxsize 10485760
suffix "dc=lab,dc=test"
rootdn "cn=admin,dc=lab,dc=test"
rootpw {CANARY}
directory {d}/db
""")
        people = "".join(
            f"dn: uid=user{i},ou=people,dc=lab,dc=test\nobjectClass: inetOrgPerson\n"
            f"uid: user{i}\ncn: User {i}\nsn: {i}\ndescription: {CANARY}\n\n" for i in range(12))
        ldif = os.path.join(d, "data.ldif")
        with open(ldif, "w") as f:
            f.write("dn: dc=lab,dc=test\nobjectClass: dcObject\nobjectClass: organization\n"
                    "dc: lab\no: Lab\n\ndn: ou=people,dc=lab,dc=test\nobjectClass: "
                    "organizationalUnit\nou: people\n\n" + people)
        subprocess.run(["slapadd", "-f", conf, "-l", ldif], check=True, capture_output=True)
        return ["slapd", "-d", "0", "-f", conf, "-h", f"ldap://{self.ip}:{self.port}/"]
