#include "config.h"
/*
 * maildir.c - smtpipe-maildir: store one message from stdin in a Maildir.
 *
 * One job: smtpipe runs this once per message; it writes stdin to
 * DIR/tmp/UNIQUE, makes it durable, then moves it into DIR/new/ without
 * ever overwriting, following the Maildir convention as D. J. Bernstein
 * describes it (cr.yp.to/proto/maildir.html).  Exit 0 means the message
 * is safely on disk; exit 75 means it is not, and nothing of it is left in
 * tmp/ or new/, so smtpipe can answer 451 and the client retries.
 *
 * Reads attacker bytes: the message body, but only as opaque bytes that are
 * copied and never parsed.  The DIR argument comes from the administrator.
 * Memory use is a fixed 64 KiB buffer whatever the message size.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define PROG "smtpipe-maildir"

/* Large reads keep syscalls per megabyte low; 64 KiB is the pipe size. */
#define COPY_BUF_SIZE		(64 * 1024)
/* Random bytes in the R part of the name: 64 bits make a clash with a
 * concurrent delivery (same second, same pid after wrap) negligible. */
#define RANDOM_BYTES		8
/* Room for the host name as returned by gethostname(2); Linux caps it at
 * 64 (HOST_NAME_MAX), this leaves margin for other systems. */
#define HOSTNAME_BUF		(255 + 1)
/* Each encoded character becomes at most 4 bytes ("\057"). */
#define HOST_ENC_BUF		(4 * (HOSTNAME_BUF - 1) + 1)
/* One directory entry: the unique name must fit NAME_MAX, 255 on Linux
 * and the BSDs.  Spelled out because the build's -I src makes <limits.h>
 * find our own header instead of the system one (it is src/smtp-limits.h now). */
#define UNIQUE_BUF		(255 + 1)
/* Name clashes are near impossible; a couple of retries with fresh random
 * bytes covers a reused pid in the same microsecond without looping. */
#define OPEN_ATTEMPTS		3

/* The Q part: deliveries attempted by this process. */
static unsigned long delivery_count;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: " PROG " [--] DIR\n"
	    "       " PROG " --help | --version\n"
	    "Store the message on stdin in the Maildir DIR.\n");
}

