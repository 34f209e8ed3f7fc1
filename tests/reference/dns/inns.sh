#!/bin/sh
# inside unshare -n: $1 = cf, $2.. = client sources
set -u
cf=$1; shift
ip link set lo up
/work/wt/dns/target/debug/examples/dns-server 127.0.0.1:53 /tmp/dnsx/zone.txt > /tmp/dnsx/dns.log 2>&1 &
dnspid=$!
SMLAB=/tmp/dnsx/lab /work/wt/dns/tests/oracle/bin/smns /tmp/sm-root/usr/libexec/sendmail/sendmail -bD -C $cf &
smpid=$!
for i in $(seq 50); do python3 -c "import socket;socket.create_connection(('127.0.0.1',2525),timeout=1)" 2>/dev/null && break; sleep 0.2; done
for src in "$@"; do
  echo "=== client $src"
  python3 /tmp/dnsx/client.py $src 2525 "EHLO client.test" "MAIL FROM:<a@example.org>" "RCPT TO:<root@mail.lab.example>" "QUIT"
done
kill $smpid; sleep 0.5; kill $dnspid
echo "=== dns queries"; cat /tmp/dnsx/dns.log
