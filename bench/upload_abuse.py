#!/usr/bin/env python3
"""Upload abuse: does memory stay under the ceiling the README states?

Starts the release binary on a fresh SQLite database with the demo data,
signs in as the demo filer, opens the current report, and then, N at a time
(default 20), sends uploads that used to hang or hold memory:

  stalled    the head, the CSRF token, the version and 1 MiB of a file, then
             nothing more (the connection stays open)          -> 408 / 503
  declared   a Content-Length of 100 MiB, the body sent after  -> 413 at once
  chunked    100 MiB without a Content-Length (chunked)        -> 413 / 503
  stale      30 MiB with a version that is no longer current   -> 409 / 503
  full       30 MiB of files with the current version, refused
             by their content after being read (the most an
             upload holds in memory)                            -> 422 / 503
  stored     30 MiB of PDF files with the current version: all
             read at once, one stored, the others stale by then -> 303 / 409 / 503

and prints, after each kind, the answers, how long they took and the
server's peak resident memory (VmHWM). Only the "stored" kind writes (one
report's files, in a temporary database).

    bench/upload_abuse.py --bin target/release/selfreg [--n 20]
"""

import argparse
import collections
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

MIB = 1024 * 1024
BOUNDARY = "----selfregbenchboundary"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Site:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def get(self, path):
        return self.opener.open(self.base + path).read().decode()

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields).encode()
        try:
            r = self.opener.open(self.base + path, data)
            return r.status, r.headers.get("Location", "")
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location", "")

    def cookie(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar if c.name == "selfreg_session")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def token_of(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def part(name, value):
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


def file_head(name, filename):
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n"
    ).encode()


def status_of(sock):
    """Read the status line of the answer (or 0 if the connection ends without one)."""
    sock.settimeout(120)
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    m = re.match(rb"HTTP/1\.1 (\d{3})", data)
    return int(m.group(1)) if m else 0


def send(host, port, head, pieces):
    """Send a request whose body is `pieces` (then nothing more, the connection
    left open), reading the answer meanwhile. Returns its status (0: none)."""
    s = socket.create_connection((host, port))
    answer = {}

    def read():
        answer.update(status=status_of(s))
        try:
            s.shutdown(socket.SHUT_RDWR)  # answered: stop sending
        except OSError:
            pass

    reader = threading.Thread(target=read)
    reader.start()
    try:
        s.sendall(head)
        for p in pieces:
            if answer:
                break  # answered early: stop sending
            s.sendall(p)
    except OSError:
        pass  # answered and closed early
    reader.join(130)
    s.close()
    return answer.get("status", 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--n", type=int, default=20)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="selfreg-upload-")
    port = free_port()
    host = "127.0.0.1"
    server = subprocess.Popen(
        [args.bin, "--database-url", os.path.join(work, "bench.db"), "--bind", f"{host}:{port}"],
        stdout=open(os.path.join(work, "server.log"), "w"),
        stderr=subprocess.STDOUT,
        env=dict(os.environ, RUST_LOG="warn"),
    )
    try:
        base = f"http://{host}:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except Exception:
                time.sleep(0.05)
        site = Site(base)
        token = token_of(site.get("/login"))
        status, _ = site.post("/login", {"email": "filer@example.org", "password": "selfreg-demo", "csrf_token": token})
        assert status == 303, f"sign-in failed: {status}"
        mine = site.get("/reporting")
        period = re.search(r'action="/reporting/(\d+)/open"', mine)
        if period:
            status, location = site.post(f"/reporting/{period.group(1)}/open", {"csrf_token": token_of(mine)})
            rid = int(re.search(r"/reports/(\d+)/edit", location).group(1))
        else:
            rid = int(re.search(r'href="/reports/(\d+)/edit"', mine).group(1))
        edit = site.get(f"/reports/{rid}/edit")
        csrf, version = token_of(edit), re.search(r'name="version" value="(\d+)"', edit).group(1)
        entry = re.search(r'name="e_(\d+)_status"', edit).group(1)
        cookie = site.cookie()
        path = f"/reports/{rid}/save"

        def head(length=None, chunked=False):
            h = (
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            )
            if chunked:
                h += "Transfer-Encoding: chunked\r\n"
            else:
                h += f"Content-Length: {length}\r\n"
            return (h + "\r\n").encode()

        prefix = part("csrf_token", csrf) + part("version", version) + file_head(f"e_{entry}_files", "big.pdf")
        block = b"x" * MIB

        def body(size, ver=version, chunked=False, magic=b"MZ"):
            pre = part("csrf_token", csrf) + part("version", ver)
            files = file_head(f"e_{entry}_files", "a.pdf") + magic + b"x" * (19 * MIB) + b"\r\n"
            files += file_head(f"e_{entry}_files", "b.pdf") + magic + b"x" * (size - 19 * MIB - 2 * MIB) + b"\r\n"
            whole = pre + files + part("action", "save") + f"--{BOUNDARY}--\r\n".encode()
            if not chunked:
                return len(whole), [whole[i : i + MIB] for i in range(0, len(whole), MIB)]
            first = pre + file_head(f"e_{entry}_files", "a.pdf")
            chunks = [f"{len(first):x}\r\n".encode() + first + b"\r\n"]
            chunks += [f"{MIB:x}\r\n".encode() + block + b"\r\n" for _ in range(size // MIB)]
            return None, chunks + [b"0\r\n\r\n"]

        kinds = collections.OrderedDict()
        kinds["stalled"] = lambda: send(host, port, head(30 * MIB), [prefix, block])
        kinds["declared"] = lambda: send(host, port, head(100 * MIB), (block for _ in range(100)))
        kinds["chunked"] = lambda: send(host, port, head(chunked=True), body(100 * MIB, chunked=True)[1])
        stale_len, stale_body = body(30 * MIB, ver="1" if version != "1" else "0")
        kinds["stale"] = lambda: send(host, port, head(stale_len), stale_body)
        full_len, full_body = body(30 * MIB)
        kinds["full"] = lambda: send(host, port, head(full_len), full_body)
        stored_len, stored_body = body(30 * MIB, magic=b"%PDF-")
        kinds["stored"] = lambda: send(host, port, head(stored_len), stored_body)

        pid = server.pid
        print(f"upload abuse: {args.n} at a time against {args.bin} (pid {pid})")
        print(f"  after start: RSS {kib(pid, 'VmRSS') // 1024} MiB, peak {kib(pid, 'VmHWM') // 1024} MiB")
        rows = []
        for name, fn in kinds.items():
            results = []
            lock = threading.Lock()

            def run():
                st = fn()
                with lock:
                    results.append(st)

            t0 = time.time()
            threads = [threading.Thread(target=run) for _ in range(args.n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            took = time.time() - t0
            counts = ", ".join(f"{k}×{v}" for k, v in sorted(collections.Counter(results).items()))
            hwm = kib(pid, "VmHWM") // 1024
            rss = kib(pid, "VmRSS") // 1024
            rows.append((name, counts, took, rss, hwm))
            print(f"  {name:9s} {counts:28s} {took:6.1f} s   RSS {rss:4d} MiB   peak {hwm:4d} MiB", flush=True)
        assert server.poll() is None, "the server died"
        still = urllib.request.urlopen(base + "/healthz").read()
        print(f"  the server still answers: /healthz {still.decode()}; peak RSS {kib(pid, 'VmHWM') // 1024} MiB")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
