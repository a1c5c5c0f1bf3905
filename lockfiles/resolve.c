/*
 * lockfiles/resolve.c - manifest + release index -> lock.
 */
#include "lockfiles/resolve.h"

#include "gn/buf.h"

#include <stdio.h>
#include <string.h>

bool
lock_version_matches(const struct manifest *m, const char *version)
{
	struct gn_goversion v;

	if (!version || gn_goversion_parse(version, &v) != 0) {
		return false;
	}
	switch (m->go_kind) {
	case MANIFEST_GO_EXACT:
		/* "1.20.0" names the release the index calls "go1.20". */
		return gn_goversion_cmp(&m->go_version, &v) == 0;
	case MANIFEST_GO_LINE:
		return v.pre == GN_PRE_NONE && v.major == m->go_version.major &&
		       v.minor == m->go_version.minor;
	case MANIFEST_GO_STABLE:
		return v.pre == GN_PRE_NONE;
	case MANIFEST_GO_FILE:
		/* manifest_load() resolves it before anything is matched */
		return false;
	}
	return false;
}

static const struct lock_index_release *
find_release(const struct lock_index *index, const char *version)
{
	for (size_t i = 0; i < index->n_releases; i++) {
		if (strcmp(index->releases[i].version, version) == 0) {
			return &index->releases[i];
		}
	}
	return NULL;
}

/* The newest release satisfying the spec (exact: the one named). */
static const struct lock_index_release *
pick_release(const struct manifest *m, const struct lock_index *index)
{
	const struct lock_index_release *best = NULL;
	struct gn_goversion best_v = {0};

	for (size_t i = 0; i < index->n_releases; i++) {
		const struct lock_index_release *rel = &index->releases[i];
		struct gn_goversion v;

		/* Bogus entries such as "go1" do not parse and are skipped. */
		if (gn_goversion_parse(rel->version, &v) != 0) {
			continue;
		}
		if (!lock_version_matches(m, rel->version)) {
			continue;
		}
		if (!best || gn_goversion_cmp(&v, &best_v) > 0) {
			best = rel;
			best_v = v;
		}
	}
	return best;
}

/* The binary archive for p in rel, or NULL. */
static const struct lock_index_file *
pick_file(const struct lock_index_release *rel, const struct gn_platform *p)
{
	const char *arch = gn_platform_index_arch(p);
	/* The empty platform stands for the source archive (base: source). */
	const char *kind = gn_artifact_is_source(p->os, p->arch) ? "source" : "archive";
	const struct lock_index_file *best = NULL;

	for (size_t i = 0; i < rel->n_files; i++) {
		const struct lock_index_file *f = &rel->files[i];
		bool f_new, best_new;

		if (strcmp(f->kind, kind) != 0 ||
		    strcmp(f->os, p->os) != 0 || strcmp(f->arch, arch) != 0) {
			continue;
		}
		if (!best) {
			best = f;
			continue;
		}
		/* Go <= 1.4.2 shipped darwin as -osx10.6 and -osx10.8; gonative
		 * used the 10.8 build.  Otherwise the smallest name, for
		 * determinism. */
		f_new = strstr(f->filename, "osx10.8") != NULL;
		best_new = strstr(best->filename, "osx10.8") != NULL;
		if (f_new != best_new) {
			if (f_new) {
				best = f;
			}
		} else if (strcmp(f->filename, best->filename) < 0) {
			best = f;
		}
	}
	return best;
}

static bool
same_artifact(const struct lock_artifact *a, const struct lock_artifact *b)
{
	if (!a || !b) {
		/* Go >= 1.20 locks no target archive: both absent is the same. */
		return !a && !b;
	}
	return strcmp(a->file, b->file) == 0 && strcmp(a->sha256, b->sha256) == 0 &&
	       a->size == b->size;
}

bool
lock_merges_targets(const char *go)
{
	struct gn_goversion v;

	return gn_goversion_parse(go, &v) != 0 || !gn_goversion_at_least(&v, 1, 20);
}

/* What host's tree is built from: its binary archive, or the source. */
static const struct lock_artifact *
host_artifact(const struct lock *lock, const struct gn_platform *host)
{
	const struct lock_artifact *a = lock_artifact_for(lock, host);

	return a ? a : lock_source_artifact(lock);
}

