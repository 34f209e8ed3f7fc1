dnl #
dnl # Begin Spam Block Enhancement mod
dnl # Start BlockList
FEATURE(`dnsbl', `', `"554 Spam blocked - see;$&{client_addr}')dnl
FEATURE(`dnsbl', `', `"554 Rejected - see"$&{client_addr}')dnl
dnl # sorbs dynamic user list ( not dial up )
FEATURE(`dnsbl', `', `"554 Rejected "$&{client_addr}"; - see"&#039;)dnl
dnl # End BlockList
