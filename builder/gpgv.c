#include "builder/gpgv.h"

#include "gn/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STATUS_MAX (64 * 1024)
#define MAX_ARGS 64

static const char *const gpgv_paths[] = {
	"/usr/bin/gpgv",
	"/bin/gpgv",
	"/usr/local/bin/gpgv",
	"/opt/homebrew/bin/gpgv",
};

static const char *
find_gpgv(const char *given)
{
	if (given) {
		return access(given, X_OK) == 0 ? given : NULL;
	}
	for (size_t i = 0; i < sizeof(gpgv_paths) / sizeof(gpgv_paths[0]); i++) {
		if (access(gpgv_paths[i], X_OK) == 0) {
			return gpgv_paths[i];
		}
	}
	return NULL;
}

/* Run gpgv; its --status-fd output (fd 3) goes into status. */
static int
run_gpgv(const char *prog, const struct gpgv_opts *opts, const char *home, const char *data,
	 const char *sig, char *status, size_t cap, size_t *len, int *exit_status,
	 struct gn_error *err)
{
	char *argv[MAX_ARGS];
	char *envp[] = { "LC_ALL=C", "LANG=C", NULL };
	posix_spawn_file_actions_t fa;
	int fds[2], argc = 0, wstatus = 0, rc;
	pid_t pid;
	ssize_t got;

	if (opts->n_keyrings + 10 > MAX_ARGS) {
		return gn_error_set(err, GN_E_USAGE, "too many gpg keyrings");
	}
	argv[argc++] = (char *)prog;
	argv[argc++] = "--homedir";
	argv[argc++] = (char *)home;
	argv[argc++] = "--status-fd";
	argv[argc++] = "3";
	for (size_t i = 0; i < opts->n_keyrings; i++) {
		argv[argc++] = "--keyring";
		argv[argc++] = (char *)opts->keyrings[i];
	}
	argv[argc++] = "--";
	argv[argc++] = (char *)sig;
	argv[argc++] = (char *)data;
	argv[argc] = NULL;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		return gn_error_set(err, GN_E_IO, "pipe: %s", strerror(errno));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 3);
	rc = posix_spawn(&pid, prog, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return gn_error_set(err, GN_E_IO, "cannot run %s: %s", prog, strerror(rc));
	}
	*len = 0;
	while ((got = read(fds[0], status + *len, cap - 1 - *len)) != 0) {
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0 || (*len += (size_t)got) >= cap - 1) {
			break;
		}
	}
	status[*len] = '\0';
	close(fds[0]);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
	}
	*exit_status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	return 0;
}

static bool
word(const char *line, int n, char *out, size_t len)
{
	const char *p = line;

	for (int i = 0; i < n; i++) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	if (!*p) {
		return false;
	}
	/* a field too long for out is not one we look for: never cut it */
	return gn_path_fmt(out, len, "%.*s", (int)strcspn(p, " "), p);
}

/* What a refusal means, for the message. */
static const char *
refusal_why(const char *keyword)
{
	if (strcmp(keyword, "REVKEYSIG") == 0) {
		return " (the signing key is revoked)";
	}
	if (strcmp(keyword, "BADSIG") == 0) {
		return " (the file does not match its signature)";
	}
	if (strcmp(keyword, "NO_PUBKEY") == 0) {
		return " (signed by a key that is not in the pinned keyrings)";
	}
	if (strcmp(keyword, "EXPSIG") == 0) {
		return " (the signature itself has expired)";
	}
	return "";
}

static bool
pinned(const struct gpgv_opts *opts, const char *primary)
{
	if (opts->n_fingerprints == 0) {
		return true; /* the keyrings are the pin */
	}
	for (size_t i = 0; i < opts->n_fingerprints; i++) {
		if (strcmp(opts->fingerprints[i], primary) == 0) {
			return true;
		}
	}
	return false;
}

/* What gpgv's status lines said. */
struct gpgv_status {
	bool good, expkey, valid;
	long long key_expires;
	char refusal[64]; /* the most telling refusal keyword, or "" */
};

/* The most telling refusal wins: ERRSIG comes with NO_PUBKEY. */
static void
note_refusal(struct gpgv_status *st, const char *kw)
{
	static const char *const order[] = {
		"REVKEYSIG", "NO_PUBKEY", "BADSIG", "EXPSIG", "ERRSIG", "NODATA",
	};
	int have = -1, now = -1;

	for (int i = 0; i < 6; i++) {
		have = strcmp(st->refusal, order[i]) == 0 ? i : have;
		now = strcmp(kw, order[i]) == 0 ? i : now;
	}
	if (now >= 0 && (have < 0 || now < have)) {
		snprintf(st->refusal, sizeof(st->refusal), "%s", kw);
	}
}

