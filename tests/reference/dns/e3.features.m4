FEATURE(`dnsbl', `', `"554 Spam blocked - see;$&{client_addr}')dnl
FEATURE(`dnsbl', `', `"554 Rejected - see"$&{client_addr}')dnl
