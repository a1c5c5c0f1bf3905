/*
 * The merge (docs/design.md section 6).
 *
 * Expansion bound per archive: size * 12 + 64 MiB.  Official Go archives
 * expand about 3-4x (tar.gz and zip alike), so this leaves a wide margin
 * while still stopping a decompression bomb early.  When the locked size is
 * unknown (0, as for some old index entries) the file's own size is used.
 */
#include "builder/merge.h"

#include "builder/tree.h"
#include "builder/unpack.h"
#include "gn/arena.h"

#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPAND_FACTOR 12
#define EXPAND_SLACK (64LL * 1024 * 1024)

struct merge_ctx {
	const struct merge_opts *opts;
	const struct gn_platform *target; /* NULL while unpacking the host */
	time_t newest;
	bool have_newest;
	size_t contributed;
	/* Paths merged from targets, for the Go < 1.10 mtime rule. */
	struct gn_arena arena;
	const char **merged;
	size_t n_merged;
	size_t cap_merged;
	bool oom;
};

/* Is path a folder leading to prefix ("pkg" for "pkg/linux_386")? */
static bool
leads_to(const char *path, const char *prefix)
{
	size_t n = strlen(path);

	return strncmp(prefix, path, n) == 0 && (prefix[n] == '/' || prefix[n] == '\0');
}

static bool
wants_zfile(const struct gn_platform *t, const char *dir, const char *relpath, bool is_dir)
{
	size_t n = strlen(dir);
	char pattern[64];
	const char *base;

	if (is_dir) {
		return leads_to(relpath, dir);
	}
	if (strncmp(relpath, dir, n) != 0 || relpath[n] != '/') {
		return false;
	}
	base = relpath + n + 1;
	if (strchr(base, '/')) {
		return false;
	}
	snprintf(pattern, sizeof(pattern), "z*_%s_%s*", t->os, t->arch);
	return fnmatch(pattern, base, 0) == 0;
}

bool
merge_wants(const struct gn_goversion *v, const struct gn_platform *t, const char *relpath,
	    bool is_dir)
{
	char pkg[64];
	size_t n;

	snprintf(pkg, sizeof(pkg), "pkg/%s_%s", t->os, t->arch);
	n = strlen(pkg);
	if (is_dir && (relpath[0] == '\0' || strcmp(relpath, "pkg") == 0)) {
		return true;
	}
	if (strncmp(relpath, pkg, n) == 0) {
		const char *rest = relpath + n;
		if (*rest == '\0') {
			return is_dir;
		}
		if (*rest == '/') {
			return true;
		}
		/* Variants: pkg/<os>_<arch>_race, _dynlink, _shared, ... */
		if (*rest == '_' && rest[1] != '\0' && rest[1] != '/') {
			return strchr(rest, '/') ? true : is_dir;
		}
		return false;
	}
	if (!gn_goversion_at_least(v, 1, 5)) {
		if (wants_zfile(t, "src/runtime", relpath, is_dir)) {
			return true;
		}
		if (!gn_goversion_at_least(v, 1, 4) &&
		    wants_zfile(t, "src/pkg/runtime", relpath, is_dir)) {
			return true;
		}
	}
	return false;
}

static bool
want_target(void *user, const char *path, bool is_dir)
{
	struct merge_ctx *ctx = user;

	return merge_wants(&ctx->opts->version, ctx->target, path, is_dir);
}

static void
wrote(void *user, const struct unpack_entry *entry)
{
	struct merge_ctx *ctx = user;

	if (!ctx->have_newest || entry->mtime > ctx->newest) {
		ctx->newest = entry->mtime;
		ctx->have_newest = true;
	}
	if (!ctx->target) {
		return;
	}
	ctx->contributed++;
	if (ctx->n_merged == ctx->cap_merged) {
		size_t cap = ctx->cap_merged ? ctx->cap_merged * 2 : 256;
		const char **grown = realloc(ctx->merged, cap * sizeof(*grown));
		if (!grown) {
			ctx->oom = true;
			return;
		}
		ctx->merged = grown;
		ctx->cap_merged = cap;
	}
	ctx->merged[ctx->n_merged] = gn_arena_strdup(&ctx->arena, entry->path);
	if (!ctx->merged[ctx->n_merged]) {
		ctx->oom = true;
		return;
	}
	ctx->n_merged++;
}

static int64_t
expand_limit(const struct merge_source *src)
{
	int64_t size = src->size;
	struct stat st;

	if (size <= 0 && stat(src->archive, &st) == 0) {
		size = st.st_size;
	}
	if (size <= 0) {
		return EXPAND_SLACK;
	}
	if (size > (INT64_MAX - EXPAND_SLACK) / EXPAND_FACTOR) {
		return INT64_MAX;
	}
	return size * EXPAND_FACTOR + EXPAND_SLACK;
}

static int
unpack_one(struct merge_ctx *ctx, const struct merge_source *src, struct tree *tree,
	   struct gn_error *err)
{
	struct unpack_opts uo = {
	    .archive = src->archive,
	    .name = src->file,
	    .dest = ctx->opts->dest,
	    .expect_sha256 = src->sha256,
	    .max_bytes = expand_limit(src),
	    .want = ctx->target ? want_target : NULL,
	    .wrote = wrote,
	    .user = ctx,
	    .tree = tree,
	    /* Every entry in dest passed through this tree, unless make.bash
	     * built the host there. */
	    .fresh_dest = !ctx->opts->host_prebuilt,
	    .events = ctx->opts->events,
	};
	int rc = unpack_archive(&uo, err);

	if (rc == 0 && ctx->oom) {
		rc = gn_error_nomem(err);
	}
	return rc;
}

