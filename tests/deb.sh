#!/bin/sh
# deb.sh - build smtpipe's Debian package from this tree, lint it, install
# it and run the installed smtpipe.  Not part of "make check": it needs
# root and apt, and installs packages (CI runs it on its Debian 12 machine).
#
#   sh tests/deb.sh
#
# Steps: copy the tree (the files git tracks plus untracked ones it does
# not ignore, so work in progress is built too) to a temporary directory;
# install dpkg-dev, lintian and the Build-Depends of debian/control
# (apt-get build-dep); dpkg-buildpackage -us -uc -b; lintian must report
# no error; the package must hold the programs, man pages, units,
# /etc/default/smtpipe and the examples; dpkg -i, then /usr/sbin/smtpipe
# --version; the socket units must not be enabled; dpkg --purge.
#
# Environment: DEB_SRC, the tree to build (default: the one holding this
# script); DEB_KEEP_INSTALLED=1 leaves the package installed;
# KEEP_TMP=1 keeps the build directory.
# Last line: "deb: N passed, M failed"; exit status 1 if any failed.

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${DEB_SRC:=$top}"
export DEBIAN_FRONTEND=noninteractive

passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok - $*"
}
not_ok() {
	failed=$((failed + 1))
	echo "not ok - $*"
}
show() {
	[ -s "$1" ] && tail -n "${2:-30}" "$1" | sed 's/^/#   /'
	return 0
}
finish() {
	echo "deb: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

work=$(mktemp -d "${TMPDIR:-/tmp}/smtpipe-deb.XXXXXX") || exit 99
cleanup() {
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

if [ "$(id -u)" -ne 0 ]; then
	not_ok "running as root (needed for apt-get and dpkg -i)"
	finish
fi

# ------------------------------------------------------------ the tree
src="$work/smtpipe"
mkdir -p "$src"
if git -C "$DEB_SRC" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$DEB_SRC" && git ls-files -z -c -o --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
		tar -xf - -C "$src"
else
	cp -a "$DEB_SRC/." "$src/"
fi
if [ -f "$src/debian/control" ] && [ -f "$src/configure.ac" ]; then
	ok "tree copied to $src"
else
	not_ok "tree copied to $src (debian/control, configure.ac)"
	finish
fi
# A tree copied with its build products: start clean.
if [ -f "$src/Makefile" ]; then
	(cd "$src" && make distclean) >/dev/null 2>&1
fi

# ------------------------------------------------------------ build deps
deps() {
	apt-get install -y -q --no-install-recommends \
		dpkg-dev fakeroot lintian &&
		apt-get build-dep -y -q "$src"
}
if deps >"$work/deps.log" 2>&1 ||
	{ apt-get update -q && deps; } >>"$work/deps.log" 2>&1; then
	ok "build dependencies installed (apt-get build-dep)"
else
	not_ok "build dependencies installed (apt-get build-dep)"
	show "$work/deps.log"
	finish
fi

# ------------------------------------------------------------ build
if (cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b"
else
	not_ok "dpkg-buildpackage -us -uc -b"
	show "$work/build.log" 60
	finish
fi
deb=$(ls "$work"/smtpipe_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$work"/smtpipe_*.changes 2>/dev/null | head -n 1)
if [ -n "$deb" ] && [ -n "$changes" ]; then
	ok "built $(basename "$deb")"
else
	not_ok "a .deb and a .changes were built"
	finish
fi

# ------------------------------------------------------------ lintian
lintian --fail-on error --display-info "$changes" >"$work/lintian.log" 2>&1
rc=$?
sed 's/^/# lintian: /' "$work/lintian.log"
if [ "$rc" -eq 0 ] && ! grep -q '^E: ' "$work/lintian.log"; then
	ok "lintian reports no errors ($(grep -c '^W: ' "$work/lintian.log") warnings)"
else
	not_ok "lintian reports no errors (exit $rc)"
fi

# ------------------------------------------------------------ contents
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$work/contents"
for f in /usr/sbin/smtpipe /usr/bin/smtpipe-maildir \
	/usr/share/man/man8/smtpipe.8.gz /usr/share/man/man8/smtpipe-maildir.8.gz \
	/lib/systemd/system/smtpipe.socket /lib/systemd/system/smtpipe@.service \
	/lib/systemd/system/smtpipe-submission.socket \
	/lib/systemd/system/smtpipe-submission@.service \
	/etc/default/smtpipe \
	/usr/share/doc/smtpipe/copyright \
	/usr/share/doc/smtpipe/examples/xinetd.smtpipe \
	/usr/share/doc/smtpipe/examples/inetd.conf \
	/usr/share/doc/smtpipe/examples/tcpserver.run \
	/usr/share/doc/smtpipe/examples/default.smtpipe; do
	if grep -qx "$f" "$work/contents"; then
		ok "package holds $f"
	else
		not_ok "package holds $f"
	fi
done
if dpkg-deb -I "$deb" conffiles 2>/dev/null | grep -qx /etc/default/smtpipe
then
	ok "/etc/default/smtpipe is a conffile"
else
	not_ok "/etc/default/smtpipe is a conffile"
fi
if dpkg-deb -f "$deb" Version | grep -qx '0.1.0'; then
	ok "package version 0.1.0"
else
	not_ok "package version 0.1.0 (got $(dpkg-deb -f "$deb" Version))"
fi

# ------------------------------------------------------------ install
if dpkg -i "$deb" >"$work/install.log" 2>&1; then
	ok "dpkg -i $(basename "$deb")"
else
	not_ok "dpkg -i $(basename "$deb")"
	show "$work/install.log"
	finish
fi
v=$(/usr/sbin/smtpipe --version 2>&1)
if [ "$v" = "smtpipe 0.1.0" ]; then
	ok "/usr/sbin/smtpipe --version: $v"
else
	not_ok "/usr/sbin/smtpipe --version (got '$v')"
fi
if /usr/bin/smtpipe-maildir --version >/dev/null 2>&1; then
	ok "/usr/bin/smtpipe-maildir --version"
else
	not_ok "/usr/bin/smtpipe-maildir --version"
fi
if grep -q '^ExecStart=/usr/sbin/smtpipe ' /lib/systemd/system/smtpipe@.service
then
	ok "installed smtpipe@.service runs /usr/sbin/smtpipe"
else
	not_ok "installed smtpipe@.service runs /usr/sbin/smtpipe"
fi
enabled=no
for u in smtpipe.socket smtpipe-submission.socket; do
	if [ -e "/etc/systemd/system/sockets.target.wants/$u" ]; then
		enabled=yes
	fi
done
if [ "$enabled" = no ]; then
	ok "the socket units are not enabled by the installation"
else
	not_ok "the socket units are not enabled by the installation"
fi

if [ -z "${DEB_KEEP_INSTALLED:-}" ]; then
	if dpkg --purge smtpipe >"$work/purge.log" 2>&1 &&
		[ ! -e /usr/sbin/smtpipe ] && [ ! -e /etc/default/smtpipe ]; then
		ok "dpkg --purge smtpipe removes it"
	else
		not_ok "dpkg --purge smtpipe removes it"
		show "$work/purge.log"
	fi
fi

finish
