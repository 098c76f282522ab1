# lib.sh - shared helpers for smtpipe's shell tests (POSIX sh).
#
# Source it with:  . "$top_srcdir/tests/lib.sh"
#
# It provides
#   $TMP              a private temporary directory, removed on exit
#   $PYTHON3          defaults to python3
#   free_port         print a free TCP port on 127.0.0.1
#   start_bg CMD...   run CMD in the background; its PID is left in $BG_PID
#                     and killed on exit if still running
#   wait_port PORT    wait (at most WAIT_PORT_TIMEOUT s, default 10) until
#                     something listens on 127.0.0.1:PORT
#   stop_pid PID      SIGTERM PID (SIGKILL after 5 s) and reap it
#   ok DESC / not_ok DESC / check DESC CMD...   TAP-ish result lines
#   diag TEXT...      a "# " comment line
#   finish            print "N passed, M failed"; exit 1 if any failed
#   skip_all REASON   exit 77 (only for a missing kernel feature)
#
# Exit codes follow automake's simple test driver: 0 pass, 1 fail, 77 skip,
# 99 hard error.

: "${PYTHON3:=python3}"
export PYTHON3

_lib_pids=
_lib_passed=0
_lib_failed=0
_lib_n=0

_lib_cleanup() {
	for _lib_p in $_lib_pids; do
		stop_pid "$_lib_p"
	done
	_lib_pids=
	if [ -n "${TMP:-}" ] && [ -d "$TMP" ] && [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$TMP"
	elif [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $TMP" >&2
	fi
}

trap '_lib_rc=$?; _lib_cleanup; exit $_lib_rc' EXIT
trap 'exit 99' HUP INT PIPE TERM

TMP=$(mktemp -d "${TMPDIR:-/tmp}/smtpipe-test.XXXXXX") || {
	echo "mktemp -d failed" >&2
	exit 99
}
export TMP

diag() {
	printf "# %s\n" "$*"
}

ok() {
	_lib_n=$((_lib_n + 1))
	_lib_passed=$((_lib_passed + 1))
	printf "ok %d - %s\n" "$_lib_n" "$*"
}

not_ok() {
	_lib_n=$((_lib_n + 1))
	_lib_failed=$((_lib_failed + 1))
	printf "not ok %d - %s\n" "$_lib_n" "$*"
}

# check DESC CMD [ARG...]: ok if CMD exits 0, not_ok otherwise.
check() {
	_lib_desc=$1
	shift
	if "$@"; then
		ok "$_lib_desc"
	else
		not_ok "$_lib_desc"
	fi
}

finish() {
	echo "$_lib_passed passed, $_lib_failed failed"
	if [ "$_lib_failed" -gt 0 ]; then
		exit 1
	fi
	exit 0
}

skip_all() {
	printf "1..0 # SKIP %s\n" "$*"
	exit 77
}

free_port() {
	"$PYTHON3" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
'
}

start_bg() {
	# A session of its own: a launcher that signals its process group
	# (timeout(1) does) must never reach the test shell.
	setsid "$@" &
	BG_PID=$!
	_lib_pids="$_lib_pids $BG_PID"
}

# Is something listening on 127.0.0.1:$1 (or on the wildcard address)?
# Read from /proc so that no connection is made: a connection to a socket
# served by systemd-socket-activate --accept would start a session.
_lib_listening() {
	_lib_hex=$(printf '%04X' "$1")
	if [ -r /proc/net/tcp ]; then
		awk -v p=":$_lib_hex" '
			NR > 1 && $4 == "0A" &&
			($2 == "0100007F" p || $2 == "00000000" p) { found = 1 }
			END { exit !found }' /proc/net/tcp
	else
		"$PYTHON3" -c '
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
' "$1"
	fi
}

wait_port() {
	_lib_deadline=$(( $(date +%s) + ${WAIT_PORT_TIMEOUT:-10} ))
	while ! _lib_listening "$1"; do
		if [ "$(date +%s)" -ge "$_lib_deadline" ]; then
			echo "# nothing listens on 127.0.0.1:$1" >&2
			return 1
		fi
		sleep 0.1
	done
	return 0
}

stop_pid() {
	_lib_target=$1
	kill "$_lib_target" 2>/dev/null
	# Poll rather than start a watchdog subshell: a subshell killed
	# before it could drop our traps would run the EXIT cleanup and
	# remove $TMP under the running test.  A zombie counts as gone.
	_lib_i=0
	while [ "$_lib_i" -lt 50 ] && kill -0 "$_lib_target" 2>/dev/null &&
		[ "$(awk '{print $3}' "/proc/$_lib_target/stat" 2>/dev/null)" != Z ]; do
		sleep 0.1
		_lib_i=$((_lib_i + 1))
	done
	kill -9 "$_lib_target" 2>/dev/null
	wait "$_lib_target" 2>/dev/null
	_lib_rest=
	for _lib_p in $_lib_pids; do
		[ "$_lib_p" = "$_lib_target" ] || _lib_rest="$_lib_rest $_lib_p"
	done
	_lib_pids=$_lib_rest
	return 0
}
