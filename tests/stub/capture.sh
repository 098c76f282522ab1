#!/bin/sh
# capture.sh - stub delivery command for tests/transcripts.py (POSIX sh).
#
# Records one delivery in a new numbered directory $CAPTURE_DIR/N/
# (1, 2, ... in the order of the runs):
#   argv     $0 and every argument, each followed by a NUL
#   environ  the environment this process was started with (NUL-separated,
#            read from /proc, so the shell adds nothing)
#   fds      the open file descriptors at start, "N TARGET" per line
#            (the shell's own descriptor for this script included)
#   stdin    everything read from standard input
#   done     written last, so a partial capture can be told apart
# then prints $CAPTURE_OUTPUT (if set) and exits with $CAPTURE_EXIT
# (default 0).  CAPTURE_MODE changes the end:
#   noread   do not read stdin at all
#   crash    kill itself with SIGSEGV after recording
#   hang     run "sleep $CAPTURE_SLEEP" (a child in our process group)
#   flood    print $CAPTURE_OUTPUT, then 5 MB to stdout and 5 MB to stderr
# All settings come from smtpipe's --env NAME=VALUE.

# The descriptors first, before the shell opens anything else.  "[ -h ]"
# is an lstat: it opens nothing.
fds=
n=0
while [ "$n" -lt 1024 ]; do
	if [ -h "/proc/$$/fd/$n" ]; then
		fds="$fds $n"
	fi
	n=$((n + 1))
done

dir=${CAPTURE_DIR:?CAPTURE_DIR not set}
i=1
while ! mkdir "$dir/$i" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 1000 ]; then
		exit 70
	fi
done
out=$dir/$i

# Read the links with our own fd 1 in place, then write the list.
list=
for f in $fds; do
	list="$list$f $(readlink "/proc/$$/fd/$f")
"
done
printf '%s' "$list" >"$out/fds"
{
	printf '%s\0' "$0"
	for a in "$@"; do
		printf '%s\0' "$a"
	done
} >"$out/argv"
cat "/proc/$$/environ" >"$out/environ"

mode=${CAPTURE_MODE:-}
if [ "$mode" = noread ]; then
	: >"$out/stdin"
else
	cat >"$out/stdin"
fi
: >"$out/done"

if [ -n "${CAPTURE_OUTPUT+set}" ]; then
	printf '%s\n' "$CAPTURE_OUTPUT"
fi

case $mode in
crash)
	kill -SEGV $$
	sleep 5
	;;
hang)
	sleep "${CAPTURE_SLEEP:-1000}"
	;;
flood)
	head -c 5000000 /dev/zero | tr '\0' 'o'
	head -c 5000000 /dev/zero | tr '\0' 'e' >&2
	;;
esac
exit "${CAPTURE_EXIT:-0}"
