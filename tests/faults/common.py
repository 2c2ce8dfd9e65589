"""Shared by the fault tests: start the selfreg binary, talk to it over HTTP
(standard library only), and submit public comments with a valid anonymous
CSRF cookie and token. Only loopback addresses are used."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

DRAFT = "品质电商直播间管理规范"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def binary():
    b = os.environ.get("SELFREG_BIN", "")
    if not b or not os.path.isfile(b):
        sys.exit(f"SELFREG_BIN must name the selfreg binary (got {b!r})")
    return b


class Server:
    """The selfreg binary on a SQLite file, with X-Forwarded-For trusted so
    that each simulated visitor has an address of its own."""

    def __init__(self, db, log_path, extra_env=None):
        self.db = db
        self.port = free_port()
        self.log_path = log_path
        self.extra_env = extra_env or {}
        self.proc = None

    def start(self, wait=True):
        env = dict(os.environ, RUST_LOG="warn", **self.extra_env)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [binary(), "--database-url", self.db, "--bind", f"127.0.0.1:{self.port}", "--trust-proxy", "--workers", "2"],
            stdout=log, stderr=log, env=env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20.0):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"selfreg exited with {self.proc.returncode}; see {self.log_path}")
            try:
                status, _, _ = self.get("/healthz", timeout=2)
                if status == 200:
                    return time.monotonic() - t0
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("selfreg did not answer /healthz in time")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=35)
            except subprocess.TimeoutExpired:
                self.kill9()

    def panicked(self):
        with open(self.log_path, "rb") as f:
            return b"panicked" in f.read()

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            conn.close()

    def get(self, path, timeout=10, headers=None):
        return self.request("GET", path, headers=headers, timeout=timeout)


class Visitor:
    """An anonymous visitor: its own address, the anonymous CSRF cookie and token."""

    def __init__(self, server, address):
        self.server = server
        self.address = address
        self.cookie = ""
        self.token = ""

    def headers(self, extra=None):
        h = {"X-Forwarded-For": self.address}
        if self.cookie:
            h["Cookie"] = self.cookie
        h.update(extra or {})
        return h

    def open(self, path):
        status, headers, body = self.server.get(path, headers=self.headers())
        cookie = headers.get("set-cookie", "")
        m = re.search(r"(selfreg_csrf=[0-9a-f]{32})", cookie)
        if m:
            self.cookie = m.group(1)
        m = re.search(rb'name="csrf_token" value="([^"]+)"', body)
        if m:
            self.token = m.group(1).decode()
        return status, body

    def post_form(self, path, fields, timeout=10):
        data = urllib.parse.urlencode(dict(fields, csrf_token=self.token)).encode()
        return self.server.request("POST", path, body=data, timeout=timeout, headers=self.headers({
            "Content-Type": "application/x-www-form-urlencoded"}))

    def comment(self, standard_id, marker, size=0, timeout=10):
        body = f"故障测试意见 {marker}" + ("。" * size)
        return self.post_form(f"/standards/{standard_id}/comments", {
            "version_n": "2", "clause_ref": "5.1", "kind": "technical", "body": body,
            "proposed_change": "", "name": "故障测试", "organization": "测试单位", "email": "fault@example.net",
            "website": ""}, timeout=timeout)


def draft_id(server):
    """The id of the demo draft in public comment."""
    q = urllib.parse.quote(DRAFT)
    status, _, body = server.get(f"/standards?q={q}")
    m = re.search(rb'<a href="/standards/(\d+)">' + DRAFT.encode() + rb"</a>", body)
    if status != 200 or not m:
        raise RuntimeError(f"cannot find the draft (status {status})")
    return int(m.group(1))


def integrity(db):
    import sqlite3
    c = sqlite3.connect(db)
    try:
        return c.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        c.close()


def bodies(db, like):
    import sqlite3
    c = sqlite3.connect(db)
    try:
        return [r[0] for r in c.execute("SELECT body FROM comments WHERE body LIKE ?", (f"%{like}%",))]
    finally:
        c.close()
