# tests/oracle/env.sh: where ferrymail's sendmail oracle lives (see README.md beside it).
#
# Sourced by setup.sh and by every script in bin/. To use the lab from a shell, point
# SMLAB_HOME at this folder first, then source it:
#   SMLAB_HOME=$PWD/tests/oracle; . "$SMLAB_HOME/env.sh"; lab-mailq
# Every path may be overridden from the environment (a second lab, a benchmark's own
# copy); the defaults are the ones the tests look at (testkit::oracle).
SMLAB_HOME=${SMLAB_HOME:-$(cd "$(dirname "$0")/.." 2>/dev/null && pwd)}
SMROOT=${SMROOT:-/tmp/sm-root}          # dpkg -x of Debian 12's sendmail packages
SMLAB=${SMLAB:-/tmp/smlab}              # runtime tree: etc/, mqueue/, mail/, log/ ...
SMDEBS=${SMDEBS:-/tmp/sm-debs}          # the downloaded .deb files
SM_BIN=$SMROOT/usr/libexec/sendmail/sendmail
SM_MAKEMAP=$SMROOT/usr/libexec/sendmail/makemap
SM_EDITMAP=$SMROOT/usr/libexec/sendmail/editmap
SM_PRALIASES=$SMROOT/usr/libexec/sendmail/praliases
SM_CF=$SMLAB/etc/sendmail.cf            # main MTA: 127.0.0.1:2525, queue $SMLAB/mqueue
SM_OPEN_CF=$SMLAB/etc/sendmail-open.cf  # same, no novrfy/noexpn: 127.0.0.1:2526, $SMLAB/mqueue-open
SM_SUBMIT_CF=$SMLAB/etc/submit.cf       # MSP: queue $SMLAB/clientmqueue, relays to [127.0.0.1]:2525
SM_QUEUE=$SMLAB/mqueue
SM_CLIENTQUEUE=$SMLAB/clientmqueue
SM_MAILLOG=$SMLAB/log/maillog           # syslog output captured by bin/syslogd.py
SM_PORT=2525
SM_OPEN_PORT=2526
SINK_PORT=2527
export SMLAB_HOME SMROOT SMLAB SMDEBS SM_BIN SM_MAKEMAP SM_EDITMAP SM_PRALIASES \
       SM_CF SM_OPEN_CF SM_SUBMIT_CF SM_QUEUE SM_CLIENTQUEUE SM_MAILLOG \
       SM_PORT SM_OPEN_PORT SINK_PORT
case ":$PATH:" in *":$SMLAB_HOME/bin:"*) ;; *) PATH=$SMLAB_HOME/bin:$PATH; export PATH;; esac
