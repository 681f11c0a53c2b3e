#!/usr/bin/env python3
"""An SMTP sink for local runs and tests: accepts every message and stores it as a file.

Each accepted message becomes `<dir>/<unix-nanos>-<uuid>.eml` holding the raw message, with the
envelope recipients in an `X-Sink-Rcpt-To` header, and `<same name>.json` with the decoded parts
(`rcpt_to`, `from`, `to`, `subject`, `message_id`, `text`, `html`), so tests read back exactly
what was sent.
`--reject-rcpt-suffix` makes it answer 550 for recipients ending with that suffix (a permanent
rejection); `--tempfail-rcpt-suffix` answers 451 (a temporary one).
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import time
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, reject_suffix, tempfail_suffix):
        self.directory = directory
        self.reject_suffix = reject_suffix
        self.tempfail_suffix = tempfail_suffix

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_suffix and address.endswith(self.reject_suffix):
            return "550 5.1.1 mailbox unavailable"
        if self.tempfail_suffix and address.endswith(self.tempfail_suffix):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{uuid.uuid4()}"
        header = f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        self.write(name + ".eml", header + envelope.original_content)
        self.write(name + ".json", json.dumps(decode(envelope)).encode())
        return "250 Message accepted for delivery"

    def write(self, name, content):
        temporary = os.path.join(self.directory, "." + name)
        with open(temporary, "wb") as out:
            out.write(content)
        # Rename so readers never see a half-written file.
        os.replace(temporary, os.path.join(self.directory, name))


def decode(envelope):
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    parts = {"text": None, "html": None}
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/plain" and parts["text"] is None:
            parts["text"] = part.get_content()
        elif kind == "text/html" and parts["html"] is None:
            parts["html"] = part.get_content()
    return {
        "rcpt_to": envelope.rcpt_tos,
        "from": str(message.get("From", "")),
        "to": str(message.get("To", "")),
        "subject": str(message.get("Subject", "")),
        "message_id": str(message.get("Message-ID", "")),
        **parts,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject-rcpt-suffix", default="")
    parser.add_argument("--tempfail-rcpt-suffix", default="")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Sink(args.dir, args.reject_rcpt_suffix, args.tempfail_rcpt_suffix)
    controller = Controller(handler, hostname=args.host, port=args.port, data_size_limit=10 * 1024 * 1024)
    controller.start()
    print(f"smtp-sink listening on {args.host}:{args.port}, storing mail in {args.dir}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
