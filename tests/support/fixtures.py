"""Shared fixtures for integration tests: the scanner binary, listeners with a known ground
truth, free and wildcard-port detection, and network namespaces with nftables counters.

Network rule: everything here targets 127.0.0.0/8, ::1, or addresses that exist only inside a
namespace the test creates. Processes are stopped by the PID we started, never by name."""
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
LISTENERS = os.path.join(HERE, "listeners.py")
PYTHON = "/usr/bin/python3"


def searchlight():
    path = os.environ.get("SEARCHLIGHT")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError("SEARCHLIGHT must point to the searchlight binary")
    return path


def sl(*args, check=True, timeout=120, env=None):
    """Runs the searchlight binary; with check, a non-zero exit fails with its stderr."""
    p = subprocess.run([searchlight()] + list(args), capture_output=True, text=True,
                       timeout=timeout, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"searchlight {' '.join(args)} exited {p.returncode}:\n{p.stderr}")
    return p


def require_root(test):
    if os.geteuid() != 0:
        test.fail("this test needs root (network namespaces, nftables): run it as root")


def listening_sockets():
    """Every listening TCP (ip, port) on this machine, from /proc/net/tcp and tcp6."""
    found = set()
    for path, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] != "0A":
                continue
            addr, port = parts[1].split(":")
            raw = bytes.fromhex(addr)
            if v6:
                words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
                ip = socket.inet_ntop(socket.AF_INET6, b"".join(words))
            else:
                ip = socket.inet_ntop(socket.AF_INET, raw[::-1])
            found.add((ip, int(port, 16)))
    return found


def wildcard_ports():
    """Ports that something listens on for every address (0.0.0.0, ::, 127.0.0.0/8-wide)."""
    return {p for ip, p in listening_sockets() if ip in ("0.0.0.0", "::")}


def pick_ports(rng, count, low=20000, high=60000):
    """Ports with no wildcard listener on this machine, so that 127.x truth stays true."""
    busy = wildcard_ports()
    ports = set()
    while len(ports) < count:
        p = rng.randrange(low, high)
        if p not in busy:
            ports.add(p)
    return sorted(ports)


def free_port(host="127.0.0.1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def fmt_pair(ip, port):
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


class Listeners:
    """listeners.py in a child process, optionally inside a namespace."""

    def __init__(self, pairs, netns=None):
        self.pairs = list(pairs)
        cmd = [PYTHON, LISTENERS] + [fmt_pair(ip, p) for ip, p in self.pairs]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            err = self.proc.stderr.read()
            self.stop()
            raise RuntimeError(f"listeners did not start: {line} {err}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run_scan(args, netns=None, timeout=120, check=True):
    cmd = [searchlight(), "scan"] + list(args)
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"scan failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p


def records(stdout, kind="port"):
    out = []
    for line in stdout.splitlines():
        obj = json.loads(line)
        if obj["type"] == kind:
            out.append(obj)
    return out


def by_state(port_records):
    states = {}
    for r in port_records:
        states.setdefault(r["state"], set()).add((r["ip"], r["port"]))
    return states


class Netns:
    """A network namespace with only lo, removed on exit (with its hosts file)."""

    def __init__(self, tag, hosts=None):
        self.name = f"sl_{tag}_{os.getpid()}_{uuid.uuid4().hex[:4]}"
        self.hosts = hosts

    def __enter__(self):
        sh(["ip", "netns", "add", self.name])
        self.exec(["ip", "link", "set", "lo", "up"])
        if self.hosts is not None:
            d = f"/etc/netns/{self.name}"
            os.makedirs(d, exist_ok=True)
            with open(f"{d}/hosts", "w") as f:
                f.write(self.hosts)
            with open(f"{d}/resolv.conf", "w") as f:
                f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
        return self

    def exec(self, cmd, **kw):
        return sh(["ip", "netns", "exec", self.name] + cmd, **kw)

    def nft(self, script):
        return sh(["ip", "netns", "exec", self.name, "nft", "-f", "-"], input=script)

    def counter(self, table, name):
        out = self.exec(["nft", "-j", "list", "counter", "inet", table, name]).stdout
        for item in json.loads(out)["nftables"]:
            if "counter" in item:
                return item["counter"]["packets"]
        raise AssertionError(f"no counter {name}")

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
        d = f"/etc/netns/{self.name}"
        for f in ("hosts", "resolv.conf"):
            try:
                os.remove(f"{d}/{f}")
            except FileNotFoundError:
                pass
        try:
            os.rmdir(d)
        except OSError:
            pass


def sh(cmd, input=None, check=True):
    p = subprocess.run(cmd, input=input, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p
