#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd, Debian package python3-aiosmtpd).

Listens on 127.0.0.1:PORT, prints "ready" when it accepts connections, and
writes each message it accepts to OUT/<n>.json: the envelope, the decoded
subject, the plain-text and HTML bodies and the headers. A recipient whose
address starts with "reject" is refused with 550 (a permanent failure), one
starting with "later" with 451 (a temporary one). The first message to an
address starting with "stall" is held without an answer (OUT/stalled.mark
says so) until its sender goes away; the next one is accepted. Stops when its standard
input closes (the test that started it ended).
"""
import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.n = 0
        self.stalled = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such user"
        if address.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        stall = [a for a in envelope.rcpt_tos if a.startswith("stall") and a not in self.stalled]
        if stall:
            self.stalled.update(stall)
            with open(os.path.join(self.out, "stalled.mark"), "w") as f:
                f.write(" ".join(stall))
            await asyncio.sleep(600)
            return "451 4.3.0 held too long"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "headers": {k: str(v) for k, v in msg.items()},
            "text": plain.get_content() if plain is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        self.n += 1
        tmp = os.path.join(self.out, f".{self.n}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.out, f"{self.n}.json"))
        return "250 Message accepted for delivery"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