/* Is previous's tree for host still the tree these artifacts make? */
static bool
keep_goroot(const struct lock *previous, const struct lock *out, const struct gn_platform *host)
{
	const struct lock_goroot *g;

	if (!previous || strcmp(previous->go, out->go) != 0) {
		return false;
	}
	g = lock_goroot_for(previous, host);
	if (!g || !g->tree[0]) {
		return false;
	}
	if (!gn_platform_same_set(previous->platforms, previous->n_platforms, out->platforms,
			       out->n_platforms)) {
		return false;
	}
	if (!same_artifact(host_artifact(previous, host), host_artifact(out, host))) {
		return false;
	}
	for (size_t i = 0; i < out->n_platforms; i++) {
		if (!same_artifact(lock_artifact_for(previous, &out->platforms[i]),
				   lock_artifact_for(out, &out->platforms[i]))) {
			return false;
		}
	}
	return true;
}

static int
fill_artifact(const struct manifest *m, const struct lock_index_release *rel,
	      const struct gn_platform *p, const struct lock *previous, struct lock_artifact *a,
	      struct gn_error *err)
{
	const struct lock_index_file *f = pick_file(rel, p);
	const struct manifest_checksum *pin;
	const struct lock_artifact *old;
	char text[GN_PLATFORM_TEXT];

	gn_platform_format(p, text, sizeof(text));
	if (gn_artifact_is_source(p->os, p->arch)) {
		text[0] = '\0';
	}
	if (!f) {
		int rc = gn_error_set(err, GN_E_RESOLVE,
				      gn_artifact_is_source(p->os, p->arch)
					      ? "%s has no source archive%s"
					      : "%s has no binary archive for %s",
				      rel->version, text);
		gn_error_values(err, text, "no such file in the index");
		return rc;
	}
	a->file = f->filename;
	snprintf(a->os, sizeof(a->os), "%s", f->os);
	snprintf(a->arch, sizeof(a->arch), "%s", f->arch);
	a->size = f->size;
	a->signed_by = NULL;
	a->h1 = NULL;
	pin = manifest_pin(m, f->filename);
	if (pin && f->sha256[0] && strcmp(pin->sha256, f->sha256) != 0) {
		int rc = gn_error_at(err, GN_E_INTEGRITY, m->path, pin->line, pin->col,
				     "%s: the pinned sha256 differs from the release index",
				     f->filename);
		gn_error_values(err, pin->sha256, f->sha256);
		return rc;
	}
	if (!f->sha256[0] && !pin) {
		int rc = gn_error_set(err, GN_E_INTEGRITY,
				      "%s: the release index has no sha256 for it; pin one "
				      "under checksums: in the manifest",
				      f->filename);
		gn_error_values(err, "a sha256 pin", "none");
		return rc;
	}
	snprintf(a->sha256, sizeof(a->sha256), "%s", f->sha256[0] ? f->sha256 : pin->sha256);
	old = previous ? lock_find_artifact(previous, a->file) : NULL;
	if (old && strcmp(old->sha256, a->sha256) != 0) {
		int rc = gn_error_set(err, GN_E_INTEGRITY,
				      "%s: the release index changed under the lock (sha256)",
				      a->file);
		gn_error_values(err, old->sha256, a->sha256);
		return rc;
	}
	if (old && old->size != a->size) {
		char want[32], got[32];
		int rc = gn_error_set(err, GN_E_INTEGRITY,
				      "%s: the release index changed under the lock (size)",
				      a->file);
		snprintf(want, sizeof(want), "%lld", (long long)old->size);
		snprintf(got, sizeof(got), "%lld", (long long)a->size);
		gn_error_values(err, want, got);
		return rc;
	}
	/* Once signed, always signed: the signer sticks to the same bytes. */
	if (old && old->signed_by) {
		a->signed_by = old->signed_by;
	}
	return 0;
}

