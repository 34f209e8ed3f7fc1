#!/usr/bin/env python3
"""Minimal syslog sink for the sendmail lab.

Listens on the unix datagram socket $SMLAB/log/devlog (bin/smns points
/dev/log at it) and appends every message to $SMLAB/log/maillog as
"<PRI>TIMESTAMP TAG[PID]: MSG" exactly as received (glibc's format),
one per line.  Run in the background; kill it by the PID in
$SMLAB/run/syslogd.pid.

Part of ferrymail's sendmail oracle: see tests/oracle/README.md.
"""
import os, socket, sys

smlab = os.environ.get("SMLAB", "/tmp/smlab")
path = os.path.join(smlab, "log", "devlog")
out = os.path.join(smlab, "log", "maillog")
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(os.path.join(smlab, "run", "syslogd.pid"), "w") as f:
    f.write("%d\n" % os.getpid())
with open(out, "ab", buffering=0) as log:
    while True:
        data = s.recv(65536)
        log.write(data.rstrip(b"\0").rstrip(b"\n") + b"\n")
