#!/bin/sh
# NAME
#   tests/oracle/setup.sh - set up ferrymail's oracle: the real sendmail 8.17.1.9 of
#   Debian 12, unpacked in a scratch prefix, with the lab configuration of conf/.
#
# SYNOPSIS
#   tests/oracle/setup.sh [--reset] [--refetch]
#
# DESCRIPTION
#   The compatibility tests compare ferrymail with the sendmail whose recordings are in
#   tests/reference. This script makes that sendmail runnable on a Debian 12 machine:
#   1. installs, when missing, the few system packages the unpacked binaries and the lab
#      need: m4 (builds the .cf files), db5.3-util (db5.3_dump, used by the tests),
#      libwrap0 and liblockfile1 (shared libraries sendmail and procmail link against);
#   2. downloads Debian's sendmail packages with `apt-get download` into $SMDEBS
#      (default /tmp/sm-debs) and unpacks them with `dpkg -x` into $SMROOT (default
#      /tmp/sm-root). sendmail is never installed: no dpkg entry, no /etc/mail, no daemon;
#   3. builds the lab tree $SMLAB (default /tmp/smlab) from conf/: sendmail.cf,
#      sendmail-open.cf and submit.cf (m4 through Debian's cf macros), the access and
#      mailertable maps and aliases.db (written by the real makemap and newaliases), the
#      queue directories, and the hosts, nsswitch.conf and resolv.conf that bin/smns
#      mounts in sendmail's private namespace.
#   Every sendmail binary runs through bin/smns: in its own mount namespace it has a
#   qualified host name, files-only name service and a loopback resolver, so it neither
#   sleeps 60 s on an unqualified host name nor sends a query to the machine's resolver.
#   The defaults /tmp/sm-root and /tmp/smlab are where the tests look (testkit::oracle).
#
#   Idempotent: a second run changes nothing. Generated files are replaced only when
#   their content changes and maps are rebuilt only when older than their source, so a
#   run never disturbs tests using the lab at the same time; queues are kept.
#     --reset    stop the lab's daemons (bin/lab stop) and remove $SMLAB first
#     --refetch  download and unpack the packages again
#
# DIAGNOSTICS
#   Exit 0 when the oracle is ready; 64 on a bad option; 69 when it cannot be set up
#   here (not root, not Debian, a sendmail other than 8.17.1.9, missing libraries, or
#   no mount namespace for bin/smns); otherwise the status of the failing step.
#
# SECURITY
#   Needs root (apt-get, chown of the lab's queues). Touches nothing outside $SMDEBS,
#   $SMROOT and $SMLAB except the packages of step 1, which hold no daemon. The lab's
#   daemons (bin/lab start) listen on 127.0.0.1 only and relay to 127.0.0.1 only.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SMLAB_HOME=$HERE
. "$HERE/env.sh"
RESET=0 REFETCH=0
for a in "$@"; do
  case "$a" in
    --reset) RESET=1;; --refetch) REFETCH=1;;
    *) echo "usage: $0 [--reset] [--refetch]" >&2; exit 64;;
  esac
done
die() { echo "setup.sh: $*" >&2; exit 69; }
[ "$(id -u)" = 0 ] || die "must run as root (apt-get, chown)"
command -v apt-get >/dev/null && command -v dpkg >/dev/null || die "needs Debian's apt-get and dpkg"

# The sendmail of the recordings (tests/reference/README.md) and what it runs.
SM_UPSTREAM=8.17.1.9
SM_RECORDED=8.17.1.9-2+deb12u2
DEBS="sendmail-bin sendmail-base sendmail-cf sensible-mda procmail libmilter1.0.1 liblockfile1 libwrap0"
TOOLS="m4 db5.3-util libwrap0 liblockfile1"
export DEBIAN_FRONTEND=noninteractive

# ---- 1. system packages (no daemons) --------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=""
for p in $TOOLS; do installed "$p" || need="$need $p"; done
if [ $REFETCH = 1 ]; then rm -rf "$SMDEBS" "$SMROOT"; fi
if [ -n "$need" ] || ! ls "$SMDEBS"/sendmail-bin_*.deb >/dev/null 2>&1; then
  apt-get update -qq
fi
# shellcheck disable=SC2086 # a list of package names
[ -z "$need" ] || apt-get install -y -qq $need >/dev/null

# ---- 2. download and unpack the sendmail packages ---------------------------------
mkdir -p "$SMDEBS"
if ! ls "$SMDEBS"/sendmail-bin_*.deb >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  (cd "$SMDEBS" && apt-get download $DEBS)
fi
version=$(dpkg-deb -f "$(ls "$SMDEBS"/sendmail-bin_*.deb | head -1)" Version)
case "$version" in
  "$SM_UPSTREAM"-*) ;;
  *) die "Debian offers sendmail $version; the recordings are of $SM_UPSTREAM ($SM_RECORDED)";;
esac
[ "$version" = "$SM_RECORDED" ] \
  || echo "setup.sh: note: sendmail $version, the recordings were made with $SM_RECORDED" >&2
