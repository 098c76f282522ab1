#!/bin/sh
# Start a built smtpipe on 127.0.0.1:2525 under systemd-socket-activate,
# delivering into ./run/Maildir of the work tree, and say how to test it.
# The log goes to run/launcher.log: under systemd-socket-activate --inetd
# smtpipe's stderr is the launcher's, not the client's socket.
# Run from the top of the source tree after building (see README.md).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-2525}
mkdir -p "$top/run"
if [ -f "$top/run/smtpipe.pid" ] && kill -0 "$(cat "$top/run/smtpipe.pid")" 2>/dev/null; then
	kill "$(cat "$top/run/smtpipe.pid")"
	sleep 0.2
fi
nohup systemd-socket-activate --accept --inetd -l "127.0.0.1:$port" \
	"$top/src/smtpipe" --hostname mx.example.test --log stderr -- \
	"$top/src/smtpipe-maildir" "$top/run/Maildir" \
	>"$top/run/launcher.log" 2>&1 </dev/null &
echo $! >"$top/run/smtpipe.pid"
sleep 0.3
cat <<MSG
smtpipe listens on 127.0.0.1:$port (launcher PID $(cat "$top/run/smtpipe.pid")),
delivering into $top/run/Maildir.

Send a test message:
  swaks --server 127.0.0.1:$port --from alice@example.org --to bob@example.com
or, without swaks:
  python3 -c 'import smtplib; smtplib.SMTP("127.0.0.1", $port).sendmail("alice@example.org", ["bob@example.com"], "Subject: hi\\n\\nhello\\n")'
Then look at it:
  cat $top/run/Maildir/new/*
Its log (--log stderr here; syslog or the journal in production):
  cat $top/run/launcher.log
Stop it:
  kill \$(cat $top/run/smtpipe.pid)
MSG
