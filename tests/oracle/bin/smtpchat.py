#!/usr/bin/env python3
"""Scripted SMTP client that writes a verbatim C:/S: transcript.

usage: smtpchat.py SCENARIO [OUTPUT]

Scenario lines:
  # text              comment, copied to the transcript as "# text"
  @connect HOST PORT [SOURCE_IP]   (default 127.0.0.1 2525, source 127.0.0.1)
  @timing             annotate every server reply with "# (+N.NNs)" lines
  @sleep SECONDS
  @raw PYBYTES        send python bytes literal as-is (e.g. b'MAIL FROM:<a@b>\n'),
                      then read one reply
  @rawdata PYBYTES    send as-is, do not read a reply
  @read               read one reply
  @data               following lines up to a line "@end" are message data:
                      each is sent with CRLF (no reply is read), "C: " logged
  @repeat N LINE      send LINE N times (LINE may contain {i}), read a reply each
  @bigheader N        send one header line "X-Big: xxxx..." of N bytes of x
                      (as message data, no reply)
  anything else       an SMTP command: sent with CRLF, one reply read
Reply = lines until one whose 4th byte is a space.  If the server closes the
connection, "# (connection closed by server)" is logged.

Part of ferrymail's sendmail oracle: see tests/oracle/README.md.
"""
import ast, socket, sys, time

def main():
    scen = open(sys.argv[1], encoding="utf-8").read().splitlines()
    out = open(sys.argv[2], "w", encoding="utf-8", newline="\n") if len(sys.argv) > 2 else sys.stdout
    sock = f = None
    timing = False
    t0 = time.time()
    closed = False

    def w(s):
        out.write(s + "\n")
        out.flush()

    def show(b):
        return b.decode("utf-8", "backslashreplace")

    def send(b, log=True):
        nonlocal closed
        if closed:
            return
        if log:
            # log exactly what was sent, making non-CRLF endings visible
            if b.endswith(b"\r\n"):
                w("C: " + show(b[:-2]))
            else:
                w("C: " + repr(b) + "   # raw bytes")
        try:
            sock.sendall(b)
        except OSError as e:
            w("# (send failed: %s)" % e)
            closed = True

    def read_reply():
        nonlocal closed
        if closed:
            return
        t1 = time.time()
        while True:
            try:
                line = f.readline()
            except socket.timeout:
                w("# (timeout waiting for reply)")
                return
            except OSError as e:
                w("# (read failed: %s)" % e)
                closed = True
                return
            if not line:
                w("# (connection closed by server)")
                closed = True
                return
            s = line.rstrip(b"\r\n")
            w("S: " + show(s) + ("" if line.endswith(b"\r\n") else "   # no CRLF"))
            if len(s) < 4 or s[3:4] != b"-":
                break
        if timing:
            w("# (+%.2fs)" % (time.time() - t1))

    i = 0
    while i < len(scen):
        line = scen[i]
        i += 1
        if line.startswith("#"):
            w(line)
            continue
        if not line.strip():
            continue
        if line.startswith("@connect"):
            p = line.split()
            host = p[1] if len(p) > 1 else "127.0.0.1"
            port = int(p[2]) if len(p) > 2 else 2525
            src = p[3] if len(p) > 3 else None
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            if src:
                sock.bind((src, 0))
            sock.settimeout(float(__import__("os").environ.get("SMTPCHAT_TIMEOUT", "70")))
            w("# connect %s:%d from %s" % (host, port, src or "127.0.0.1"))
            sock.connect((host, port))
            f = sock.makefile("rb")
            closed = False
            read_reply()
        elif line == "@timing":
            timing = True
        elif line.startswith("@sleep"):
            time.sleep(float(line.split()[1]))
        elif line.startswith("@rawdata "):
            send(ast.literal_eval(line[9:]))
        elif line.startswith("@raw "):
            send(ast.literal_eval(line[5:]))
            read_reply()
        elif line == "@read":
            read_reply()
        elif line.startswith("@repeat "):
            _, n, rest = line.split(" ", 2)
            for k in range(int(n)):
                send((rest.replace("{i}", str(k + 1))).encode() + b"\r\n")
                read_reply()
        elif line.startswith("@bigheader "):
            n = int(line.split()[1])
            b = b"X-Big: " + b"x" * n
            w("C: X-Big: " + "x" * 20 + "...(%d x's in total)" % n)
            sock.sendall(b + b"\r\n")
        elif line == "@data":
            while i < len(scen) and scen[i] != "@end":
                send(scen[i].encode("utf-8") + b"\r\n")
                i += 1
            i += 1
        else:
            send(line.encode("utf-8") + b"\r\n")
            read_reply()
    if sock:
        sock.close()

if __name__ == "__main__":
    main()
