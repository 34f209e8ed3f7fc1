# A milter on Debian's libmilter (python3-milter), driven by a JSON spec, for
# ferrymail's tests. Usage: filter.py PORT|unix:PATH SPEC.json
#
# Spec keys (all optional):
#   "connect", "helo", "mail", "data", "unknown", "eom": the answer at that stage;
#   "mail", "rcpt": an answer, or {"<addr>": answer, ...} by sender or recipient;
#   answers: "continue", "accept", "reject", "tempfail", "discard",
#            "reply:CODE X.Y.Z text" (setreply, then reject or tempfail by CODE);
#   "mods": end-of-body changes, each a list:
#       ["addheader", name, value], ["insheader", index, name, value],
#       ["chgheader", name, index, value] (value "" deletes), ["addrcpt", addr],
#       ["addrcpt_par", addr, args], ["delrcpt", addr], ["chgfrom", addr],
#       ["replacebody", text], ["quarantine", reason];
#   "sleep": {stage: seconds} before answering;
#   "record": a file each stage appends a JSON line to (what the filter saw);
#   "rcpt_rej": true to see the recipients the MTA refused (SMFIP_RCPT_REJ).
import json
import sys
import time

import Milter

spec = json.load(open(sys.argv[2]))
MACROS = ["j", "_", "{daemon_name}", "i", "{mail_addr}", "{rcpt_addr}", "{msg_id}",
          "{rcpt_mailer}", "{rcpt_host}", "{auth_type}", "{auth_authen}"]


def record(**what):
    if "record" in spec:
        with open(spec["record"], "a") as f:
            f.write(json.dumps(what) + "\n")


class Filter(Milter.Base):
    def __init__(self):
        self.headers, self.text, self.rcpts, self.sender = [], b"", [], None

    def answer(self, stage, key=None):
        time.sleep(spec.get("sleep", {}).get(stage, 0))
        a = spec.get(stage)
        if isinstance(a, dict):
            a = a.get(key)
        if a is None or a == "continue":
            return Milter.CONTINUE
        if a.startswith("reply:"):
            code, xcode, text = a[6:].split(" ", 2)
            self.setreply(code, xcode, text)
            return Milter.REJECT if code.startswith("5") else Milter.TEMPFAIL
        return {"accept": Milter.ACCEPT, "reject": Milter.REJECT,
                "tempfail": Milter.TEMPFAIL, "discard": Milter.DISCARD}[a]

    def macros(self):
        return {m: self.getsymval(m) for m in MACROS if self.getsymval(m) is not None}

    def connect(self, host, family, addr):
        record(stage="connect", host=host, macros=self.macros())
        return self.answer("connect")

    def hello(self, name):
        record(stage="helo", name=name)
        return self.answer("helo")

    def envfrom(self, sender, *args):
        self.headers, self.text, self.rcpts, self.sender = [], b"", [], sender
        record(stage="mail", sender=sender, args=list(args), macros=self.macros())
        return self.answer("mail", sender)

    def envrcpt(self, rcpt, *args):
        self.rcpts.append(rcpt)
        record(stage="rcpt", rcpt=rcpt, args=list(args), macros=self.macros())
        return self.answer("rcpt", rcpt)

    def data(self):
        return self.answer("data")

    def unknown(self, cmd):
        record(stage="unknown", command=cmd.decode("latin-1") if isinstance(cmd, bytes) else cmd)
        return self.answer("unknown")

    def header(self, name, value):
        self.headers.append([name, value])
        return Milter.CONTINUE

    def body(self, chunk):
        self.text += chunk
        return Milter.CONTINUE

    def eom(self):
        record(stage="eom", headers=self.headers, body=self.text.decode("latin-1"),
               sender=self.sender, rcpts=self.rcpts, macros=self.macros())
        for m in spec.get("mods", []):
            op, args = m[0], m[1:]
            if op == "addheader":
                self.addheader(args[0], args[1])
            elif op == "insheader":
                self.addheader(args[1], args[2], args[0])
            elif op == "chgheader":
                self.chgheader(args[0], args[1], args[2])
            elif op == "addrcpt":
                self.addrcpt(args[0])
            elif op == "addrcpt_par":
                self.addrcpt(args[0], args[1])
            elif op == "delrcpt":
                self.delrcpt(args[0])
            elif op == "chgfrom":
                self.chgfrom(args[0])
            elif op == "replacebody":
                self.replacebody(args[0].encode())
            elif op == "quarantine":
                self.quarantine(args[0])
        return self.answer("eom")


if spec.get("rcpt_rej"):
    Filter = Milter.enable_protocols(Filter, Milter.P_RCPT_REJ)
Milter.factory = Filter
Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.ADDRCPT | Milter.ADDRCPT_PAR
                 | Milter.DELRCPT | Milter.CHGFROM | Milter.CHGBODY | Milter.QUARANTINE)
where = sys.argv[1] if ":" in sys.argv[1] else "inet:%s@127.0.0.1" % sys.argv[1]
Milter.runmilter("ferrymail-test", where, 30)
