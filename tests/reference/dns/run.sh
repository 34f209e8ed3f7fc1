#!/bin/sh
# run.sh NAME SWITCHFILE FEATUREFILE SRC...
name=$1 switch=$2 feat=$3; shift 3
cd /tmp/dnsx
sed "s|SWITCHFILE|/tmp/dnsx/$switch|" base.mc | awk -v f="$feat" 'BEGIN{while((getline l < f)>0) part=part l "\n"} /^MAILER\(`local/{printf "%s", part} {print}' > $name.mc
m4 $name.mc > $name.cf 2> $name.m4err; cat $name.m4err
: > lab/log/maillog
unshare -n ./inns.sh /tmp/dnsx/$name.cf "$@"
sleep 0.3
echo "=== maillog"; sed 's/^<[0-9]*>[A-Z][a-z][a-z] [ 0-9]* [0-9:]* //' lab/log/maillog
