#!/usr/bin/env python3
"""Concurrent writes through the real forms: public comments and report saves.

    bench/writes.py comments --base http://127.0.0.1:PORT --standard ID [--clients 32] [--seconds 10]
    bench/writes.py reports  --base http://127.0.0.1:PORT --filers FILE [--seconds 10]

comments: each client reads the standard's page once (the CSRF cookie and
token, the version offered by the comment form), then posts comments in a
loop, each from another client address (X-Forwarded-For: start the server
with --trust-proxy), so the hourly limit per address never stops them.

reports: FILE has one "email password report_id" a line. Each filer signs in
(from its own address), then in a loop opens its report's form
(/reports/ID/edit) and posts it back as the browser would (multipart, every
field as shown, action=save) with one text changed. One client per filer:
a report has one editing tab, as in normal use.

Prints one line: KIND writes=N seconds=S writes/s=R p50ms= p99ms= and the
answers by status (303 is a stored write; anything else is counted apart).
"""
import argparse
import html.parser
import http.client
import re
import threading
import time
import urllib.parse
from collections import Counter


class FormParser(html.parser.HTMLParser):
    """The fields of the first form whose action ends with `suffix`, as a browser sends them."""

    def __init__(self, suffix):
        super().__init__(convert_charrefs=True)
        self.suffix, self.inside, self.done = suffix, False, False
        self.fields, self.textarea, self.select, self.select_first = [], None, None, None
        self.options = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and (a.get("action") or "").endswith(self.suffix):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            t = (a.get("type") or "text").lower()
            if t in ("file", "submit", "button", "image", "reset"):
                return
            if t in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([name, a.get("value") or ("on" if t in ("checkbox", "radio") else "")])
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select, self.select_first = name, None
        elif tag == "option" and self.select:
            v = a.get("value", "")
            if self.select_first is None:
                self.select_first = v
            if "selected" in a:
                self.options[self.select] = v

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "textarea" and self.textarea is not None:
            self.fields.append(self.textarea)
            self.textarea = None
        elif tag == "select" and self.select:
            self.fields.append([self.select, self.options.get(self.select, self.select_first or "")])
            self.select = None
        elif tag == "form":
            self.inside, self.done = False, True


def form_fields(page, suffix):
    p = FormParser(suffix)
    p.feed(page)
    return p.fields


class Client:
    def __init__(self, base, address):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.cookies = {}
        self.address = address

    def request(self, method, path, body=None, headers=None, address=None):
        h = {"X-Forwarded-For": address or self.address}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt:
                    raise
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if "Max-Age=0" in v or value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        return r.status, data.decode("utf-8", "replace")


def token_of(page):
    m = re.search(r'name="csrf_token" value="([^"]*)"', page)
    return m.group(1) if m else ""


def multipart(fields):
    boundary = "----selfregbench" + str(time.monotonic_ns())
    out = []
    for name, value in fields:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    out.append(f"--{boundary}--\r\n")
    return "".join(out).encode(), f"multipart/form-data; boundary={boundary}"


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.status = Counter()
        self.latencies = []

    def add(self, status, seconds):
        with self.lock:
            self.status[status] += 1
            if status == 303:
                self.latencies.append(seconds)


def comments(args, tally, deadline, n, thread_no):
    c = Client(args.base, f"127.60.{thread_no}.1")
    path = f"/standards/{args.standard}"
    status, page = c.request("GET", path)
    fields = dict(form_fields(page, f"{path}/comments"))
    if status != 200 or "version_n" not in fields:
        tally.add(f"no comment form ({status})", 0)
        return
    i = 0
    while time.monotonic() < deadline:
        i += 1
        body = urllib.parse.urlencode({
            "csrf_token": fields.get("csrf_token") or token_of(page),
            "version_n": fields["version_n"], "clause_ref": "", "kind": "general",
            "body": f"压测意见 {thread_no}-{i}：建议明确主播资质核验的频次。",
            "proposed_change": "", "name": f"压测{thread_no}", "organization": "压测单位",
            "email": f"bench{thread_no}.{i}@example.net",
        })
        # Another client address for every comment (the hourly limit is per address).
        addr = f"127.{100 + thread_no % 100}.{(i // 250) % 250}.{i % 250 + 1}"
        t0 = time.monotonic()
        try:
            status, _ = c.request("POST", f"{path}/comments", body,
                                  {"Content-Type": "application/x-www-form-urlencoded"}, address=addr)
        except OSError as e:
            status = type(e).__name__
        tally.add(status, time.monotonic() - t0)


def reports(args, tally, deadline, filer, thread_no):
    email, password, rid = filer
    c = Client(args.base, f"127.61.{thread_no // 250}.{thread_no % 250 + 1}")
    _, page = c.request("GET", "/login")
    status, _ = c.request("POST", "/login", urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": token_of(page)}),
        {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 303 or "selfreg_session" not in c.cookies:
        tally.add(f"sign-in failed ({status})", 0)
        return
    i = 0
    while time.monotonic() < deadline:
        i += 1
        status, page = c.request("GET", f"/reports/{rid}/edit")
        fields = form_fields(page, f"/reports/{rid}/save")
        if status != 200 or not fields:
            tally.add(f"edit form {status}", 0)
            time.sleep(0.1)
            continue
        for f in fields:
            if f[0].endswith("_measures"):
                f[1] = f"第{i}次保存：加强直播间内容审核，按周抽查。"
                break
        fields.append(["action", "save"])
        body, ctype = multipart(fields)
        t0 = time.monotonic()
        try:
            status, _ = c.request("POST", f"/reports/{rid}/save", body, {"Content-Type": ctype})
        except OSError as e:
            status = type(e).__name__
        tally.add(status, time.monotonic() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["comments", "reports"])
    ap.add_argument("--base", required=True)
    ap.add_argument("--standard", type=int)
    ap.add_argument("--filers")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    tally = Tally()
    deadline = time.monotonic() + args.seconds
    if args.kind == "comments":
        jobs = [(comments, n) for n in range(args.clients)]
    else:
        filers = [line.split() for line in open(args.filers) if line.strip()]
        jobs = [(reports, f) for f in filers]
    threads = [threading.Thread(target=fn, args=(args, tally, deadline, x, n), daemon=True)
               for n, (fn, x) in enumerate(jobs)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.seconds + 60)
    elapsed = time.monotonic() - t0
    ok = tally.status.get(303, 0)
    lat = sorted(tally.latencies)
    p = lambda q: f"{lat[min(len(lat) - 1, int(q * len(lat)))] * 1000:.1f}" if lat else "-"
    answers = " ".join(f"{k}={v}" for k, v in sorted(tally.status.items(), key=lambda kv: str(kv[0])))
    others = sum(v for k, v in tally.status.items() if k != 303)
    print(f"{args.kind} clients={len(jobs)} writes={ok} seconds={elapsed:.1f} writes/s={ok / elapsed:.1f} "
          f"p50ms={p(0.5)} p99ms={p(0.99)} errors={others} answers: {answers}")


if __name__ == "__main__":
    main()
