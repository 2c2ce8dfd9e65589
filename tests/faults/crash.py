#!/usr/bin/env python3
"""Fault test: the server is killed with SIGKILL in the middle of a burst of
concurrent writes (public comments, and two filers saving their draft
reports), then restarted on the same SQLite database.

Every write that had been answered with success (303 to the confirmation
page) must be there after the restart, the site must serve, and
`PRAGMA integrity_check` must say `ok`.

Needs SELFREG_BIN. Prints `crash: N passed, N failed`."""

import concurrent.futures
import http.client
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Server, Visitor, bodies, draft_id, integrity  # noqa: E402

WORKERS = 24
PER_WORKER = 40          # at most 960 writes; the kill comes long before
KILL_AFTER_SUCCESSES = 150
RUN = f"crash{os.getpid()}"


class Filer:
    """A signed-in filer saving its organization's draft report again and again."""

    def __init__(self, server, email, address):
        self.server, self.email, self.address = server, email, address
        self.cookies = {}

    def req(self, method, path, fields=None, timeout=10):
        headers = {"X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            for k, v in r.getheaders():
                if k.lower() == "set-cookie":
                    name, _, rest = v.partition("=")
                    value = rest.split(";")[0]
                    if value == "" or "Max-Age=0" in v:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = value
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            conn.close()

    @staticmethod
    def token(body):
        return re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()

    def start(self):
        """Sign in and open the report of the current period; its id."""
        _, _, b = self.req("GET", "/login")
        status, _, _ = self.req("POST", "/login", {"email": self.email, "password": "selfreg-demo",
                                                   "csrf_token": self.token(b)})
        if status != 303:
            raise RuntimeError(f"sign-in of {self.email} answered {status}")
        _, _, b = self.req("GET", "/reporting")
        period = re.search(rb'action="/reporting/(\d+)/open"', b).group(1).decode()
        status, h, _ = self.req("POST", f"/reporting/{period}/open", {"csrf_token": self.token(b)})
        return int(h["location"].split("/")[2])

    def save(self, report, marker):
        """Save `marker` as the first commitment's measures; (status, entry id)."""
        _, _, b = self.req("GET", f"/reports/{report}/edit")
        version = re.search(rb'name="version" value="(\d+)"', b).group(1).decode()
        entry = re.search(rb'name="e_(\d+)_measures"', b).group(1).decode()
        status, _, _ = self.req("POST", f"/reports/{report}/save", {
            "csrf_token": self.token(b), "version": version, "action": "save", f"e_{entry}_measures": marker})
        return status, int(entry)


def main():
    tmp = tempfile.mkdtemp(prefix="selfreg-crash-")
    db = os.path.join(tmp, "selfreg.db")
    server = Server(db, os.path.join(tmp, "server.log")).start()
    sid = draft_id(server)
    acked = []            # markers answered 303 to the confirmation page
    lock = threading.Lock()
    killed = threading.Event()
    others = {}

    def writer(w):
        v = Visitor(server, f"127.1.{w // 250}.{w % 250 + 1}")
        try:
            v.open(f"/standards/{sid}")
        except OSError:
            return
        for k in range(PER_WORKER):
            if killed.is_set():
                return
            # The throttle allows 10 comments an hour per address: a new address every 9.
            if k % 9 == 8:
                v.address = f"127.2.{w}.{k + 1}"
            marker = f"{RUN}-{w}-{k}"
            try:
                status, headers, _ = v.comment(sid, marker, timeout=10)
            except OSError:
                continue      # the server died under this request: no promise was made
            with lock:
                if status == 303 and f"/standards/{sid}/comments/" in headers.get("location", ""):
                    acked.append(marker)
                else:
                    others[status] = others.get(status, 0) + 1

    # Two filers save their draft reports over and over during the burst:
    # (attempted markers in order, index of the last acknowledged one, entry id).
    saves = {}

    def filer(email, address):
        f = Filer(server, email, address)
        try:
            report = f.start()
        except (OSError, RuntimeError, AttributeError):
            return
        attempted, last_ok, entry = [], -1, None
        k = 0
        while not killed.is_set():
            marker = f"{RUN}-{email}-save-{k}"
            attempted.append(marker)
            # Record the attempt before sending it: the kill may land after the
            # server committed this save but before its answer arrived.
            with lock:
                saves[email] = (list(attempted), last_ok, entry)
            try:
                status, entry = f.save(report, marker)
            except (OSError, AttributeError):
                break
            if status == 303:
                last_ok = len(attempted) - 1
            k += 1
            with lock:
                saves[email] = (list(attempted), last_ok, entry)

    with concurrent.futures.ThreadPoolExecutor(WORKERS + 2) as pool:
        futures = [pool.submit(writer, w) for w in range(WORKERS)]
        futures += [pool.submit(filer, e, f"127.3.0.{i + 1}") for i, e in enumerate(["filer@example.org", "filer2@example.org"])]
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60:
            with lock:
                n = len(acked)
                saving = sum(1 for (_, ok, _) in saves.values() if ok >= 2)
            # Kill in the middle of both bursts: comments, and report saves under way.
            if n >= KILL_AFTER_SUCCESSES and saving == 2:
                break
            time.sleep(0.005)
        server.kill9()
        killed.set()
        concurrent.futures.wait(futures)
    print(f"killed with SIGKILL after {len(acked)} acknowledged comments; other answers: {others}")

    failures = []
    if len(acked) < KILL_AFTER_SUCCESSES:
        failures.append(f"only {len(acked)} comments were acknowledged before the kill")
    if any(s >= 500 for s in others):
        failures.append(f"5xx answers during the burst: {others}")

    restarted = Server(db, os.path.join(tmp, "server.log"))
    restarted.port = server.port
    restarted.start()
    status, _, page = restarted.get(f"/standards/{sid}/comments")
    if status != 200:
        failures.append(f"after the restart the disposition table answers {status}")
    restarted.stop()

    stored = bodies(db, RUN)
    stored_set = set(stored)
    missing = [m for m in acked if f"故障测试意见 {m}" not in stored_set]
    if missing:
        failures.append(f"{len(missing)} acknowledged comments are missing after the restart, e.g. {missing[:5]}")
    shown = sum(1 for m in acked if m.encode() in page)
    if shown != len(acked):
        failures.append(f"the disposition table shows {shown} of {len(acked)} acknowledged comments")
    import sqlite3
    c = sqlite3.connect(db)
    for email, (attempted, last_ok, entry) in saves.items():
        if last_ok < 0 or entry is None:
            failures.append(f"{email}: no report save was acknowledged before the kill")
            continue
        held = c.execute("SELECT measures_md FROM report_entries WHERE id = ?", (entry,)).fetchone()[0]
        if held not in attempted[last_ok:]:
            failures.append(f"{email}: the report holds {held!r}, older than the last acknowledged save "
                            f"{attempted[last_ok]!r}")
        print(f"{email}: {last_ok + 1} report saves acknowledged, the report holds {held!r}")
    if len(saves) < 2:
        failures.append(f"report saves ran for {len(saves)} of 2 filers")
    c.close()
    ic = integrity(db)
    if ic != "ok":
        failures.append(f"PRAGMA integrity_check: {ic}")
    if restarted.panicked():
        failures.append("a panic was logged")
    print(f"after restart: {len(stored)} comments of this run stored (>= {len(acked)} acknowledged), "
          f"integrity_check {ic}")

    for f in failures:
        print("FAIL:", f)
    if failures:
        print(f"server log kept in {tmp}")
        print("crash: 0 passed, 1 failed")
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)
    print("crash: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
