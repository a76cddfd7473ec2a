"""Drives an interactive psql 15 through a pseudo-terminal, as a person at
a keyboard would, and prints what the terminal showed as JSON.

    python3 psql_tty.py PORT complete 'select * from cu' ...
        for each text: type it, press Tab twice, record what psql printed
        (the completion or the list of candidates), then clear the line.
    python3 psql_tty.py PORT watch 'select 1 as n'
        run the query under \\watch 0.2, let it repeat for a second, press
        Ctrl-C, and record the screen.

The output is a JSON object from each input to the text the terminal
showed for it, with terminal control sequences removed. Used by
tests/tests/psql_meta.rs to compare heapgres with PostgreSQL 15.
"""

import json
import os
import pty
import re
import select
import struct
import sys
import time

CONTROL = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x07|\x08|\r")


def read_until_quiet(fd, quiet=0.4, limit=5.0):
    out = b""
    end = time.time() + limit
    last = time.time()
    while time.time() < end and time.time() - last < quiet:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            last = time.time()
    return out


def clean(raw):
    return CONTROL.sub(b"", raw).decode("utf-8", "replace")


def spawn(port):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "dumb"
        os.environ["PAGER"] = "cat"
        os.execvp(
            "psql",
            ["psql", "-X", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres"],
        )
    import fcntl
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    read_until_quiet(fd, quiet=1.0)
    return pid, fd


def main():
    port, mode, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    pid, fd = spawn(port)
    shown = {}
    for text in inputs:
        if mode == "complete":
            os.write(fd, text.encode() + b"\t\t")
            # Generous: under a loaded CI machine the completion query may
            # take a while, and a cut-off listing would differ.
            shown[text] = clean(read_until_quiet(fd, quiet=1.5, limit=15.0))
            # Ctrl-U clears the line for the next input.
            os.write(fd, b"\x15")
            read_until_quiet(fd, quiet=0.2)
        elif mode == "watch":
            os.write(fd, text.encode() + b" \\watch 0.2\n")
            time.sleep(1.0)
            os.write(fd, b"\x03")
            shown[text] = clean(read_until_quiet(fd, quiet=1.5, limit=15.0))
        else:
            sys.exit(f"unknown mode {mode}")
    os.write(fd, b"\\q\n")
    read_until_quiet(fd, quiet=0.3)
    os.waitpid(pid, 0)
    print(json.dumps(shown))


if __name__ == "__main__":
    main()
