/*
 * deliver.c - spool files and the delivery command (see deliver.h).
 *
 * The command is exec'd directly with an argv built from the operator's
 * template: envelope values only ever replace a placeholder, so they are
 * never parsed by a shell, and the session's validation (no control
 * octets, no leading '-') plus the supervisor's re-check keep them from
 * ever becoming an option.  The environment is built from scratch.
 */
#include "config.h"

#include "deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exitmap.h"
#include "log.h"
#include "util.h"

int
deliver_spool_create(const struct deliver_ctx *dc)
{
	if (dc->opts->spool_dir != NULL)
		return open(dc->opts->spool_dir,
		    O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return memfd_create("smtpipe-spool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

int
deliver_spool_seal(const struct deliver_ctx *dc, int fd)
{
	int copy;
	off_t off = 0;
	struct stat st;

	if (dc->opts->spool_dir == NULL) {
		/* After this a compromised session can no longer change
		 * what the command reads.  It can hold no shared mapping
		 * (the sandbox forbids MAP_SHARED), so failure means
		 * tampering: refuse. */
		if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
		    F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
			return -1;
		return dup(fd);
	}
	/*
	 * A file in --spool-dir cannot be sealed, and the session process
	 * may still hold a descriptor to it: deliver a private copy.
	 */
	if (fstat(fd, &st) != 0)
		return -1;
	copy = open(dc->opts->spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC,
	    0600);
	if (copy < 0)
		return -1;
	while (off < st.st_size) {
		ssize_t n = copy_file_range(fd, &off, copy, NULL,
		    (size_t)(st.st_size - off), 0);

		if (n <= 0) {
			close(copy);
			return -1;
		}
	}
	return copy;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The HELO name is the client's word: in a header we keep only what a
 * host name or address literal can hold, so it cannot open a comment or
 * end a clause of the Received grammar.
 */
static void
header_safe(char *dst, size_t cap, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < cap; i++) {
		char c = src[i];

		dst[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == ':' || c == '[' || c == ']' || c == '_') ? c : '?';
	}
	dst[i] = '\0';
}

int
deliver_write_received(const struct deliver_ctx *dc, int fd,
    const struct envelope *env, const char *queue_id)
{
	char buf[LIMIT_ADDR_BUF + 1024], helo[LIMIT_HELO + 1], date[64];
	const char *nl = dc->opts->crlf ? "\r\n" : "\n";
	struct obuf b = { buf, 0, sizeof(buf) };
	struct tm tm;
	time_t now = time(NULL);

	header_safe(helo, sizeof(helo), env->helo);
	localtime_r(&now, &tm);
	/* RFC 5322 3.3 date-time. */
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	/* RFC 5321 4.4: from (HELO name and TCP info) by, with, id, for. */
	obuf_addf(&b, "Received: from %s (%s%s%s)%s\tby %s (smtpipe) with %s "
	    "id %s", helo, dc->peer->host, dc->peer->host[0] ? " " : "",
	    dc->peer->literal[0] ? dc->peer->literal : dc->peer->addr, nl,
	    dc->hostname, env->protocol, queue_id);
	/* "for" only when the address cannot be misread inside the header
	 * (a quoted local part may hold "; date" or parentheses). */
	if (env->nrcpt == 1 && strpbrk(env->rcpt[0], "\"\\;()<>,") == NULL)
		obuf_addf(&b, "%s\tfor <%s>", nl, env->rcpt[0]);
	if (!obuf_addf(&b, "; %s%s", date, nl))
		return ENOBUFS;
	return write_all(fd, b.data, b.len);
}

/* ----------------------------------------------------------- the run */

static char *
env_pair(const char *name, const char *value)
{
	size_t n;
	char *s;

	if (value == NULL)
		return NULL;
	n = strlen(name) + strlen(value) + 2;
	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "%s=%s", name, value);
	return s;
}

/*
 * Replace {sender} and {recipient} in tmpl, in one pass over the
 * operator's template: a replacement is never scanned again, so an
 * address holding "{recipient}" stays what it is.
 */
static char *
expand(const char *tmpl, const char *sender, const char *rcpt)
{
	static const char ks[] = "{sender}", kr[] = "{recipient}";
	size_t cap = 1, o = 0;
	const char *p;
	char *out;

	for (p = tmpl; *p != '\0'; p++) {
		if (strncmp(p, ks, sizeof(ks) - 1) == 0)
			cap += strlen(sender);
		else if (rcpt != NULL && strncmp(p, kr, sizeof(kr) - 1) == 0)
			cap += strlen(rcpt);
		else
			cap++;
	}
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (p = tmpl; *p != '\0';) {
		const char *v = NULL;
		size_t skip = 0;

		if (strncmp(p, ks, sizeof(ks) - 1) == 0) {
			v = sender;
			skip = sizeof(ks) - 1;
		} else if (rcpt != NULL &&
		    strncmp(p, kr, sizeof(kr) - 1) == 0) {
			v = rcpt;
			skip = sizeof(kr) - 1;
		}
		if (v != NULL) {
			memcpy(out + o, v, strlen(v));
			o += strlen(v);
			p += skip;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

/* The lines of one parallel array, LF-separated, for the environment. */
static char *
join(const char *first, size_t stride, unsigned n)
{
	size_t len = 1, o = 0, l;
	unsigned i;
	char *out;

	for (i = 0; i < n; i++)
		len += strlen(first + i * stride) + 1;
	if ((out = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		l = strlen(first + i * stride);
		memcpy(out + o, first + i * stride, l);
		o += l;
		out[o++] = '\n';
	}
	out[o] = '\0';
	return out;
}

static bool
has_env(const struct options *o, const char *name)
{
	size_t n = strlen(name);
	unsigned i;

	for (i = 0; i < o->nenv; i++)
		if (strncmp(o->env[i], name, n) == 0 && o->env[i][n] == '=')
			return true;
	return false;
}

/*
 * Build argv and envp in the forked child (allocation failures just fail
 * the run).  env is the transaction as this run sees it: in per-recipient
 * runs, a view holding only that recipient.
 */
static bool
build(const struct deliver_ctx *dc, char *const *tmpl, int tmplc,
    const struct envelope *env, const char *queue_id, bool per_rcpt,
    char ***argv_r, char ***envp_r)
{
	const struct options *o = dc->opts;
	char **argv, **envp, size[24];
	size_t n = 0, e = 0, i, j;

	argv = calloc((size_t)tmplc + env->nrcpt + 1, sizeof(*argv));
	envp = calloc(24 + o->nenv, sizeof(*envp));
	if (argv == NULL || envp == NULL)
		return false;
	for (i = 0; i < (size_t)tmplc; i++) {
		if (strcmp(tmpl[i], "{recipients}") == 0) {
			for (j = 0; j < env->nrcpt; j++)
				argv[n++] = env->rcpt[j];
			continue;
		}
		argv[n] = expand(tmpl[i], env->sender,
		    per_rcpt ? env->rcpt[0] : NULL);
		if (argv[n++] == NULL)
			return false;
	}
	snprintf(size, sizeof(size), "%llu",
	    (unsigned long long)env->declared_size);
	envp[e++] = env_pair("PATH", o->path);
	if (!has_env(o, "HOME"))
		envp[e++] = env_pair("HOME", dc->home);
	envp[e++] = env_pair("SMTP_SENDER", env->sender);
	envp[e++] = env_pair("SMTP_RECIPIENTS", join(env->rcpt[0],
	    sizeof(env->rcpt[0]), env->nrcpt));
	if (per_rcpt)
		envp[e++] = env_pair("SMTP_RECIPIENT", env->rcpt[0]);
	envp[e++] = env_pair("SMTP_HELO", env->helo);
	envp[e++] = env_pair("SMTP_REMOTE_ADDR", dc->peer->addr);
	envp[e++] = env_pair("SMTP_REMOTE_PORT", dc->peer->port);
	envp[e++] = env_pair("SMTP_QUEUE_ID", queue_id);
	envp[e++] = env_pair("SMTP_PROTOCOL", env->protocol);
	envp[e++] = env_pair("SMTP_BODY", envelope_body_name(env->body));
	envp[e++] = env_pair("SMTP_SIZE", size);
	if (env->smtputf8)
		envp[e++] = env_pair("SMTP_SMTPUTF8", "1");
	if (env->dsn_ret[0] != '\0')
		envp[e++] = env_pair("SMTP_DSN_RET", env->dsn_ret);
	if (env->dsn_envid[0] != '\0')
		envp[e++] = env_pair("SMTP_DSN_ENVID", env->dsn_envid);
	envp[e++] = env_pair("SMTP_DSN_NOTIFY", join(env->dsn_notify[0],
	    sizeof(env->dsn_notify[0]), env->nrcpt));
	envp[e++] = env_pair("SMTP_DSN_ORCPT", join(env->dsn_orcpt[0],
	    sizeof(env->dsn_orcpt[0]), env->nrcpt));
	for (i = 0; i < o->nenv; i++)
		envp[e++] = (char *)o->env[i];
	for (i = 0; i < e; i++)
		if (envp[i] == NULL)
			return false;
	*argv_r = argv;
	*envp_r = envp;
	return true;
}

struct run {
	char *const *tmpl;		/* argv template */
	int tmplc;
	int in;				/* stdin */
	const struct envelope *env;	/* as this run sees it */
	const char *queue_id;
	bool per_rcpt;
	unsigned timeout;
};

static void __attribute__((noreturn))
child(const struct deliver_ctx *dc, const struct run *run, int outfd,
    int errpipe)
{
	char **argv, **envp;
	sigset_t none;
	int err;

	/* A process group of its own, so a timeout kills all of it; and
	 * it dies with the supervisor rather than deliver unseen (cleared
	 * again by a set-id program such as Postfix's postdrop). */
	setsid();
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if (!build(dc, run->tmpl, run->tmplc, run->env, run->queue_id,
	    run->per_rcpt, &argv, &envp)) {
		err = ENOMEM;
		goto fail;
	}
	if (dup2(run->in, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0) {
		err = errno;
		goto fail;
	}
	/* Only 0, 1, 2 and the exec status pipe (close-on-exec) survive. */
	if (errpipe > 3) {
		if (dup2(errpipe, 3) < 0) {
			err = errno;
			goto fail;
		}
		errpipe = 3;
	}
	(void)fcntl(3, F_SETFD, FD_CLOEXEC);
	syscall(SYS_close_range, 4, ~0U, 0);
	execve(argv[0], argv, envp);
	err = errno;
fail:
	(void)!write(errpipe, &err, sizeof(err));
	_exit(127);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The delivery or check running now (its process group), for SIGTERM. */
static volatile sig_atomic_t running_pgid;

/*
 * SIGTERM to the supervisor (systemd stopping, the Accept=no grace period
 * running out): a command we started must not finish a delivery the
 * client will never hear about, or the client retries and the message
 * arrives twice.  Kill it with its process group, then go.
 */
static void
on_sigterm(int sig)
{
	(void)sig;
	if (running_pgid > 0)
		kill(-(pid_t)running_pgid, SIGKILL);
	_exit(75);
}

void
deliver_init_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigterm;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
}

/* Fork, exec, collect output and status, map them to a reply. */
static void
run_command(const struct deliver_ctx *dc, const struct run *run,
    struct ipc_reply *r, char *note, size_t notelen)
{
	char out[LIMIT_CMD_OUTPUT], esc[LIMIT_CMD_OUTPUT / 2];
	size_t outlen = 0;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, pidfd = -1;
	int status = 0, exec_err = 0;
	long long deadline;
	bool out_open = true, exited = false, timed_out = false;
	enum run_outcome how;
	pid_t pid;

	if (pipe2(outp, O_CLOEXEC) < 0 ||
	    pipe2(errp, O_CLOEXEC) < 0) {
		log_errno(LOG_ERR, "delivery setup");
		goto not_started;
	}
	pid = fork();
	if (pid < 0) {
		log_errno(LOG_ERR, "fork");
		goto not_started;
	}
	if (pid == 0)
		child(dc, run, outp[1], errp[1]);
	/* The child makes itself a group leader; do it from here too so
	 * the group exists before anyone could need to kill it. */
	(void)setpgid(pid, pid);
	running_pgid = pid;
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	if (read(errp[0], &exec_err, sizeof(exec_err)) == sizeof(exec_err)) {
		errno = exec_err;
		log_errno(LOG_ERR, "cannot run %s", run->tmpl[0]);
		waitpid(pid, &status, 0);
		running_pgid = 0;
		goto not_started;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	deadline = now_ms() + (long long)run->timeout * 1000;
	/*
	 * Read the command's output (kept up to a cap, the rest drained so
	 * it never blocks on a full pipe) until it exits or time runs out.
	 */
	while (!exited) {
		struct pollfd pfd[2];
		long long left = deadline - now_ms();
		nfds_t n = 0;

		if (left <= 0) {
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (pidfd >= 0) {
			pfd[n].fd = pidfd;
			pfd[n++].events = POLLIN;
		}
		if (out_open) {
			pfd[n].fd = outp[0];
			pfd[n++].events = POLLIN;
		}
		if (n == 0) {
			/* No pidfd (old kernel) and output closed. */
			break;
		}
		if (poll(pfd, n, left > 1000 ? 1000 : (int)left) < 0 &&
		    errno != EINTR)
			break;
		if (out_open) {
			char junk[4096];
			struct pollfd *op = &pfd[n - 1];

			if (op->revents & (POLLIN | POLLHUP | POLLERR)) {
				ssize_t k;

				if (outlen < sizeof(out))
					k = read(outp[0], out + outlen,
					    sizeof(out) - outlen);
				else
					k = read(outp[0], junk, sizeof(junk));
				if (k > 0 && outlen < sizeof(out))
					outlen += (size_t)k;
				else if (k == 0)
					out_open = false;
			}
		}
		if (pidfd >= 0 && (pfd[0].revents & POLLIN))
			exited = true;
		if (pidfd < 0 && !out_open)
			exited = true;
	}
	waitpid(pid, &status, 0);
	running_pgid = 0;
	/* Whatever it printed just before it exited, for its first line. */
	if (out_open && outlen < sizeof(out) &&
	    fcntl(outp[0], F_SETFL, O_NONBLOCK) == 0) {
		ssize_t k = read(outp[0], out + outlen, sizeof(out) - outlen);

		if (k > 0)
			outlen += (size_t)k;
	}
	if (timed_out)
		how = RUN_TIMEOUT;
	else if (WIFSIGNALED(status))
		how = RUN_SIGNALED;
	else
		how = RUN_EXITED;
	exitmap_reply(how, WIFEXITED(status) ? WEXITSTATUS(status) : 0, out,
	    outlen, r);
	if (how == RUN_TIMEOUT)
		snprintf(note, notelen, "timeout after %us", run->timeout);
	else if (how == RUN_SIGNALED)
		snprintf(note, notelen, "signal %d", WTERMSIG(status));
	else
		snprintf(note, notelen, "exit %d", WEXITSTATUS(status));
	if (outlen > 0)
		log_msg(LOG_INFO, "queue=%s command output: %s", run->queue_id,
		    util_escape(esc, sizeof(esc), out, outlen));
	goto done;
not_started:
	exitmap_reply(RUN_NOT_STARTED, 0, NULL, 0, r);
	snprintf(note, notelen, "not started");
done:
	if (pidfd >= 0)
		close(pidfd);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (errp[0] >= 0)
		close(errp[0]);
	if (errp[1] >= 0)
		close(errp[1]);
}

/* The envelope as a per-recipient run sees it: recipient i alone. */
static void
view_one(const struct envelope *env, unsigned i, struct envelope *view)
{
	*view = *env;
	view->nrcpt = 1;
	view->rcpt = env->rcpt + i;
	view->dsn_notify = env->dsn_notify + i;
	view->dsn_orcpt = env->dsn_orcpt + i;
}

void
deliver_run(const struct deliver_ctx *dc, int spool, const struct envelope *env,
    const char *queue_id, int rcpt, struct ipc_reply *r, char *note,
    size_t notelen)
{
	struct envelope view;
	struct run run = {
		.tmpl = dc->opts->argv, .tmplc = dc->opts->argc, .in = spool,
		.env = env, .queue_id = queue_id, .per_rcpt = rcpt >= 0,
		.timeout = dc->opts->delivery_timeout,
	};

	if (rcpt >= 0) {
		view_one(env, (unsigned)rcpt, &view);
		run.env = &view;
	}
	/* Every run reads the message from its first octet. */
	if (lseek(spool, 0, SEEK_SET) < 0) {
		log_errno(LOG_ERR, "queue=%s spool", queue_id);
		exitmap_reply(RUN_NOT_STARTED, 0, NULL, 0, r);
		snprintf(note, notelen, "not started");
		return;
	}
	run_command(dc, &run, r, note, notelen);
}

void
deliver_rcpt_check(const struct deliver_ctx *dc, const struct envelope *env,
    unsigned i, const char *queue_id, struct ipc_reply *r, char *note,
    size_t notelen)
{
	struct envelope view;
	struct run run = {
		.tmpl = dc->opts->check_argv, .tmplc = dc->opts->check_argc,
		.queue_id = queue_id, .per_rcpt = true,
		.timeout = dc->opts->check_timeout,
	};
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	view_one(env, i, &view);
	run.env = &view;
	run.in = null;
	if (null < 0) {
		exitmap_reply(RUN_NOT_STARTED, 0, NULL, 0, r);
		snprintf(note, notelen, "not started");
	} else {
		run_command(dc, &run, r, note, notelen);
		close(null);
	}
	/* RCPT replies: 250 2.1.5; temporary failures as 450 (RFC 5321
	 * 4.2.2: mailbox unavailable). */
	if (r->code == 250 && strncmp(r->text, "2.0.0 ", 6) == 0)
		snprintf(r->text, sizeof(r->text), "2.1.5 Recipient OK");
	else if (r->code == 451)
		r->code = 450;
}