void
lock_warn_nothing_to_merge(const struct lock *out, const struct gn_events *events)
{
	struct gn_goversion v;
	struct gn_buf list;

	if (gn_goversion_parse(out->go, &v) != 0 || !gn_goversion_at_least(&v, 1, 20)) {
		return;
	}
	gn_buf_init(&list);
	for (size_t i = 0; i < out->n_platforms; i++) {
		char text[GN_PLATFORM_TEXT];

		if (gn_platform_in(&out->platforms[i], out->hosts, out->n_hosts)) {
			continue;
		}
		gn_platform_format(&out->platforms[i], text, sizeof(text));
		if (list.len) {
			gn_buf_puts(&list, ", ");
		}
		gn_buf_puts(&list, text);
	}
	if (list.len && !list.failed) {
		gn_emitf(events, GN_EV_WARNING,
			 "%s: no precompiled std to merge for %s (Go 1.20+ distributions ship "
			 "no precompiled std: no pkg/<os>_<arch>; their archives are not "
			 "downloaded)",
			 out->go, list.data);
	}
	gn_buf_free(&list);
}

/* The release the lock takes: the previous lock's while it still fits,
 * else the newest that matches go:. */
static int
choose_release(const struct manifest *m, const struct lock_index *index,
	       const struct lock *previous, bool upgrade, const struct lock_index_release **out,
	       struct gn_error *err)
{
	const struct lock_index_release *rel = NULL;
	int rc;

	if (previous && !upgrade && previous->go && lock_version_matches(m, previous->go)) {
		rel = find_release(index, previous->go);
	}
	if (!rel) {
		rel = pick_release(m, index);
	}
	if (!rel) {
		rc = gn_error_at(err, GN_E_RESOLVE, m->path, m->go_line, m->go_col,
				 "no release in the index matches go: %s", m->go);
		gn_error_values(err, m->go, "no matching release");
		return rc;
	}
	*out = rel;
	return 0;
}

/* The lock's header fields and arrays, hosts and platforms copied. */
static int
lock_begin(struct gn_arena *arena, const struct manifest *m, const char *manifest_digest,
	   const struct lock_index_release *rel, const struct gn_platform *hosts, size_t n_hosts,
	   struct lock *out, struct gn_error *err)
{
	out->version = LOCK_VERSION;
	snprintf(out->manifest_digest, sizeof(out->manifest_digest), "%s",
		 manifest_digest ? manifest_digest : "");
	out->go = gn_arena_strdup(arena, rel->version);
	out->index = gn_arena_strdup(arena, m->index ? m->index : MANIFEST_DEFAULT_INDEX);
	out->hosts = gn_arena_array(arena, n_hosts, sizeof(*out->hosts));
	out->platforms = gn_arena_array(arena, m->n_platforms ? m->n_platforms : 1,
					sizeof(*out->platforms));
	out->artifacts = gn_arena_array(arena, n_hosts + m->n_platforms + 1,
					sizeof(*out->artifacts));
	out->goroots = gn_arena_array(arena, n_hosts, sizeof(*out->goroots));
	if (!out->go || !out->index || !out->hosts || !out->platforms || !out->artifacts ||
	    !out->goroots) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory resolving the lock");
	}
	memcpy(out->hosts, hosts, n_hosts * sizeof(*hosts));
	out->n_hosts = n_hosts;
	if (m->n_platforms) {
		memcpy(out->platforms, m->platforms, m->n_platforms * sizeof(*m->platforms));
	}
	out->n_platforms = m->n_platforms;
	return 0;
}

/* base: source builds for this machine only: hosts must be just it. */
static int
check_source_host(const struct manifest *m, const struct gn_platform *hosts, size_t n_hosts,
		  const struct gn_platform *default_host, struct gn_error *err)
{
	char text[GN_PLATFORM_TEXT], here[GN_PLATFORM_TEXT];

	if (default_host && n_hosts == 1 && gn_platform_equal(&hosts[0], default_host)) {
		return 0;
	}
	gn_platform_format(&hosts[0], text, sizeof(text));
	if (default_host) {
		gn_platform_format(default_host, here, sizeof(here));
	} else {
		snprintf(here, sizeof(here), "unknown");
	}
	return gn_error_at(err, GN_E_RESOLVE, m->path, m->go_line, m->go_col,
			   "base: source builds the toolchain for this machine (%s) only; hosts: "
			   "must be just that (got %s%s)",
			   here, text, n_hosts > 1 ? ", ..." : "");
}

/*
 * The platforms that get an archive, into want (*n_want): one per host and
 * per platform; with base: source the host's is the source archive (the
 * empty platform).  Go 1.20+ targets get none, but must be ports of rel.
 */
