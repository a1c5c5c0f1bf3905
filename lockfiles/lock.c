/*
 * lockfiles/lock.c - gonative.lock: what the writer and the reader share,
 * the canonical order, the lookups.
 *
 * The writer (lock_write.c) quotes every scalar that any YAML 1.1 or 1.2
 * reader could take for something other than a string, so yq, PyYAML and
 * Go's yaml all read back exactly what was written.  The reader
 * (lock_read.c) accepts both spellings but refuses plain scalars that other
 * tools would read as numbers or booleans.  Both use the scalar rules here.
 */
#include "lockfiles/lock_private.h"

#include "gn/utf8.h"
#include "gn/fs.h"
#include "gn/yamltree.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- scalars ----------------------------------------------------------- */


/* go<V>.src.tar.gz with os "" and arch "": the source of a base: source lock. */
bool
lock_is_source_artifact(const char *file, const char *os, const char *arch)
{
	size_t n = strlen(file), suffix = strlen(".src.tar.gz");

	return gn_artifact_is_source(os, arch) && n > suffix &&
	       strcmp(file + n - suffix, ".src.tar.gz") == 0;
}

static bool
word_is(const char *s, const char *lower)
{
	for (; *s && *lower; s++, lower++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
		if (c != *lower) {
			return false;
		}
	}
	return *s == '\0' && *lower == '\0';
}

bool
lock_all_in(const char *s, const char *set)
{
	for (; *s; s++) {
		if (!strchr(set, *s)) {
			return false;
		}
	}
	return true;
}

/*
 * Would a YAML 1.1 or 1.2 reader resolve this plain scalar to something
 * other than a string (null, bool, int, float, timestamp)?  Errs on the
 * side of "yes": quoting a string is always safe.
 */
bool
lock_plain_non_string(const char *s)
{
	static const char *const words[] = {
		"", "~", "null", "y", "n", "yes", "no", "true", "false", "on", "off",
	};
	const char *t = s;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (word_is(s, words[i])) {
			return true;
		}
	}
	if (*t == '+' || *t == '-') {
		t++;
	}
	if (*t == '.') {
		/* .5, .inf, .NaN */
		if (word_is(t + 1, "inf") || word_is(t + 1, "nan")) {
			return true;
		}
		return t[1] >= '0' && t[1] <= '9' && lock_all_in(t + 1, "0123456789_.eE+-");
	}
	if (*t < '0' || *t > '9') {
		return false;
	}
	/* 0x1f, 0o17, 0b101 */
	if (t[0] == '0' && t[1] && strchr("xXoObB", t[1])) {
		return true;
	}
	/* 386, 1.20, 1_000, 1e3, 1:20 (base 60), 2001-12-14 */
	if (lock_all_in(t, "0123456789_.eE+-:")) {
		return true;
	}
	/* timestamps: 2001-12-14t21:59:43 */
	for (int i = 0; i < 4; i++) {
		if (t[i] < '0' || t[i] > '9') {
			return false;
		}
	}
	return t[4] == '-';
}

/* ---- sorting ----------------------------------------------------------- */

static int
cmp_platform(const void *a, const void *b)
{
	return gn_platform_cmp(a, b);
}

static int
cmp_artifact(const void *a, const void *b)
{
	const struct lock_artifact *x = a, *y = b;

	return strcmp(x->file ? x->file : "", y->file ? y->file : "");
}

static int
cmp_goroot(const void *a, const void *b)
{
	const struct lock_goroot *x = a, *y = b;

	return gn_platform_cmp(&x->host, &y->host);
}

static int
cmp_cc_host(const void *a, const void *b)
{
	const struct lock_cc_host *x = a, *y = b;

	return gn_platform_cmp(&x->host, &y->host);
}

static int
cmp_cc_target(const void *a, const void *b)
{
	const struct lock_cc_target *x = a, *y = b;

	return gn_platform_cmp(&x->platform, &y->platform);
}

void
lock_sort(struct lock *lock)
{
	if (lock->cc.n_hosts > 1) {
		qsort(lock->cc.hosts, lock->cc.n_hosts, sizeof(*lock->cc.hosts), cmp_cc_host);
	}
	if (lock->cc.n_targets > 1) {
		qsort(lock->cc.targets, lock->cc.n_targets, sizeof(*lock->cc.targets),
		      cmp_cc_target);
	}
	if (lock->n_hosts > 1) {
		qsort(lock->hosts, lock->n_hosts, sizeof(*lock->hosts), cmp_platform);
	}
	if (lock->n_platforms > 1) {
		qsort(lock->platforms, lock->n_platforms, sizeof(*lock->platforms), cmp_platform);
	}
	if (lock->n_artifacts > 1) {
		qsort(lock->artifacts, lock->n_artifacts, sizeof(*lock->artifacts), cmp_artifact);
	}
	if (lock->n_goroots > 1) {
		qsort(lock->goroots, lock->n_goroots, sizeof(*lock->goroots), cmp_goroot);
	}
}

/* ---- lookups ------------------------------------------------------------ */

const struct lock_artifact *
lock_find_artifact(const struct lock *lock, const char *file)
{
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		if (lock->artifacts[i].file && strcmp(lock->artifacts[i].file, file) == 0) {
			return &lock->artifacts[i];
		}
	}
	return NULL;
}

const struct lock_artifact *
lock_source_artifact(const struct lock *lock)
{
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		const struct lock_artifact *a = &lock->artifacts[i];

		if (lock_is_source_artifact(a->file, a->os, a->arch)) {
			return a;
		}
	}
	return NULL;
}

const struct lock_artifact *
lock_artifact_for(const struct lock *lock, const struct gn_platform *p)
{
	const char *arch = gn_platform_index_arch(p);

	for (size_t i = 0; i < lock->n_artifacts; i++) {
		const struct lock_artifact *a = &lock->artifacts[i];

		if (strcmp(a->os, p->os) == 0 && strcmp(a->arch, arch) == 0) {
			return a;
		}
	}
	return NULL;
}

const struct lock_goroot *
lock_goroot_for(const struct lock *lock, const struct gn_platform *host)
{
	for (size_t i = 0; i < lock->n_goroots; i++) {
		if (gn_platform_equal(&lock->goroots[i].host, host)) {
			return &lock->goroots[i];
		}
	}
	return NULL;
}

const struct lock_cc_host *
lock_cc_host_for(const struct lock *lock, const struct gn_platform *host)
{
	for (size_t i = 0; i < lock->cc.n_hosts; i++) {
		if (gn_platform_equal(&lock->cc.hosts[i].host, host)) {
			return &lock->cc.hosts[i];
		}
	}
	return NULL;
}

const struct lock_cc_target *
lock_cc_target_for(const struct lock *lock, const struct gn_platform *platform)
{
	for (size_t i = 0; i < lock->cc.n_targets; i++) {
		if (gn_platform_equal(&lock->cc.targets[i].platform, platform)) {
			return &lock->cc.targets[i];
		}
	}
	return NULL;
}
