FEATURE(`dnsbl', `zen.spamhaus.org', `"554 Rejected " $&{client_addr} " found in zen.spamhaus.org"', `t')dnl
FEATURE(`dnsbl', `bl.test')dnl
