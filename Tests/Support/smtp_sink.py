#!/usr/bin/env python3
"""A local SMTP server for the mail tests: accepts every message and writes it, with its
decoded headers as JSON, into a folder. Writes the port it listens on to FOLDER/port, then
serves until killed."""
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import asyncore  # noqa: E402
import smtpd  # noqa: E402
from email import message_from_bytes, policy  # noqa: E402

port, folder = int(sys.argv[1]), sys.argv[2]
os.makedirs(folder, exist_ok=True)


class Sink(smtpd.SMTPServer):
    count = 0

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        Sink.count += 1
        message = message_from_bytes(data, policy=policy.default)
        record = {
            "envelope_to": rcpttos,
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "bcc": message.get_all("Bcc"),
            "header_names": [name for name, _ in message.items()],
            "body": message.get_body().get_content(),
        }
        name = f"{os.getpid()}-{Sink.count:06d}"
        with open(os.path.join(folder, name + ".tmp"), "w") as out:
            json.dump(record, out)
        os.rename(os.path.join(folder, name + ".tmp"), os.path.join(folder, name + ".json"))


server = Sink(("127.0.0.1", port), None, decode_data=False)
with open(os.path.join(folder, "port.tmp"), "w") as out:
    out.write(str(server.socket.getsockname()[1]))
os.rename(os.path.join(folder, "port.tmp"), os.path.join(folder, "port"))
asyncore.loop()
