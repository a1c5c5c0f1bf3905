/*
 * lockfiles/drift.c - explain, field by field, why a lock is stale.
 */
#include "lockfiles/drift.h"

#include "gn/buf.h"
#include "lockfiles/resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct drift_builder {
	struct gn_arena *arena;
	struct lock_drift_item items[64];
	size_t n;
	bool nomem;
};

static void
add_item(struct drift_builder *b, const char *field, const char *locked, const char *manifest)
{
	struct lock_drift_item *item;

	if (b->n == sizeof(b->items) / sizeof(b->items[0])) {
		return;
	}
	item = &b->items[b->n++];
	item->field = gn_arena_strdup(b->arena, field);
	item->locked = gn_arena_strdup(b->arena, locked ? locked : "");
	item->manifest = gn_arena_strdup(b->arena, manifest ? manifest : "");
	if (!item->field || !item->locked || !item->manifest) {
		b->nomem = true;
	}
}

static int
cmp_platform(const void *a, const void *b)
{
	return gn_platform_cmp(a, b);
}

/* "[a, b]", sorted, owned by the arena. */
static char *
platform_list(struct gn_arena *arena, const struct gn_platform *ps, size_t n)
{
	struct gn_platform *sorted = gn_arena_array(arena, n ? n : 1, sizeof(*sorted));
	struct gn_buf buf;
	char *text;

	if (!sorted) {
		return NULL;
	}
	if (n) {
		memcpy(sorted, ps, n * sizeof(*ps));
		qsort(sorted, n, sizeof(*sorted), cmp_platform);
	}
	gn_buf_init(&buf);
	gn_buf_putc(&buf, '[');
	for (size_t i = 0; i < n; i++) {
		char one[GN_PLATFORM_TEXT];

		gn_platform_format(&sorted[i], one, sizeof(one));
		if (i) {
			gn_buf_puts(&buf, ", ");
		}
		gn_buf_puts(&buf, one);
	}
	gn_buf_putc(&buf, ']');
	text = buf.failed ? NULL : gn_arena_strdup(arena, buf.data);
	gn_buf_free(&buf);
	return text;
}

static void
compare_platforms(struct drift_builder *b, const char *field, const struct gn_platform *locked,
		  size_t n_locked, const struct gn_platform *want, size_t n_want)
{
	char *l, *w;

	if (gn_platform_same_set(locked, n_locked, want, n_want)) {
		return;
	}
	l = platform_list(b->arena, locked, n_locked);
	w = platform_list(b->arena, want, n_want);
	if (!l || !w) {
		b->nomem = true;
		return;
	}
	add_item(b, field, l, w);
}

static void
compare_pins(struct drift_builder *b, const struct manifest *m, const struct lock *lock)
{
	for (size_t i = 0; i < m->n_checksums; i++) {
		const struct manifest_checksum *pin = &m->checksums[i];
		const struct lock_artifact *a = lock_find_artifact(lock, pin->file);
		char locked[GN_ERR_TEXT], want[GN_ERR_TEXT];

		if (!a || strcmp(a->sha256, pin->sha256) == 0) {
			continue;
		}
		snprintf(locked, sizeof(locked), "%s sha256 %s", a->file, a->sha256);
		snprintf(want, sizeof(want), "%s sha256 %s", pin->file, pin->sha256);
		add_item(b, "checksums", locked, want);
	}
}

static void
compare_signatures(struct drift_builder *b, const struct manifest *m, const struct lock *lock)
{
	struct gn_buf unsigned_files;

	if (!m->signatures.require_archives) {
		return;
	}
	gn_buf_init(&unsigned_files);
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		if (lock->artifacts[i].signed_by) {
			continue;
		}
		gn_buf_puts(&unsigned_files, unsigned_files.len ? ", " : "unsigned: ");
		gn_buf_puts(&unsigned_files, lock->artifacts[i].file);
	}
	if (unsigned_files.failed) {
		b->nomem = true;
	} else if (unsigned_files.len) {
		add_item(b, "signatures", unsigned_files.data, "require: archives");
	}
	gn_buf_free(&unsigned_files);
}

int
lock_drift_manifest(struct gn_arena *arena, const struct manifest *m, const char *digest,
		    const struct gn_platform *default_host, const struct lock *lock,
		    struct lock_drift *out)
{
	struct drift_builder b = {.arena = arena};
	const char *index = m->index ? m->index : MANIFEST_DEFAULT_INDEX;

	memset(out, 0, sizeof(*out));
	if (digest && strcmp(lock->manifest_digest, digest) == 0) {
		return 0;
	}
	if (!lock_version_matches(m, lock->go)) {
		add_item(&b, "go", lock->go, m->go);
	}
	if (!m->hosts_default) {
		compare_platforms(&b, "hosts", lock->hosts, lock->n_hosts, m->hosts, m->n_hosts);
	} else if (default_host) {
		compare_platforms(&b, "hosts", lock->hosts, lock->n_hosts, default_host, 1);
	}
	compare_platforms(&b, "platforms", lock->platforms, lock->n_platforms, m->platforms,
			  m->n_platforms);
	if (!lock->index || strcmp(lock->index, index) != 0) {
		add_item(&b, "index", lock->index, index);
	}
	compare_pins(&b, m, lock);
	compare_signatures(&b, m, lock);
	if (b.n == 0) {
		char locked[80], want[80];

		snprintf(locked, sizeof(locked), "sha256:%s", lock->manifest_digest);
		snprintf(want, sizeof(want), "sha256:%s", digest ? digest : "");
		add_item(&b, "manifest", locked, want);
	}
	if (b.nomem) {
		return -GN_E_NOMEM;
	}
	out->items = gn_arena_array(arena, b.n, sizeof(*out->items));
	if (!out->items) {
		return -GN_E_NOMEM;
	}
	memcpy(out->items, b.items, b.n * sizeof(*out->items));
	out->n_items = b.n;
	return 0;
}