static int
wanted_platforms(const struct manifest *m, const struct lock_index_release *rel,
		 const struct gn_platform *hosts, size_t n_hosts, struct gn_platform *want,
		 size_t *n_want, struct gn_error *err)
{
	for (size_t i = 0; i < n_hosts + m->n_platforms; i++) {
		const struct gn_platform *p = i < n_hosts ? &hosts[i] : &m->platforms[i - n_hosts];

		if (i >= n_hosts && !lock_merges_targets(rel->version)) {
			if (!gn_platform_in(p, hosts, n_hosts) && !pick_file(rel, p)) {
				char text[GN_PLATFORM_TEXT];
				int rc;

				gn_platform_format(p, text, sizeof(text));
				rc = gn_error_set(err, GN_E_RESOLVE, "%s has no binary archive for %s",
						  rel->version, text);
				gn_error_values(err, text, "no such file in the index");
				return rc;
			}
			continue;
		}
		if (m->base == MANIFEST_BASE_SOURCE && gn_platform_equal(p, &hosts[0])) {
			continue;
		}
		if (!gn_platform_in(p, want, *n_want)) {
			want[(*n_want)++] = *p;
		}
	}
	return 0;
}

/* The trees a lock keeps from previous, and a warning per unused pin. */
static void
lock_finish(const struct manifest *m, const struct lock *previous, struct lock *out,
	    const struct gn_events *events)
{
	for (size_t i = 0; i < out->n_hosts; i++) {
		struct lock_goroot *g = &out->goroots[i];

		g->host = out->hosts[i];
		if (keep_goroot(previous, out, &g->host)) {
			memcpy(g->tree, lock_goroot_for(previous, &g->host)->tree, sizeof(g->tree));
		}
	}
	out->n_goroots = out->n_hosts;
	lock_sort(out);
	lock_warn_nothing_to_merge(out, events);
	for (size_t i = 0; i < m->n_checksums; i++) {
		if (!lock_find_artifact(out, m->checksums[i].file)) {
			struct gn_event ev = {.kind = GN_EV_WARNING, .name = m->checksums[i].file};
			char msg[GN_ERR_TEXT];

			snprintf(msg, sizeof(msg), "checksums: %s is pinned but not locked (unused pin)",
				 m->checksums[i].file);
			ev.message = msg;
			gn_emit(events, &ev);
		}
	}
}

int
lock_resolve(struct gn_arena *arena, const struct manifest *m, const char *manifest_digest,
	     const struct gn_platform *default_host, const struct lock_index *index,
	     const struct lock *previous, bool upgrade, struct lock *out,
	     const struct gn_events *events, struct gn_error *err)
{
	const struct lock_index_release *rel = NULL;
	const struct gn_platform *hosts;
	size_t n_hosts, n_want = 0;
	struct gn_platform *want;
	int rc;

	memset(out, 0, sizeof(*out));
	hosts = m->hosts_default ? default_host : m->hosts;
	n_hosts = m->hosts_default ? (default_host ? 1 : 0) : m->n_hosts;
	if (n_hosts == 0) {
		return gn_error_set(err, GN_E_RESOLVE, "no host platform: set hosts: in the manifest");
	}
	want = gn_arena_array(arena, n_hosts + m->n_platforms + 1, sizeof(*want));
	if (!want) {
		return gn_error_set(err, GN_E_NOMEM, "out of memory resolving the lock");
	}
	if ((rc = choose_release(m, index, previous, upgrade, &rel, err)) < 0 ||
	    (rc = lock_begin(arena, m, manifest_digest, rel, hosts, n_hosts, out, err)) < 0) {
		goto fail;
	}
	if (m->base == MANIFEST_BASE_SOURCE) {
		if ((rc = check_source_host(m, hosts, n_hosts, default_host, err)) < 0) {
			goto fail;
		}
		memset(&want[n_want++], 0, sizeof(*want));
	}
	if ((rc = wanted_platforms(m, rel, hosts, n_hosts, want, &n_want, err)) < 0) {
		goto fail;
	}
	for (size_t i = 0; i < n_want; i++) {
		if ((rc = fill_artifact(m, rel, &want[i], previous, &out->artifacts[i], err)) < 0) {
			goto fail;
		}
		out->n_artifacts++;
	}
	lock_sort(out);
	lock_finish(m, previous, out, events);
	gn_emitf(events, GN_EV_INFO, "resolved %s (%zu artifacts)", out->go, out->n_artifacts);
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return rc;
}
