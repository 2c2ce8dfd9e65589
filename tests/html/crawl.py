#!/usr/bin/env python3
"""Crawl a running selfreg site as each role and save every distinct page's HTML.

Python 3 standard library only. For each role (public, or a demo account
signed in with the login form's CSRF token) it follows same-site `<a href>`
links breadth-first from `/`, up to a page cap, never submitting a form and
never following `/logout`. Pages whose path differs only in numbers (one
standard, another standard) count as one kind of page: at most
`--per-kind` of each are fetched, so the crawl sees every kind of page
without walking all thousand of them.

Every HTML page is saved under OUT/<role>-<lang>/ and listed in OUT/index.tsv
(file, status, URL, the page that linked to it). The crawl fails (exit 1) on
any answer 500 or above, on a same-site link that answers 404, and on a
page whose <title> says the same thing twice or that has not exactly one
<h1>. `tests/html/run.sh` validates the saved pages with the Nu validator.

    python3 tests/html/crawl.py --base http://127.0.0.1:8105 --out /tmp/crawl
"""

import argparse
import collections
import html.parser
import http.cookiejar
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

DEMO_PASSWORD = "selfreg-demo"
ROLES = {
    "public": None,
    "filer": "filer@example.org",
    "editor": "editor@example.org",
    "reviewer": "reviewer@example.org",
    "admin": "admin@example.org",
}
# Downloads and feeds are not HTML pages; files can be large.
SKIP_SUFFIXES = (".csv", ".xlsx", ".atom", ".pdf", ".docx", ".png", ".jpg", ".svg", ".css", ".js")
SKIP_PARTS = ("/files/", "/attachments/", "/static/")


class Links(html.parser.HTMLParser):
    """The links, the CSRF field, the <title> and the <h1> count of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []
        self.csrf = None
        self.title = ""
        self.h1 = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "input" and a.get("name") == "csrf_token" and self.csrf is None:
            self.csrf = a.get("value")
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self.h1 += 1

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def kind_of(path_and_query):
    """Numbers replaced, query values dropped: /standards/12?page=2 → /standards/N?page."""
    parts = urllib.parse.urlsplit(path_and_query)
    path = re.sub(r"\d+", "N", parts.path)
    keys = sorted({k for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def file_name(path_and_query):
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", path_and_query.strip("/")) or "home"
    return name[:150] + ".html"


class Crawler:
    def __init__(self, base, lang):
        self.base = base.rstrip("/")
        self.host = urllib.parse.urlsplit(self.base).netloc
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.lang = lang

    def request(self, path, data=None):
        """(status, headers, body) of one request; redirects are returned, not followed."""
        req = urllib.request.Request(self.base + path, data=data)
        req.add_header("Accept-Language", self.lang)
        req.add_header("User-Agent", "selfreg-crawl")
        if data is not None:
            req.add_header("Origin", self.base)
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def sign_in(self, email):
        status, _, body = self.request("/login")
        p = Links()
        p.feed(body.decode("utf-8", "replace"))
        if status != 200 or not p.csrf:
            raise SystemExit(f"cannot read the login form ({status})")
        form = urllib.parse.urlencode({"email": email, "password": DEMO_PASSWORD, "csrf_token": p.csrf})
        status, _, body = self.request("/login", form.encode())
        if status != 303:
            raise SystemExit(f"sign-in as {email} failed ({status}): {body[:300]!r}")

    def same_site(self, page, href):
        """The path and query of a same-site link worth following, or None."""
        url = urllib.parse.urljoin(self.base + page, href)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != self.host:
            return None
        path = parts.path or "/"
        if path == "/logout" or path.startswith("/lang/"):
            return None
        if path.endswith(SKIP_SUFFIXES) or any(s in path for s in SKIP_PARTS):
            return None
        return path + ("?" + parts.query if parts.query else "")

    def crawl(self, out_dir, max_pages, per_kind, problems, index):
        os.makedirs(out_dir, exist_ok=True)
        label = os.path.basename(out_dir)
        queue = collections.deque([("/", "")])
        seen = {"/"}
        kinds = collections.Counter({kind_of("/"): 1})
        saved = 0
        while queue and saved < max_pages:
            page, referrer = queue.popleft()
            status, headers, body = self.request(page)
            where = f"{page} (as {label}, linked from {referrer or 'start'})"
            if status >= 500:
                problems.append(f"{status} {where}")
                continue
            if status in (403, 404):
                problems.append(f"link to a page that answers {status}: {where}")
                continue
            if status in (301, 302, 303, 307, 308):
                target = self.same_site(page, headers.get("Location", ""))
                if target and target not in seen:
                    seen.add(target)
                    queue.append((target, page))
                continue
            ctype = headers.get("Content-Type", "")
            if "text/html" not in ctype:
                continue
            text = body.decode("utf-8", "replace")
            p = Links()
            p.feed(text)
            name = file_name(page)
            with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
                f.write(text)
            index.append((os.path.join(os.path.basename(out_dir), name), str(status), page, referrer))
            saved += 1
            title = " ".join(p.title.split())
            pieces = [s.strip() for s in title.split("·")]
            if len(pieces) != len(set(pieces)):
                problems.append(f"title says the same thing twice: {title!r} on {page} (as {label})")
            if p.h1 != 1:
                problems.append(f"{p.h1} <h1> elements on {page} (as {label})")
            for href in p.hrefs:
                target = self.same_site(page, href)
                if not target or target in seen:
                    continue
                seen.add(target)
                k = kind_of(target)
                if kinds[k] >= per_kind:
                    continue
                kinds[k] += 1
                queue.append((target, page))
        return saved


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="the site, e.g. http://127.0.0.1:8105")
    ap.add_argument("--out", required=True, help="directory for the saved pages (best a new one)")
    ap.add_argument("--roles", default=",".join(ROLES), help="comma-separated: " + ", ".join(ROLES))
    ap.add_argument("--langs", default="zh-CN,en", help="Accept-Language of each pass")
    ap.add_argument("--max-pages", type=int, default=250, help="pages per role and language")
    ap.add_argument("--per-kind", type=int, default=3, help="pages per kind (path with numbers blanked)")
    args = ap.parse_args()

    problems, index = [], []
    for role in args.roles.split(","):
        if role not in ROLES:
            raise SystemExit(f"unknown role {role}")
        for lang in args.langs.split(","):
            c = Crawler(args.base, lang)
            if ROLES[role]:
                c.sign_in(ROLES[role])
            out_dir = os.path.join(args.out, f"{role}-{lang}")
            n = c.crawl(out_dir, args.max_pages, args.per_kind, problems, index)
            print(f"{role} ({lang}): {n} pages")
    with open(os.path.join(args.out, "index.tsv"), "w", encoding="utf-8") as f:
        for row in index:
            f.write("\t".join(row) + "\n")
    if problems:
        print(f"{len(problems)} problems:")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print(f"{len(index)} pages saved, no problems")


if __name__ == "__main__":
    main()
