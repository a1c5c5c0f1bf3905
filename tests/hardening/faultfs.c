/*
 * tests/hardening/faultfs.c - an LD_PRELOAD shim that makes file system
 * calls fail on request, for the ENOSPC/EIO tests (and a stop point for the
 * kill -9 tests).
 *
 *   GONATIVE_FAULT="rule[;rule...]"
 *   rule = op:action[:after=N][:count=M][:path=SUBSTRING]
 *
 *   op      write pwrite fsync fdatasync syncfs rename renameat renameat2
 *   action  an errno name (ENOSPC EIO EDQUOT EROFS EACCES EPERM), or "stop":
 *           raise SIGSTOP, then make the call normally (a test can kill the
 *           process while it is frozen exactly there)
 *   after=N the first N matching calls go through (default 0)
 *   count=M only M calls fail, later ones go through (default: all)
 *   path=S  only calls whose file contains S: the path for rename* (for
 *           renameat*, the name joined to its folder's descriptor), the
 *           file behind the descriptor (/proc/self/fd) for the others
 *
 * Descriptors 0-2 are never touched, so error messages still get out.  Each
 * injected failure is logged to $GONATIVE_FAULT_LOG (when set) as one line
 * "op path errno".  Only calls that reach the dynamic symbols are seen
 * (gonative's own code and libarchive's write_disk use them directly).
 */
/* Plain symbol names: with _FILE_OFFSET_BITS=64 the headers would turn our
 * pwrite into a second pwrite64. */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_RULES 8

struct rule {
	char op[16];
	int err; /* 0 = stop */
	long after;
	long count;
	char path[256];
	long seen; /* matching calls so far */
};

static struct rule rules[MAX_RULES];
static int n_rules = -1;

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "ENOSPC", ENOSPC }, { "EIO", EIO },	    { "EDQUOT", EDQUOT },
	{ "EROFS", EROFS },   { "EACCES", EACCES }, { "EPERM", EPERM },
};

static void
parse_rule(char *text)
{
	struct rule *r = &rules[n_rules];
	char *save = NULL, *tok;
	int field = 0;

	memset(r, 0, sizeof(*r));
	r->count = -1;
	for (tok = strtok_r(text, ":", &save); tok; tok = strtok_r(NULL, ":", &save), field++) {
		if (field == 0) {
			snprintf(r->op, sizeof(r->op), "%s", tok);
		} else if (field == 1) {
			r->err = -1;
			if (strcmp(tok, "stop") == 0) {
				r->err = 0;
			}
			for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
				if (strcmp(tok, errnos[i].name) == 0) {
					r->err = errnos[i].value;
				}
			}
			if (r->err < 0) {
				return; /* unknown action: rule ignored */
			}
		} else if (strncmp(tok, "after=", 6) == 0) {
			r->after = strtol(tok + 6, NULL, 10);
		} else if (strncmp(tok, "count=", 6) == 0) {
			r->count = strtol(tok + 6, NULL, 10);
		} else if (strncmp(tok, "path=", 5) == 0) {
			snprintf(r->path, sizeof(r->path), "%s", tok + 5);
		}
	}
	if (field >= 2 && r->err >= 0) {
		n_rules++;
	}
}

static void
load_rules(void)
{
	const char *env;
	char buf[2048], *save = NULL, *tok;

	if (n_rules >= 0) {
		return;
	}
	n_rules = 0;
	env = getenv("GONATIVE_FAULT");
	if (!env) {
		return;
	}
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, ";", &save); tok && n_rules < MAX_RULES;
	     tok = strtok_r(NULL, ";", &save)) {
		parse_rule(tok);
	}
}

static void
fd_path(int fd, char *out, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, len - 1);
	out[n > 0 ? n : 0] = '\0';
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef int (*fd_fn)(int);
typedef int (*rename_fn)(const char *, const char *);
typedef int (*renameat_fn)(int, const char *, int, const char *);
typedef int (*renameat2_fn)(int, const char *, int, const char *, unsigned int);

/* The next definition of name; dlsym returns an object pointer, copied so
 * no pedantic function/object pointer cast is needed. */
static void
real(const char *name, void *fn, size_t size)
{
	void *sym = dlsym(RTLD_NEXT, name);

	memcpy(fn, &sym, size < sizeof(sym) ? size : sizeof(sym));
}

