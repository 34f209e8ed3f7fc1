#!/usr/bin/env python3
"""Tiny ESMTP sink for the sendmail lab: 127.0.0.1:2527 only.

Stands in for "the remote host" of every non-local delivery (SMART_HOST
relay:[127.0.0.1] with RELAY_MAILER_ARGS `TCP $h 2527').
  RCPT local part starting with "reject"   -> 550 5.1.1 ... User unknown (sink)
  RCPT local part starting with "tempfail" -> 451 4.2.0 ... mailbox busy (sink)
  MAIL FROM containing "rejectsender"      -> 553 5.7.1 sender refused (sink)
Every accepted message is written to $SMLAB/sink/NNNN.eml with the envelope
in X-Sink-* lines; the whole SMTP conversation (C:/S:) is appended to
$SMLAB/sink/transcript.log.

Part of ferrymail's sendmail oracle: see tests/oracle/README.md.
"""
import os, socket, threading, itertools, time

SMLAB = os.environ.get("SMLAB", "/tmp/smlab")
OUT = os.path.join(SMLAB, "sink")
PORT = int(os.environ.get("SINK_PORT", "2527"))
os.makedirs(OUT, exist_ok=True)
counter = itertools.count(len([n for n in os.listdir(OUT) if n.endswith(".eml")]) + 1)
lock = threading.Lock()


def log(lines):
    with lock, open(os.path.join(OUT, "transcript.log"), "ab") as f:
        f.write(b"".join(l + b"\n" for l in lines))


def handle(conn, addr):
    tr = [("--- connection from %s:%d at %s" % (addr[0], addr[1], time.strftime("%Y-%m-%d %H:%M:%S"))).encode()]
    f = conn.makefile("rb")

    def send(line):
        conn.sendall(line + b"\r\n")
        tr.append(b"S: " + line)

    send(b"220 sink.lab.example ESMTP smlab-sink")
    mail_from, rcpts = None, []
    try:
        while True:
            raw = f.readline()
            if not raw:
                break
            line = raw.rstrip(b"\r\n")
            tr.append(b"C: " + line)
            cmd = line[:4].upper()
            if cmd == b"EHLO":
                for l in (b"250-sink.lab.example", b"250-8BITMIME", b"250-SIZE 10000000",
                          b"250-DSN", b"250-ENHANCEDSTATUSCODES", b"250 PIPELINING"):
                    send(l)
            elif cmd == b"HELO":
                send(b"250 sink.lab.example")
            elif cmd == b"MAIL":
                if b"rejectsender" in line.lower():
                    send(b"553 5.7.1 sender refused (sink)")
                else:
                    mail_from, rcpts = line[10:], []
                    send(b"250 2.1.0 Ok")
            elif cmd == b"RCPT":
                addr_ = line[8:]
                lp = addr_.strip(b"<> ").split(b" ")[0].split(b"@")[0].lower()
                if lp.startswith(b"reject"):
                    send(b"550 5.1.1 " + addr_.split(b" ")[0] + b"... User unknown (sink)")
                elif lp.startswith(b"tempfail"):
                    send(b"451 4.2.0 " + addr_.split(b" ")[0] + b"... mailbox busy, try later (sink)")
                else:
                    rcpts.append(addr_)
                    send(b"250 2.1.5 Ok")
            elif cmd == b"DATA":
                if not rcpts:
                    send(b"503 5.5.1 No valid recipients")
                    continue
                send(b"354 End data with <CR><LF>.<CR><LF>")
                body = []
                while True:
                    raw = f.readline()
                    if not raw:
                        break
                    if raw in (b".\r\n", b".\n"):
                        break
                    body.append(raw)
                n = next(counter)
                with open(os.path.join(OUT, "%04d.eml" % n), "wb") as m:
                    m.write(b"X-Sink-Mail-From: " + (mail_from or b"") + b"\n")
                    for r in rcpts:
                        m.write(b"X-Sink-Rcpt-To: " + r + b"\n")
                    m.write(b"".join(body))
                tr.append(b"C: <%d lines of message data, stored as %04d.eml>" % (len(body), n))
                send(b"250 2.0.0 Ok: queued as SINK%04d" % n)
            elif cmd == b"RSET":
                mail_from, rcpts = None, []
                send(b"250 2.0.0 Ok")
            elif cmd == b"NOOP":
                send(b"250 2.0.0 Ok")
            elif cmd == b"QUIT":
                send(b"221 2.0.0 Bye")
                break
            else:
                send(b"502 5.5.2 Command not recognized")
    finally:
        log(tr)
        conn.close()


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", PORT))
    s.listen(16)
    with open(os.path.join(SMLAB, "run", "sink.pid"), "w") as p:
        p.write("%d\n" % os.getpid())
    while True:
        c, a = s.accept()
        threading.Thread(target=handle, args=(c, a), daemon=True).start()


if __name__ == "__main__":
    main()
