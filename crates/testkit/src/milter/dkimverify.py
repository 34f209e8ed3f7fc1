# Verifies the DKIM signature of the message in argv[1] with the key record in
# argv[2] (opendkim-genkey's .txt), Debian's python3-dkim; prints the verdict.
import re
import sys

import dkim

message = open(sys.argv[1], "rb").read()
record = "".join(re.findall(r'"([^"]*)"', open(sys.argv[2]).read())).encode()


def dnsfunc(name, timeout=5):
    return record


ok = dkim.verify(message, dnsfunc=dnsfunc)
print("pass" if ok else "fail")
sys.exit(0 if ok else 1)