if [ ! -x "$SM_BIN" ]; then
  mkdir -p "$SMROOT"
  for d in "$SMDEBS"/*.deb; do dpkg -x "$d" "$SMROOT"; done
fi
if ldd "$SM_BIN" | grep -q 'not found'; then
  ldd "$SM_BIN" | grep 'not found' >&2
  die "missing shared libraries for $SM_BIN"
fi

# ---- 3. the lab's runtime tree -------------------------------------------------
if [ $RESET = 1 ] && [ -d "$SMLAB" ]; then
  "$HERE/bin/lab" stop || true
  rm -rf "$SMLAB"
fi
mkdir -p "$SMLAB"/etc "$SMLAB"/run "$SMLAB"/log "$SMLAB"/sbin "$SMLAB"/sink "$SMLAB"/forward
chmod 755 "$SMLAB" "$SMLAB"/etc "$SMLAB"/forward
mkdir -p "$SMLAB"/mqueue "$SMLAB"/mqueue-open && chmod 700 "$SMLAB"/mqueue "$SMLAB"/mqueue-open
mkdir -p "$SMLAB"/clientmqueue && chown mail:mail "$SMLAB"/clientmqueue && chmod 770 "$SMLAB"/clientmqueue
mkdir -p "$SMLAB"/mail && chown root:mail "$SMLAB"/mail && chmod 2775 "$SMLAB"/mail
for n in sendmail mailq newaliases hoststat purgestat smtpd; do
  [ "$(readlink "$SMLAB/sbin/$n" 2>/dev/null)" = "$SM_BIN" ] || ln -sfn "$SM_BIN" "$SMLAB/sbin/$n"
done

# put FILE: stdin becomes FILE (mode 644) unless FILE already holds the same, not
# counting the line of a .cf that says when m4 built it.
put() {
  cat > "$1.new"
  if [ -f "$1" ] && [ "$(sed '/^##### built by /d' "$1.new" | cksum)" = "$(sed '/^##### built by /d' "$1" | cksum)" ]; then
    rm -f "$1.new"
  else
    chmod 644 "$1.new"; mv -f "$1.new" "$1"
  fi
}
subst() { sed -e "s|@SMLAB@|$SMLAB|g" -e "s|@SMROOT@|$SMROOT|g" "$HERE/conf/$1"; }
for f in access mailertable local-host-names trusted-users relay-domains \
         service.switch procmailrc aliases aliases-torture list.inc; do
  subst "$f" | put "$SMLAB/etc/$f"
done
# Seen only inside bin/smns's namespace: a qualified name for this machine and the
# example sender domains (the lab has no DNS), all on loopback; files-only name service.
{ echo "127.0.0.1 localhost"; echo "127.0.0.1 $(hostname).lab.example $(hostname)"
  echo "127.0.0.10 example.org"; echo "127.0.0.11 remote.example"; echo "127.0.0.12 sink.example"
  echo "127.0.0.13 example.net"; echo "127.0.0.14 example.com"; } | put "$SMLAB/etc/hosts.ns"
{ grep -v '^hosts:' /etc/nsswitch.conf; echo 'hosts: files'; } | put "$SMLAB/etc/nsswitch.conf.ns"
echo 'nameserver 127.0.0.1' | put "$SMLAB/etc/resolv.conf.ns"
put "$SMLAB/etc/helpfile" < "$SMROOT/etc/mail/helpfile"
[ -f "$SMLAB/etc/statistics" ] || : > "$SMLAB/etc/statistics"

# ---- 4. sendmail.cf, sendmail-open.cf, submit.cf -------------------------------
cd "$SMLAB/etc"   # m4 records its working directory in the .cf
subst sendmail.mc.in | put "$SMLAB/etc/sendmail.mc"
subst submit.mc.in | put "$SMLAB/etc/submit.mc"
m4 "$SMLAB/etc/sendmail.mc" | put "$SMLAB/etc/sendmail.cf"
m4 -DSMLAB_OPEN "$SMLAB/etc/sendmail.mc" | put "$SMLAB/etc/sendmail-open.cf"
m4 "$SMLAB/etc/submit.mc" | put "$SMLAB/etc/submit.cf"

# ---- 5. maps and aliases, by the real makemap and newaliases ---------------------
# stale DB SOURCE...: DB is missing or older than one of the SOURCEs.
stale() {
  db=$1; shift
  [ -f "$db" ] || return 0
  for src in "$@"; do [ "$src" -nt "$db" ] && return 0; done
  return 1
}
for map in access mailertable; do
  if stale "$SMLAB/etc/$map.db" "$SMLAB/etc/$map" "$SM_CF"; then
    "$HERE/bin/smns" "$SM_MAKEMAP" -C "$SM_CF" hash "$SMLAB/etc/$map" < "$SMLAB/etc/$map"
  fi
done
if stale "$SMLAB/etc/aliases.db" "$SMLAB/etc/aliases" "$SMLAB/etc/list.inc" "$SM_CF"; then
  "$HERE/bin/smns" "$SM_BIN" -C "$SM_CF" -bi
fi

echo "sendmail oracle ready: sendmail $version in SMROOT=$SMROOT, lab in SMLAB=$SMLAB"
