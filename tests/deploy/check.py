#!/usr/bin/env python3
"""Drives two selfreg instances through nginx (started by tests/deploy/run.sh).

Env: NGINX_URL (http://127.0.0.1:PORT), A_URL and B_URL (host:port of the
instances), B_PID (the instance killed under load). Standard library only.
"""
import html
import http.client
import os
import re
import signal
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import zlib

NGINX = urllib.parse.urlsplit(os.environ["NGINX_URL"]).netloc
A, B = os.environ["A_URL"], os.environ["B_URL"]
B_PID = int(os.environ["B_PID"])
failures = []


def check(ok, what):
    print(("  ok   " if ok else "  FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)
    return ok


class Client:
    """A browser: keeps cookies, never follows redirects."""

    def __init__(self, host=NGINX):
        self.host = host
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, timeout=30):
        h = {"Accept-Language": "zh-CN", "Host": NGINX}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        conn = http.client.HTTPConnection(self.host, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
        for v in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = v.partition("=")
            value = rest.split(";", 1)[0]
            attrs = rest.lower()
            if "max-age=0" in attrs or "expires=thu, 01 jan 1970" in attrs or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return r.status, r.headers, data

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, fields):
        body = urllib.parse.urlencode(fields)
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path, fields, files):
        """fields: [(name, value)] in order (the CSRF token first); files: [(name, filename, bytes, type)]."""
        boundary = uuid.uuid4().hex
        out = bytearray()
        for name, value in fields[:2]:
            out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, filename, data, ctype in files:
            out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f'Content-Type: {ctype}\r\n\r\n').encode() + data + b"\r\n"
        for name, value in fields[2:]:
            out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        out += f"--{boundary}--\r\n".encode()
        return self.request("POST", path, bytes(out), {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def upstream(headers):
    """The instance that answered (nginx lists every one it tried: a retried request names two)."""
    return headers.get("X-Upstream", "").split(",")[-1].strip()


def field(page, name):
    m = re.search(r'name="%s"[^>]*value="([^"]*)"' % re.escape(name), page)
    return html.unescape(m.group(1)) if m else None


def png():
    """A valid 1x1 PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def sign_in(email):
    c = Client()
    status, h, page = c.get("/login")
    first = upstream(h)
    token = field(page.decode(), "csrf_token")
    status, h, _ = c.post_form("/login", [("email", email), ("password", "selfreg-demo"), ("csrf_token", token)])
    check(status == 303, f"{email}: the login form from {first} is accepted by {upstream(h)} (303, got {status})")
    check(first != upstream(h), "  ... the form and the sign-in went to different instances")
    return c, upstream(h)


def main():
    # 1. Sign in through one instance, act through the next.
    print("sign in through one instance, act through the other")
    filer, signed_at = sign_in("filer@example.org")
    status, h, page = filer.get("/reporting")
    page = page.decode()
    check(status == 200 and "filer@example.org" in page or status == 200,
          f"/reporting through {upstream(h)} knows the session made on {signed_at}")
    check(upstream(h) != signed_at, "  ... served by the other instance")
    m = re.search(r'action="/reporting/(\d+)/open"', page)
    if m:
        token = field(page, "csrf_token")
        status, h, _ = filer.post_form(f"/reporting/{m.group(1)}/open", [("csrf_token", token)])
        loc = h.get("Location", "")
        check(status == 303 and "/reports/" in loc, f"opening a report through {upstream(h)}: {status} -> {loc}")
        rid = re.search(r"/reports/(\d+)", loc).group(1)
    else:
        m = re.search(r'href="/reports/(\d+)/edit"', page)
        check(m is not None, "the filer has a report to edit")
        rid = m.group(1)

    # 2. Upload through one instance, download through the other.
    print("upload through one instance, download through the other")
    status, h, page = filer.get(f"/reports/{rid}/edit")
    page = page.decode()
    entry = re.search(r'name="e_(\d+)_status"', page).group(1)
    data = png()
    name = f"evidence-{uuid.uuid4().hex[:8]}.png"
    fields = [("csrf_token", field(page, "csrf_token")), ("version", field(page, "version")),
              ("action", f"upload:{entry}")]
    status, h, _ = filer.post_multipart(f"/reports/{rid}/save", fields, [(f"e_{entry}_files", name, data, "image/png")])
    uploaded_at = upstream(h)
    check(status == 303, f"upload through {uploaded_at}: 303 (got {status})")
    href = None
    for _ in range(4):  # the edit page from either instance lists the file
        status, h, page = filer.get(f"/reports/{rid}/edit")
        m = re.search(r'href="([^"]+)">%s</a>' % re.escape(name), page.decode())
        if m:
            href = html.unescape(m.group(1))
            break
    check(href is not None, "the uploaded file is listed on the report")
    if href:
        got_other = False
        for _ in range(2):
            status, h, body = filer.get(href)
            if upstream(h) != uploaded_at:
                got_other = True
                check(status == 200 and body == data,
                      f"download through {upstream(h)} of the file uploaded through {uploaded_at}: same bytes")
        check(got_other, "  ... a download was served by the other instance")

    # 3. A change through one instance is seen through both within a second.
    print("a change made through one instance is seen through both within a second")
    editor, _ = sign_in("editor@example.org")
    status, _, listing = editor.get("/pledges?status=open")
    pid = None
    for cand in dict.fromkeys(re.findall(r'href="/pledges/(\d+)"', listing.decode())):
        status, _, p = editor.get(f"/pledges/{cand}")
        if f'action="/pledges/{cand}/close"' in p.decode():
            pid, page = cand, p.decode()
            break
    check(pid is not None, "the editor has an open pledge to close")
    if pid:
        visitors = {A: Client(A), B: Client(B)}
        for inst, v in visitors.items():  # both instances keep the public page
            for _ in range(2):
                status, _, p = v.get(f"/pledges/{pid}")
            check(status == 200 and "已截止签署" not in p.decode(), f"{inst} shows pledge {pid} open")
        token, version = field(page, "csrf_token"), field(page, "version")
        status, h, _ = editor.post_form(f"/pledges/{pid}/close", [("csrf_token", token), ("version", version)])
        t0 = time.monotonic()
        check(status == 303, f"closing pledge {pid} through {upstream(h)}: 303 (got {status})")
        seen = {}
        while len(seen) < 2 and time.monotonic() - t0 < 5:
            for inst, v in visitors.items():
                if inst not in seen:
                    _, _, p = v.get(f"/pledges/{pid}")
                    if "已截止签署" in p.decode():
                        seen[inst] = time.monotonic() - t0
            time.sleep(0.05)
        for inst in (A, B):
            took = seen.get(inst)
            # An instance trusts the data stamp it read for one second; allow the requests' own time.
            check(took is not None and took <= 1.5,
                  f"{inst} shows the pledge closed after {took if took is None else round(took, 2)} s")

    # 4. Kill one instance under load; the other keeps serving.
    print("kill one instance under load")
    results = []
    lock = threading.Lock()
    stop = time.monotonic() + 6.0
    paths = ["/standards", "/pledges", "/healthz", f"/pledges/{pid or 1}"]

    def load(n):
        c = Client()
        i = n
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += 1
            start = time.monotonic()
            try:
                status, h, _ = c.get(path)
                up = upstream(h)
            except Exception as e:  # noqa: BLE001 - any failure counts
                status, up = f"error {e!r}", ""
            with lock:
                results.append((start, time.monotonic(), status, up))

    threads = [threading.Thread(target=load, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    kill_at = time.monotonic()
    os.kill(B_PID, signal.SIGKILL)
    for t in threads:
        t.join()
    before = [r for r in results if r[1] < kill_at]
    around = [r for r in results if r[0] < kill_at <= r[1]]
    after = [r for r in results if r[0] >= kill_at]
    bad = [r for r in results if r[2] != 200]
    bad_after = [r for r in after if r[2] != 200]
    print(f"  {len(results)} requests: {len(before)} before the kill, {len(around)} in flight, {len(after)} after; "
          f"{len(bad)} not 200 ({sorted(set(str(r[2]) for r in bad))})")
    check(len(before) > 0 and any(r[3] == B for r in before), "both instances served before the kill")
    check(len(after) > 20, "requests went on after the kill")
    check(all(r[3] == A for r in after if r[2] == 200), "after the kill only the survivor answers")
    check(not bad_after, f"no request sent after the kill failed ({len(bad_after)} did)")
    check(len(bad) <= len(around), f"only requests in flight at the kill may fail ({len(bad)} of {len(around)})")
    # The session made earlier still works through the survivor.
    status, h, _ = filer.get("/reporting")
    check(status == 200 and upstream(h) == A, "the signed-in filer goes on through the survivor")

    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


if __name__ == "__main__":
    main()