static void warn_errno(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* One line per failure, as smtpipe logs the first line of our stderr.
 * err is passed in because building the message may clobber errno. */
static void
warn_errno(int err, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
}

/* mkdirat that accepts an existing directory: Maildirs are reused. */
static int
make_dir(int dirfd, const char *name, int *created_r)
{
	if (mkdirat(dirfd, name, 0700) == 0) {
		*created_r = 1;
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	return -1;
}

/* Opens DIR itself: O_DIRECTORY so a regular file is an error.  DIR may
 * be a symbolic link; that is the administrator's choice. */
static int
open_dir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Opens tmp/, new/ or cur/ inside DIR, which we may have just made.
 * O_NOFOLLOW: a symbolic link there would send the message (written as
 * whoever runs us, root included) to a directory of the link owner's
 * choosing, so it is refused like a regular file in its place. */
static int
open_subdir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

/* Whether DIR/name is a symbolic link, to explain a failed open_subdir. */
static int
is_symlink(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode);
}

static int
fill_random(unsigned char *buf, size_t len)
{
	size_t got = 0;

	/* getrandom may return short or EINTR before the pool is ready. */
	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

/*
 * Maildir readers split names at ':' (info) and '/' cannot appear in a
 * file name, so both are escaped as octal, as the Maildir convention says.
 */
static int
encode_host(const char *host, char *out, size_t outsz)
{
	size_t o = 0;

	for (const char *p = host; *p != '\0'; p++) {
		const char *rep = NULL;
		if (*p == '/')
			rep = "\\057";
		else if (*p == ':')
			rep = "\\072";
		if (rep != NULL) {
			if (o + 4 >= outsz)
				return -1;
			memcpy(out + o, rep, 4);
			o += 4;
		} else {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return 0;
}

/* TIME.M<usec>P<pid>Q<count>R<random>.<host> - unique across hosts,
 * processes and time, per the Maildir convention. */
static int
make_unique(const char *host_enc, char *name, size_t namesz)
{
	struct timespec ts;
	unsigned char rnd[RANDOM_BYTES];
	char hex[2 * RANDOM_BYTES + 1];
	int n;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	if (fill_random(rnd, sizeof rnd) != 0)
		return -1;
	for (size_t i = 0; i < sizeof rnd; i++) {
		static const char digits[] = "0123456789abcdef";
		hex[2 * i] = digits[rnd[i] >> 4];
		hex[2 * i + 1] = digits[rnd[i] & 0x0f];
	}
	hex[sizeof hex - 1] = '\0';

	delivery_count++;
	n = snprintf(name, namesz, "%lld.M%ldP%ldQ%luR%s.%s",
	    (long long)ts.tv_sec, (long)(ts.tv_nsec / 1000), (long)getpid(),
	    delivery_count, hex, host_enc);
	if (n < 0)
		return -1;
	if ((size_t)n >= namesz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
write_all(int fd, const unsigned char *buf, size_t len)
{
	/* Short writes happen on a full disk or at RLIMIT_FSIZE; the next
	 * write then reports the error, which is what we want to see. */
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies stdin to fd; *in_r says which side failed for the message. */
static int
copy_stdin(int fd, int *in_r)
{
	static unsigned char buf[COPY_BUF_SIZE];

	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*in_r = 1;
			return -1;
		}
		if (write_all(fd, buf, (size_t)n) != 0) {
			*in_r = 0;
			return -1;
		}
	}
}

/*
 * Moves tmp/NAME to new/NAME, never replacing an existing message.
 * renameat2 does it in one step; filesystems or kernels without
 * RENAME_NOREPLACE get the classic link + unlink, whose link also refuses
 * to overwrite.  *verb_r names the step that failed, for the message.
 */
static int
move_to_new(int tmpfd, int newfd, const char *name, const char **verb_r)
{
#ifdef RENAME_NOREPLACE
	*verb_r = "rename";
	if (renameat2(tmpfd, name, newfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
#endif
	*verb_r = "link";
	if (linkat(tmpfd, name, newfd, name, 0) != 0)
		return -1;
	*verb_r = "unlink";
	if (unlinkat(tmpfd, name, 0) != 0) {
		int err = errno;
		/* Leave no copy in new/ when reporting failure: smtpipe
		 * will retry and we must not deliver twice. */
		(void)unlinkat(newfd, name, 0);
		errno = err;
		return -1;
	}
	return 0;
}

static int
deliver(const char *dir)
{
	char host[HOSTNAME_BUF];
	char host_enc[HOST_ENC_BUF];
	char name[UNIQUE_BUF];
	/* cur/ is not written here, but readers expect all three. */
	static const char *const subs[] = { "tmp", "new", "cur" };
	int tmpfd = -1, newfd = -1, curfd = -1;
	int *const subfds[] = { &tmpfd, &newfd, &curfd };
	int created_dir = 0, created_sub = 0;
	int tmp_exists = 0, in_new = 0;
	int rc = EX_TEMPFAIL;
	int in = 0;
	const char *verb = "";
	int dirfd = -1, fd = -1;

	if (gethostname(host, sizeof host) != 0) {
		warn_errno(errno, "gethostname");
		goto out;
	}
	host[sizeof host - 1] = '\0';
	if (host[0] == '\0' ||
	    encode_host(host, host_enc, sizeof host_enc) != 0) {
		warn_errno(EINVAL, "host name '%s'", host);
		goto out;
	}

	/* Only DIR itself is created, like maildirmake: a missing parent
	 * usually means a typo in the configuration, not a new user. */
	if (make_dir(AT_FDCWD, dir, &created_dir) != 0) {
		warn_errno(errno, "mkdir %s", dir);
		goto out;
	}
	if ((dirfd = open_dir(AT_FDCWD, dir)) < 0) {
		warn_errno(errno, "open %s", dir);
		goto out;
	}
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		if (make_dir(dirfd, subs[i], &created_sub) != 0) {
			warn_errno(errno, "mkdir %s/%s", dir, subs[i]);
			goto out;
		}
		if ((*subfds[i] = open_subdir(dirfd, subs[i])) < 0) {
			int err = errno;
			if ((err == ELOOP || err == ENOTDIR) &&
			    is_symlink(dirfd, subs[i]))
				fprintf(stderr, PROG ": %s/%s is a symbolic "
				    "link, refusing to deliver through it\n",
				    dir, subs[i]);
			else
				warn_errno(err, "open %s/%s", dir, subs[i]);
			goto out;
		}
	}
	/* New directory entries are only durable once their parent is
	 * synced; otherwise a crash could lose new/ with the mail in it. */
	if (created_sub && fsync(dirfd) != 0) {
		warn_errno(errno, "fsync %s", dir);
		goto out;
	}
	if (created_dir) {
		int parent = openat(dirfd, "..", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (parent < 0 || fsync(parent) != 0) {
			int err = errno;
			if (parent >= 0)
				(void)close(parent);
			warn_errno(err, "fsync parent of %s", dir);
			goto out;
		}
		(void)close(parent);
	}

	/* O_EXCL refuses an existing name, O_NOFOLLOW a planted symlink:
	 * we write only to a file this process created. */
	for (int attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
		if (make_unique(host_enc, name, sizeof name) != 0) {
			warn_errno(errno, "unique name in %s/tmp", dir);
			goto out;
		}
		fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		warn_errno(errno, "open %s/tmp/%s", dir, name);
		goto out;
	}
	tmp_exists = 1;

	if (copy_stdin(fd, &in) != 0) {
		if (in)
			warn_errno(errno, "read stdin");
		else
			warn_errno(errno, "write %s/tmp/%s", dir, name);
		goto out;
	}
	/* Maildir's promise: the file is complete on disk before it shows
	 * up in new/, so a crash never exposes a truncated message. */
	if (fsync(fd) != 0) {
		warn_errno(errno, "fsync %s/tmp/%s", dir, name);
		goto out;
	}
	/* NFS and some quota setups report write errors only at close. */
	{
		int r = close(fd);
		fd = -1;
		if (r != 0) {
			warn_errno(errno, "close %s/tmp/%s", dir, name);
			goto out;
		}
	}

	if (move_to_new(tmpfd, newfd, name, &verb) != 0) {
		warn_errno(errno, "%s %s/new/%s", verb, dir, name);
		goto out;
	}
	tmp_exists = 0;
	in_new = 1;
	/* The rename is not durable until new/ itself is synced. */
	if (fsync(newfd) != 0) {
		warn_errno(errno, "fsync %s/new", dir);
		goto out;
	}
	in_new = 0;
	rc = 0;

out:
	if (fd >= 0)
		(void)close(fd);
	/* Failure: remove our traces so a retry does not leave duplicates
	 * or half-written files for the reader to find. */
	if (tmp_exists)
		(void)unlinkat(tmpfd, name, 0);
	if (in_new)
		(void)unlinkat(newfd, name, 0);
	if (curfd >= 0)
		(void)close(curfd);
	if (newfd >= 0)
		(void)close(newfd);
	if (tmpfd >= 0)
		(void)close(tmpfd);
	if (dirfd >= 0)
		(void)close(dirfd);
	return rc;
}

int
main(int argc, char **argv)
{
	int i;

	/* With RLIMIT_FSIZE set, write(2) past the limit must fail with
	 * EFBIG so we can clean up and exit 75, not die by the signal. */
	(void)signal(SIGXFSZ, SIG_IGN);

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0';
	    i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : EX_IOERR;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf(PROG " %s\n", PACKAGE_VERSION);
			return fflush(stdout) == 0 ? 0 : EX_IOERR;
		}
		fprintf(stderr, PROG ": unknown option: %s\n", argv[i]);
		usage(stderr);
		return EX_USAGE;
	}
	if (argc - i != 1 || argv[i][0] == '\0') {
		fprintf(stderr, PROG ": %s\n", argc - i < 1 ?
		    "missing DIR" : argc - i > 1 ? "too many arguments" :
		    "empty DIR");
		usage(stderr);
		return EX_USAGE;
	}
	return deliver(argv[i]);
}
