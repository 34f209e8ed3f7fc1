FEATURE(`enhdnsbl', `ebl.test', `', `t', `127.0.0.2.')dnl
