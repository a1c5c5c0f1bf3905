/*
 * builder/env.c - the environment `gonative env` prints and `gonative
 * exec` sets: GOROOT, GOTOOLCHAIN=local and, for a --target, GOOS/GOARCH
 * and the Zig C cross compiler.
 */
#include "builder/project_private.h"

#include "builder/zig.h"
#include "lockfiles/zigtarget.h"

#include <stdio.h>
#include <string.h>

static int
put(struct project *p, struct project_env *out, const char *name, const char *value,
    struct gn_error *err)
{
	if (out->n == PROJECT_ENV_MAX) {
		return gn_error_set(err, GN_E_NOMEM, "too many environment variables");
	}
	out->vars[out->n].name = name;
	out->vars[out->n].value = gn_arena_strdup(&p->arena, value);
	if (!out->vars[out->n].value) {
		return gn_error_nomem(err);
	}
	out->n++;
	return 0;
}

/* The zig path as one field of Go's CC splitting (cmd/internal/quoted:
 * fields split at blanks, '...' or "..." group one field). */
static const char *
go_field(struct gn_arena *arena, const char *path, struct gn_error *err)
{
	if (!strpbrk(path, " \t\n\r'\"")) {
		return path;
	}
	if (!strchr(path, '\'')) {
		return gn_arena_printf(arena, "'%s'", path);
	}
	if (!strchr(path, '"')) {
		return gn_arena_printf(arena, "\"%s\"", path);
	}
	gn_error_set(err, GN_E_USAGE,
		     "%s holds both kinds of quotes; Go cannot take it as CC (move the install "
		     "folder)",
		     path);
	return NULL;
}

/* CGO_ENABLED, CC, CXX and Zig's caches for a target Zig serves. */
static int
put_cc(struct project *p, struct project_env *out, const struct lock_cc_target *t,
       struct gn_error *err)
{
	char zig[GN_PATH_MAX + 8], global[GN_PATH_MAX + 16], local[GN_PATH_MAX + 16];
	const char *field, *cc, *cxx;
	int rc;

	if (!p->cache.root[0] && (rc = cache_open(&p->cache, p->opts.cache_dir, err)) < 0) {
		return rc;
	}
	zig_binary_path(&p->zig_install, &p->host, zig, sizeof(zig));
	if (!(field = go_field(&p->arena, zig, err))) {
		return -GN_E_USAGE;
	}
	cc = gn_arena_printf(&p->arena, "%s cc -target %s", field, t->triple);
	cxx = gn_arena_printf(&p->arena, "%s c++ -target %s", field, t->triple);
	if (!cc || !cxx) {
		return gn_error_nomem(err);
	}
	zig_cache_dirs(&p->cache, global, local, sizeof(global));
	/*
	 * CGO_LDFLAGS: Go's default is "-g -O2", and Go puts it after the "-s"
	 * that -ldflags=-s hands the external linker; zig cc takes the later
	 * -g as "keep debug info", so the C parts' DWARF (which names the Zig
	 * install folder) would stay.  Without -g at link time zig keeps debug
	 * info unless told -s.  musl means static: Go also passes -rdynamic,
	 * which makes zig emit a static-pie with a dynamic section unless the
	 * link gets -static.
	 */
	if ((rc = put(p, out, "CGO_LDFLAGS",
		      strstr(t->triple, "-linux-musl") ? "-O2 -static" : "-O2", err)) < 0) {
		return rc;
	}
	if ((rc = put(p, out, "CGO_ENABLED", "1", err)) < 0 ||
	    (rc = put(p, out, "CC", cc, err)) < 0 || (rc = put(p, out, "CXX", cxx, err)) < 0 ||
	    (rc = put(p, out, "ZIG_GLOBAL_CACHE_DIR", global, err)) < 0) {
		return rc;
	}
	return put(p, out, "ZIG_LOCAL_CACHE_DIR", local, err);
}

static int
put_target(struct project *p, struct project_env *out, const char *target, struct gn_error *err)
{
	struct gn_platform t;
	const struct lock_cc_target *cc;
	const char *goarm;
	int rc;

	if (gn_platform_parse(target, &t) != GN_PLATFORM_OK) {
		return gn_error_set(err, GN_E_USAGE,
				    "--target %s is not a platform (write os/arch, e.g. linux/arm64)",
				    target);
	}
	if (!p->have_lock) {
		return gn_error_set(err, GN_E_LOCK, "%s does not exist (run `gonative lock`)",
				    p->lock_path);
	}
	if (!gn_platform_in(&t, p->lock.platforms, p->lock.n_platforms) &&
	    !gn_platform_equal(&t, &p->host)) {
		return gn_error_set(err, GN_E_USAGE,
				    "--target %s is not one of the locked platforms (add it to "
				    "platforms: in %s)",
				    target, p->manifest.path);
	}
	if ((rc = put(p, out, "GOOS", t.os, err)) < 0 || (rc = put(p, out, "GOARCH", t.arch, err)) < 0) {
		return rc;
	}
	goarm = zig_target_goarm(&t);
	if (goarm && (rc = put(p, out, "GOARM", goarm, err)) < 0) {
		return rc;
	}
	if (!p->lock.cc.zig || !lock_cc_host_for(&p->lock, &p->host)) {
		return 0; /* no cc: Go's own defaults */
	}
	cc = lock_cc_target_for(&p->lock, &t);
	if (!cc && gn_platform_in(&t, p->lock.platforms, p->lock.n_platforms)) {
		/* cc.skip: no C compiler, so no cgo. */
		return put(p, out, "CGO_ENABLED", "0", err);
	}
	if (!cc) {
		return 0; /* the host itself, not a platform: its own C compiler */
	}
	return put_cc(p, out, cc, err);
}

int
project_env(struct project *p, const char *target, struct project_env *out, struct gn_error *err)
{
	char bin[GN_PATH_MAX + 8];
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(bin, sizeof(bin), "%s/bin", p->install.root);
	out->path = gn_arena_strdup(&p->arena, bin);
	if (!out->path) {
		return gn_error_nomem(err);
	}
	if ((rc = put(p, out, "GOROOT", p->install.root, err)) < 0 ||
	    (rc = put(p, out, "GOTOOLCHAIN", "local", err)) < 0) {
		return rc;
	}
	return target ? put_target(p, out, target, err) : 0;
}
