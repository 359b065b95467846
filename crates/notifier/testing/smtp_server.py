"""A real SMTP server for entraide's tests (Debian's aiosmtpd), run by
`entraide_notifier::testing::SmtpServer`.

Usage: smtp_server.py ROOT PORT [USER:PASSWORD]

Messages are stored in the Maildir ROOT/mail (one file per message under new/), with
the envelope in X-MailFrom / X-RcptTo headers. Faults are switched on by files that the
tests write, read at each command so that no restart is needed:
  ROOT/control/reject   domains refused at RCPT with 550 (permanent)
  ROOT/control/defer    domains refused at RCPT with 451 (transient)
  ROOT/control/hang     "N SECONDS": the Nth DATA waits that long before its reply
Each DATA is logged to ROOT/events.log as "event<TAB>seq<TAB>message-id" lines:
data (received), hang, dropped (the client went away before the reply: not accepted),
accepted (stored, 250 about to be sent).
"""

import asyncio
import email.parser
import logging
import os
import sys
import warnings

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult

# Plain-text AUTH is what the tests want; keep aiosmtpd's warnings out of test output.
warnings.filterwarnings("ignore")
logging.getLogger("mail.log").setLevel(logging.CRITICAL)

ROOT = sys.argv[1]
PORT = int(sys.argv[2])
CREDENTIALS = sys.argv[3].split(":", 1) if len(sys.argv) > 3 else None


def control(name):
    try:
        with open(os.path.join(ROOT, "control", name)) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def event(kind, seq, message_id):
    with open(os.path.join(ROOT, "events.log"), "a") as f:
        f.write(f"{kind}\t{seq}\t{message_id}\n")


class Handler(Mailbox):
    def __init__(self):
        super().__init__(os.path.join(ROOT, "mail"))
        self.seq = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if domain in control("reject"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if domain in control("defer"):
            return f"451 4.3.0 <{address}>: Temporary lookup failure"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.seq += 1
        seq = self.seq
        headers = email.parser.BytesHeaderParser().parsebytes(envelope.content)
        message_id = str(headers.get("Message-ID", "")).strip()
        event("data", seq, message_id)
        hang = control("hang")
        if len(hang) == 2 and int(hang[0]) == seq:
            event("hang", seq, message_id)
            try:
                await asyncio.sleep(float(hang[1]))
            except asyncio.CancelledError:
                # The client closed the connection: aiosmtpd cancels the session.
                event("dropped", seq, message_id)
                raise
        if server.transport is None or server.transport.is_closing():
            event("dropped", seq, message_id)
            return "421 4.4.2 Connection lost"
        reply = await super().handle_DATA(server, session, envelope)
        event("accepted", seq, message_id)
        return reply


def authenticator(server, session, envelope, mechanism, auth_data):
    login = getattr(auth_data, "login", b"")
    password = getattr(auth_data, "password", b"")
    ok = CREDENTIALS is not None and [login.decode(), password.decode()] == CREDENTIALS
    # handled=False: aiosmtpd then replies 535 itself on failure.
    return AuthResult(success=ok, handled=False)


async def main():
    handler = Handler()
    options = {}
    if CREDENTIALS is not None:
        options = dict(
            authenticator=authenticator, auth_required=True, auth_require_tls=False
        )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="smtp.entraide.test", **options),
        host="127.0.0.1",
        port=PORT,
    )
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