static void
log_fault(const char *op, const char *path, int err)
{
	const char *log = getenv("GONATIVE_FAULT_LOG");
	char line[PATH_MAX + 64];
	int fd, n;

	write_fn real_write;

	real("write", &real_write, sizeof(real_write));
	if (!log || !real_write) {
		return;
	}
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		return;
	}
	n = snprintf(line, sizeof(line), "%s %s %s\n", op, path, err ? strerror(err) : "stop");
	if (n > 0) {
		(void)!real_write(fd, line,
				  (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	close(fd);
}

/* Should this call fail?  0 = go on, else the errno to fail with. */
static int
decide(const char *op, int fd, const char *p1, const char *p2)
{
	char path[PATH_MAX];
	int saved = errno;

	load_rules();
	if (n_rules == 0 || (fd >= 0 && fd <= 2)) {
		return 0;
	}
	path[0] = '\0';
	if (fd >= 0) {
		fd_path(fd, path, sizeof(path));
	}
	for (int i = 0; i < n_rules; i++) {
		struct rule *r = &rules[i];
		long seen;

		if (strcmp(r->op, op) != 0) {
			continue;
		}
		if (r->path[0]) {
			int match = (fd >= 0 && strstr(path, r->path)) ||
				    (p1 && strstr(p1, r->path)) || (p2 && strstr(p2, r->path));
			if (!match) {
				continue;
			}
		}
		seen = __atomic_fetch_add(&r->seen, 1, __ATOMIC_SEQ_CST);
		if (seen < r->after || (r->count >= 0 && seen >= r->after + r->count)) {
			continue;
		}
		log_fault(op, fd >= 0 ? path : (p2 ? p2 : p1), r->err);
		if (r->err == 0) {
			raise(SIGSTOP);
			continue;
		}
		errno = saved;
		return r->err;
	}
	errno = saved;
	return 0;
}

#define FAIL_OR(op, fd, p1, p2)                                                                    \
	do {                                                                                       \
		int e_ = decide(op, fd, p1, p2);                                                   \
		if (e_) {                                                                          \
			errno = e_;                                                                \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

ssize_t
write(int fd, const void *buf, size_t len)
{
	static write_fn next;

	if (!next) {
		real("write", &next, sizeof(next));
	}
	FAIL_OR("write", fd, NULL, NULL);
	return next(fd, buf, len);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	static pwrite_fn next;

	if (!next) {
		real("pwrite", &next, sizeof(next));
	}
	FAIL_OR("pwrite", fd, NULL, NULL);
	return next(fd, buf, len, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	static pwrite_fn next;

	if (!next) {
		real("pwrite64", &next, sizeof(next));
	}
	FAIL_OR("pwrite", fd, NULL, NULL);
	return next(fd, buf, len, off);
}

int
fsync(int fd)
{
	static fd_fn next;

	if (!next) {
		real("fsync", &next, sizeof(next));
	}
	FAIL_OR("fsync", fd, NULL, NULL);
	return next(fd);
}

int
fdatasync(int fd)
{
	static fd_fn next;

	if (!next) {
		real("fdatasync", &next, sizeof(next));
	}
	FAIL_OR("fdatasync", fd, NULL, NULL);
	return next(fd);
}

int
syncfs(int fd)
{
	static fd_fn next;

	if (!next) {
		real("syncfs", &next, sizeof(next));
	}
	FAIL_OR("syncfs", fd, NULL, NULL);
	return next(fd);
}

int
rename(const char *from, const char *to)
{
	static rename_fn next;

	if (!next) {
		real("rename", &next, sizeof(next));
	}
	FAIL_OR("rename", -1, from, to);
	return next(from, to);
}

/* "<folder of dfd>/name", so path= rules see where an *at call lands (the
 * cache renames relative to its folders' descriptors). */
static const char *
at_path(int dfd, const char *name, char *out, size_t len)
{
	size_t n;

	if (dfd == AT_FDCWD || name[0] == '/') {
		return name;
	}
	fd_path(dfd, out, len);
	n = strlen(out);
	snprintf(out + n, len - n, "/%s", name);
	return out;
}

int
renameat(int dfd, const char *from, int tfd, const char *to)
{
	static renameat_fn next;
	char a[PATH_MAX], b[PATH_MAX];

	if (!next) {
		real("renameat", &next, sizeof(next));
	}
	FAIL_OR("renameat", -1, at_path(dfd, from, a, sizeof(a)), at_path(tfd, to, b, sizeof(b)));
	return next(dfd, from, tfd, to);
}

int
renameat2(int dfd, const char *from, int tfd, const char *to, unsigned int flags)
{
	static renameat2_fn next;
	char a[PATH_MAX], b[PATH_MAX];

	if (!next) {
		real("renameat2", &next, sizeof(next));
	}
	FAIL_OR("renameat2", -1, at_path(dfd, from, a, sizeof(a)), at_path(tfd, to, b, sizeof(b)));
	return next(dfd, from, tfd, to, flags);
}
