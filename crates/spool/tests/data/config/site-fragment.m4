dnl An admin's fragment, included relative to site.mc.
define(`confMAX_DAEMON_CHILDREN', `40')dnl
define(`confNO_SUCH_OPTION', `1')dnl