/* One "[GNUPG:] KEYWORD ..." line. */
static void
read_status_line(const char *line, struct gpgv_status *st, struct gpgv_result *res)
{
	char kw[32] = "", f[96];

	if (strncmp(line, "[GNUPG:] ", 9) != 0 || !word(line, 1, kw, sizeof(kw))) {
		return;
	}
	if (strcmp(kw, "GOODSIG") == 0) {
		st->good = true;
	} else if (strcmp(kw, "EXPKEYSIG") == 0) {
		st->expkey = true;
	} else if (strcmp(kw, "KEYEXPIRED") == 0 && word(line, 2, f, sizeof(f))) {
		long long t = atoll(f);
		/* The latest expiry gpg names is the signing key's. */
		st->key_expires = t > st->key_expires ? t : st->key_expires;
	} else if (strcmp(kw, "VALIDSIG") == 0 && word(line, 2, f, sizeof(f))) {
		st->valid = true;
		snprintf(res->signer, sizeof(res->signer), "%.40s", f);
		if (word(line, 4, f, sizeof(f))) {
			res->sig_time = atoll(f);
		}
		/* Field 11 is the primary key (absent on very old gpg). */
		if (word(line, 11, f, sizeof(f))) {
			snprintf(res->primary, sizeof(res->primary), "%.40s", f);
		} else {
			snprintf(res->primary, sizeof(res->primary), "%s", res->signer);
		}
	} else {
		note_refusal(st, kw);
	}
}

/* The verdict on what gpgv said: 0, or GN_E_SIGNATURE saying why not. */
static int
judge(const struct gpgv_opts *opts, const struct gpgv_status *st, int exit_status,
      struct gpgv_result *res, struct gn_error *err)
{
	int rc;

	if (st->refusal[0]) {
		return gn_error_set(err, GN_E_SIGNATURE, "gpgv reports %s%s", st->refusal,
				    refusal_why(st->refusal));
	}
	if (!st->valid || (!st->good && !st->expkey)) {
		return gn_error_set(err, GN_E_SIGNATURE, "gpgv found no valid signature (exit %d)",
				    exit_status);
	}
	if (!st->good && st->expkey) {
		if (st->key_expires <= res->sig_time) {
			return gn_error_set(err, GN_E_SIGNATURE,
					    "gpgv reports EXPKEYSIG: the signing key had expired "
					    "before the signature was made");
		}
		res->key_expired = 1;
	}
	if (!pinned(opts, res->primary)) {
		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "signed by OpenPGP key %s, which signatures.gpg-fingerprints does "
				  "not list",
				  res->primary);
		gn_error_values(err, opts->fingerprints[0], res->primary);
		return rc;
	}
	return 0;
}

int
gpgv_verify(const struct gpgv_opts *opts, const char *data, const char *sig,
	    struct gpgv_result *res, struct gn_error *err)
{
	const char *prog = find_gpgv(opts->gpgv);
	struct gpgv_status st = {0};
	char home[4096], *status;
	size_t len = 0;
	int exit_status = 0, rc;

	memset(res, 0, sizeof(*res));
	if (!prog) {
		return gn_error_set(err, GN_E_IO,
				    "gpgv is not installed, and signatures.gpg needs it (Debian: "
				    "apt-get install gpgv)");
	}
	snprintf(home, sizeof(home), "%s/gpgv-XXXXXX", opts->tmp);
	if (!mkdtemp(home)) {
		return gn_error_set(err, GN_E_IO, "cannot create %s: %s", home, strerror(errno));
	}
	status = malloc(STATUS_MAX);
	if (!status) {
		gn_rm_rf(home, NULL);
		return gn_error_nomem(err);
	}
	rc = run_gpgv(prog, opts, home, data, sig, status, STATUS_MAX, &len, &exit_status, err);
	gn_rm_rf(home, NULL);
	for (char *line = status; rc == 0 && *line;) {
		char *nl = strchr(line, '\n');

		if (nl) {
			*nl = '\0';
		}
		read_status_line(line, &st, res);
		if (!nl) {
			break;
		}
		line = nl + 1;
	}
	free(status);
	return rc < 0 ? rc : judge(opts, &st, exit_status, res, err);
}
