"""A real SMTP server for the tests (aiosmtpd): listens on 127.0.0.1 (the port given, or any
free one), writes each message it receives to the folder given as NNN.eml, prints its port on
the first line of stdout, and runs until it is stopped."""

import os
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        path = os.path.join(self.folder, f"{self.n:03}.eml")
        with open(path + ".part", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(path + ".part", path)
        return "250 OK"


def main():
    folder = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    os.makedirs(folder, exist_ok=True)
    c = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    c.start()
    print(c.server.sockets[0].getsockname()[1], flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        c.stop()


if __name__ == "__main__":
    main()
