/*
 * builder/lockcheck.c - `lock --check`: complete and canonical, or say why.
 */
#include "builder/lockcheck.h"
#include "builder/project_private.h"

#include "gn/buf.h"
#include "gn/fs.h"

#include <stdlib.h>
#include <string.h>

struct missing_list {
	struct gn_arena *arena;
	const char **items;
	size_t n, cap;
	bool nomem;
};

static void
add_missing(struct missing_list *list, const char *fmt, const char *platform)
{
	char *text = gn_arena_printf(list->arena, fmt, platform);

	if (!text) {
		list->nomem = true;
		return;
	}
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		const char **items = gn_arena_array(list->arena, cap, sizeof(*items));

		if (!items) {
			list->nomem = true;
			return;
		}
		if (list->n) {
			memcpy(items, list->items, list->n * sizeof(*items));
		}
		list->items = items;
		list->cap = cap;
	}
	list->items[list->n++] = text;
}

/* Go 1.20 and later ship no precompiled std: targets need no archive. */
static bool
targets_need_archives(const struct lock *lock)
{
	struct gn_goversion v;

	return gn_goversion_parse(lock->go, &v) == 0 && !gn_goversion_at_least(&v, 1, 20);
}

static void
check_complete(const struct project *p, struct missing_list *list)
{
	const struct lock *lock = &p->lock;
	const struct manifest *m = &p->manifest;
	const struct gn_platform *hosts = m->hosts_default ? &p->host : m->hosts;
	size_t n_hosts = m->hosts_default ? 1 : m->n_hosts;
	char text[GN_PLATFORM_TEXT];

	for (size_t i = 0; i < n_hosts; i++) {
		const struct lock_goroot *goroot = lock_goroot_for(lock, &hosts[i]);

		gn_platform_format(&hosts[i], text, sizeof(text));
		if (!goroot || !goroot->tree[0]) {
			add_missing(list, "host %s: no GOROOT hash", text);
		}
		if (m->base == MANIFEST_BASE_SOURCE) {
			if (!lock_source_artifact(lock)) {
				add_missing(list, "host %s: no source archive", text);
			}
		} else if (!lock_artifact_for(lock, &hosts[i])) {
			add_missing(list, "host %s: no archive", text);
		}
	}
	if (!targets_need_archives(lock)) {
		return;
	}
	for (size_t i = 0; i < m->n_platforms; i++) {
		if (gn_platform_in(&m->platforms[i], hosts, n_hosts)) {
			continue;
		}
		if (!lock_artifact_for(lock, &m->platforms[i])) {
			gn_platform_format(&m->platforms[i], text, sizeof(text));
			add_missing(list, "platform %s: no archive", text);
		}
	}
}

static int
check_canonical(struct project *p, bool *canonical, struct gn_error *err)
{
	struct gn_buf bytes;
	char *file = NULL;
	size_t len = 0;
	int rc;

	*canonical = false;
	rc = gn_read_file(p->lock_path, LOCK_MAX_BYTES, &file, &len, err);
	if (rc < 0) {
		return rc;
	}
	gn_buf_init(&bytes);
	lock_write(&p->lock, &bytes);
	if (bytes.failed) {
		rc = gn_error_nomem(err);
	} else {
		*canonical = bytes.len == len && memcmp(bytes.data, file, len) == 0;
	}
	gn_buf_free(&bytes);
	free(file);
	return rc;
}

int
project_lock_check(struct project *p, struct project_lock_check_result *res,
		   struct gn_error *err)
{
	struct missing_list list = {.arena = &p->arena};
	int rc;

	memset(res, 0, sizeof(*res));
	if (!p->have_lock) {
		res->lock_missing = true;
		return 0;
	}
	rc = lock_drift_manifest(&p->arena, &p->manifest, p->digest, &p->host, &p->lock,
				 &res->drift);
	if (rc < 0) {
		return gn_error_nomem(err);
	}
	check_complete(p, &list);
	if (list.nomem) {
		return gn_error_nomem(err);
	}
	res->missing = list.items;
	res->n_missing = list.n;
	if ((rc = check_canonical(p, &res->canonical, err)) < 0) {
		return rc;
	}
	res->ok = res->drift.n_items == 0 && res->n_missing == 0 && res->canonical;
	return 0;
}