/* -v shows each source's turn: with downloads overlapping, the order
 * proves the overlap (tests/e2e/test_31_overlap.py). */
static int
unpack_source(struct merge_ctx *ctx, const struct merge_source *src, struct tree *tree,
	      struct gn_error *err)
{
	int rc;

	gn_emitf(ctx->opts->events, GN_EV_DEBUG, "unpacking %s", src->file);
	rc = unpack_one(ctx, src, tree, err);
	if (rc == 0) {
		gn_emitf(ctx->opts->events, GN_EV_DEBUG, "unpacked %s", src->file);
	}
	return rc;
}

/* Go < 1.10 decides staleness by mtime: merged packages must look newest. */
static int
touch_merged(struct merge_ctx *ctx, struct gn_error *err)
{
	struct timespec times[2];
	int fd = open(ctx->opts->dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot open folder %s: %s", ctx->opts->dest,
				    strerror(errno));
	}
	times[0].tv_sec = ctx->newest + 1;
	times[0].tv_nsec = 0;
	times[1] = times[0];
	for (size_t i = 0; i < ctx->n_merged; i++) {
		if (utimensat(fd, ctx->merged[i], times, AT_SYMLINK_NOFOLLOW) != 0) {
			int saved = errno;
			close(fd);
			return gn_error_set(err, GN_E_IO, "cannot set the time of %s/%s: %s",
					    ctx->opts->dest, ctx->merged[i], strerror(saved));
		}
	}
	close(fd);
	return 0;
}

/* The newest mtime of a tree already on disk (for the Go < 1.10 rule). */
static struct merge_ctx *newest_ctx;

static int
newest_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if ((type == FTW_F || type == FTW_SL) &&
	    (!newest_ctx->have_newest || st->st_mtime > newest_ctx->newest)) {
		newest_ctx->newest = st->st_mtime;
		newest_ctx->have_newest = true;
	}
	return 0;
}

static int
newest_on_disk(struct merge_ctx *ctx, const char *dir, struct gn_error *err)
{
	int rc;

	newest_ctx = ctx;
	rc = nftw(dir, newest_visit, 32, FTW_PHYS);
	newest_ctx = NULL;
	if (rc != 0) {
		return gn_error_set(err, GN_E_IO, "cannot walk %s: %s", dir, strerror(errno));
	}
	return 0;
}

static int
source_ready(const struct merge_opts *opts, size_t i, struct gn_error *err)
{
	return opts->source_ready ? opts->source_ready(opts->ready_user, i, err) : 0;
}

int
merge_goroot(const struct merge_opts *opts, uint8_t tree_id[GN_SHA256_LEN], struct gn_error *err)
{
	struct merge_ctx ctx = {.opts = opts};
	struct tree *tree = tree_new();
	int rc;

	gn_arena_init(&ctx.arena);
	if (!tree) {
		return gn_error_nomem(err);
	}
	if (opts->host_prebuilt) {
		rc = opts->dest ? newest_on_disk(&ctx, opts->dest, err)
				: gn_error_set(err, GN_E_USAGE, "a prebuilt host needs a folder");
	} else if ((rc = source_ready(opts, 0, err)) == 0) {
		rc = unpack_source(&ctx, &opts->host, tree, err);
	}
	for (size_t i = 0; rc == 0 && i < opts->n_targets; i++) {
		const struct merge_source *t = &opts->targets[i];
		bool seen = gn_platform_equal(&t->platform, &opts->host.platform);
		char plat[GN_PLATFORM_TEXT];

		for (size_t j = 0; j < i && !seen; j++) {
			seen = gn_platform_equal(&t->platform, &opts->targets[j].platform);
		}
		if (seen) {
			continue;
		}
		ctx.target = &t->platform;
		ctx.contributed = 0;
		if ((rc = source_ready(opts, i + 1, err)) < 0) {
			break;
		}
		rc = unpack_source(&ctx, t, tree, err);
		if (rc == 0 && ctx.contributed == 0) {
			struct gn_event ev = {.kind = GN_EV_WARNING, .name = t->file};
			char msg[512], ver[32];
			gn_platform_format(&t->platform, plat, sizeof(plat));
			if (gn_goversion_at_least(&opts->version, 1, 20)) {
				snprintf(msg, sizeof(msg),
					 "%s: no pkg/%s_%s to merge (Go 1.20+ distributions ship "
					 "no precompiled std); %s cross builds compile std from "
					 "source",
					 t->file, t->platform.os, t->platform.arch, plat);
			} else {
				/* Official archives before 1.20 all carry it: this one
				 * was repacked or cut short upstream of the sha256. */
				gn_goversion_format(&opts->version, ver, sizeof(ver));
				snprintf(msg, sizeof(msg),
					 "%s: no pkg/%s_%s to merge, although %s distributions "
					 "ship a precompiled std (this archive lacks it); %s "
					 "cross builds compile std from source",
					 t->file, t->platform.os, t->platform.arch, ver, plat);
			}
			ev.message = msg;
			gn_emit(opts->events, &ev);
		}
	}
	if (rc == 0 && opts->dest && ctx.have_newest &&
	    !gn_goversion_at_least(&opts->version, 1, 10)) {
		rc = touch_merged(&ctx, err);
	}
	if (rc == 0) {
		/* Files written by a source build never passed through the tree. */
		rc = opts->host_prebuilt ? tree_hash_dir(opts->dest, tree_id, err)
					 : tree_root(tree, tree_id, err);
	}
	tree_free(tree);
	free(ctx.merged);
	gn_arena_free(&ctx.arena);
	return rc;
}
