#!/usr/bin/env python3
"""Fault test: the disk holding the SQLite database fills up.

The database lives on a small tmpfs (needs root to mount). Once the disk is
full, writes must fail with the 503 page (never a 500 or a crash), reads must
go on, nothing saved before may be lost or damaged, and once space is freed
writes work again without a restart.

Needs SELFREG_BIN. Prints `disk_full: N passed, N failed`."""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Server, Visitor, bodies, draft_id, integrity  # noqa: E402

SIZE = "24m"
RUN = f"full{os.getpid()}"


def fill(path):
    """Write zeros until the disk says no."""
    with open(path, "wb", buffering=0) as f:
        block = b"\0" * (256 * 1024)
        try:
            while True:
                f.write(block)
        except OSError:
            pass
        try:  # the last bytes, one page at a time
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass


def main():
    if os.geteuid() != 0:
        print("disk_full: needs root to mount a tmpfs")
        print("disk_full: 0 passed, 1 failed")
        sys.exit(1)
    work = tempfile.mkdtemp(prefix="selfreg-full-")
    mnt = os.path.join(work, "disk")
    os.mkdir(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", mnt], check=True)
    server = None
    failures = []
    try:
        db = os.path.join(mnt, "selfreg.db")
        server = Server(db, os.path.join(work, "server.log")).start()
        sid = draft_id(server)
        v = Visitor(server, "127.3.0.1")
        v.open(f"/standards/{sid}")

        # Saved before the disk fills: these must survive.
        saved = []
        for k in range(5):
            marker = f"{RUN}-before-{k}"
            status, headers, _ = v.comment(sid, marker)
            if status != 303:
                failures.append(f"a comment before the disk filled answered {status}")
            saved.append(marker)

        fill(os.path.join(mnt, "filler"))
        print(f"disk filled: {shutil.disk_usage(mnt).free} bytes free")

        # Write until the database needs space it cannot get (the WAL may hold
        # a few pages of slack); every answer must be 303 or the 503 page.
        answers = {}
        first_503 = None
        for k in range(300):
            if k % 9 == 0:
                v.address = f"127.3.{k // 250 + 1}.{k % 250 + 1}"
            marker = f"{RUN}-full-{k}"
            status, headers, body = v.comment(sid, marker, size=1500)
            answers[status] = answers.get(status, 0) + 1
            if status == 303:
                saved.append(marker)
            elif status == 503:
                first_503 = first_503 or (headers, body)
                if answers[503] >= 5:
                    break
            else:
                failures.append(f"a write on a full disk answered {status}")
                break
        print(f"writes on the full disk: {answers}")
        if first_503 is None:
            failures.append("no write failed although the disk is full")
        else:
            headers, body = first_503
            if not headers.get("content-type", "").startswith("text/html") or b"503" not in body:
                failures.append("the 503 answer is not the error page")
            if "retry-after" not in headers:
                failures.append("the 503 answer has no Retry-After")

        # Reads go on.
        for path in ["/", "/standards", f"/standards/{sid}", f"/standards/{sid}/comments", "/pledges", "/healthz"]:
            status, _, _ = server.get(path)
            if status != 200:
                failures.append(f"read {path} answered {status} on the full disk")
        status, _, page = server.get(f"/standards/{sid}/comments")
        lost = [m for m in saved if m.encode() not in page]
        if lost:
            failures.append(f"{len(lost)} saved comments are not listed on the full disk: {lost[:3]}")

        # Space comes back: writes work again without a restart.
        os.remove(os.path.join(mnt, "filler"))
        v.address = "127.3.200.1"
        status, _, _ = v.comment(sid, f"{RUN}-after")
        if status != 303:
            failures.append(f"after freeing space a comment answered {status}")
        else:
            saved.append(f"{RUN}-after")

        if server.proc.poll() is not None:
            failures.append("selfreg died")
        server.stop()
        if server.panicked():
            failures.append("a panic was logged")
        with open(server.log_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        causes = sorted(set(line.split("-> 503")[-1].strip() for line in log.splitlines() if "-> 503" in line))
        print("503 causes logged:", causes)
        if not any("disk is full" in c for c in causes):
            failures.append("the 503 answers were not caused by the full disk")
        ic = integrity(db)
        if ic != "ok":
            failures.append(f"PRAGMA integrity_check: {ic}")
        stored = set(b.split(" ")[1].rstrip("。") for b in bodies(db, RUN))
        missing = [m for m in saved if m not in stored]
        if missing:
            failures.append(f"{len(missing)} acknowledged comments missing: {missing[:3]}")
        print(f"integrity_check {ic}; {len(saved)} acknowledged comments, {len(stored)} stored")
    finally:
        if server:
            server.stop()
        subprocess.run(["umount", mnt], check=False)
    for f in failures:
        print("FAIL:", f)
    if failures:
        print(f"server log kept in {work}")
        print("disk_full: 0 passed, 1 failed")
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print("disk_full: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
