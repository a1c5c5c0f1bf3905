#include "builder/trust.h"

#include "builder/dirhash.h"
#include "builder/toolchain.h"
#include "gn/fs.h"
#include "gn/goversion.h"
#include "gn/platform.h"

#include <stdio.h>
#include <string.h>

bool
trust_applies(const char *go, const struct lock_artifact *a)
{
	struct gn_goversion v;
	size_t n = strlen(a->file);
	bool archive = (n > 7 && strcmp(a->file + n - 7, ".tar.gz") == 0) ||
		       (n > 4 && strcmp(a->file + n - 4, ".zip") == 0);

	return !gn_artifact_is_source(a->os, a->arch) && archive &&
	       gn_goversion_parse(go, &v) == 0 &&
	       gn_goversion_at_least(&v, 1, 21);
}

bool
trust_module_version(const char *go, const struct lock_artifact *a, char *out, size_t len)
{
	struct gn_platform p;

	if (!gn_platform_from_index(a->os, a->arch, &p)) {
		return false;
	}
	return (size_t)snprintf(out, len, "v0.0.1-%s.%s-%s", go, p.os, p.arch) < len;
}

static int
open_db(const struct trust_opts *opts, struct sumdb *db, struct gn_error *err)
{
	struct sumdb_opts so = {
		.config = opts->sumdb,
		.proxies = opts->proxies,
		.n_proxies = opts->n_proxies,
		.cache = opts->cache,
		.events = opts->events,
		.net = opts->net,
	};

	return sumdb_open(db, &so, err);
}

static int
check_one(struct sumdb *db, const char *go, struct lock_artifact *a, const char *path,
	  struct gn_arena *arena, struct gn_error *err)
{
	char version[128], logged[DIRHASH_H1_LEN], local[DIRHASH_H1_LEN];
	char logged_mod[DIRHASH_H1_LEN] = "";
	char want[GN_ERR_VALUE], got[GN_ERR_VALUE];
	bool module_zip = toolchain_module_version(a->file, version, sizeof(version));
	int rc;

	if (!module_zip && !trust_module_version(go, a, version, sizeof(version))) {
		return gn_error_set(err, GN_E_LOCK, "%s: no Go platform for %s/%s", a->file, a->os,
				    a->arch);
	}
	if ((rc = sumdb_lookup(db, TRUST_MODULE, version, logged, module_zip ? logged_mod : NULL,
			       err)) < 0) {
		return rc;
	}
	if (module_zip) {
		/* The .mod the proxy served is TOOLCHAIN_GO_MOD (builder/toolchain.c). */
		struct dirhash_file mod = { .name = "go.mod" };
		char local_mod[DIRHASH_H1_LEN];

		gn_sha256(TOOLCHAIN_GO_MOD, strlen(TOOLCHAIN_GO_MOD), mod.sha256);
		if ((rc = dirhash_hash1(&mod, 1, local_mod, err)) < 0) {
			return rc;
		}
		if (strcmp(local_mod, logged_mod) != 0) {
			rc = gn_error_set(err, GN_E_INTEGRITY,
					  "%s: the checksum database %s records another go.mod for "
					  "%s@%s",
					  a->file, db->key.name, TRUST_MODULE, version);
			gn_error_values(err, local_mod, logged_mod);
			return rc;
		}
	}
	rc = module_zip ? dirhash_zip(path, local, err)
			: dirhash_toolchain_dist(path, version, local, err);
	if (rc < 0) {
		return rc;
	}
	gn_emitf(db->events, GN_EV_DEBUG, "%s: %s@%s %s in %s", a->file, TRUST_MODULE, version,
		 logged, db->key.name);
	if (strcmp(local, logged) != 0 && module_zip) {
		rc = gn_error_set(
			err, GN_E_INTEGRITY,
			"%s: the module zip from the proxy and the checksum database %s "
			"disagree: the zip hashes to %s, but the log records %s for %s@%s",
			a->file, db->key.name, local, logged, TRUST_MODULE, version);
		gn_text(want, sizeof(want), "%s (checksum database %s)", logged, db->key.name);
		gn_text(got, sizeof(got), "%s (module zip, sha256 %.16s...)", local, a->sha256);
		gn_error_values(err, want, got);
		return rc;
	}
	if (strcmp(local, logged) != 0) {
		rc = gn_error_set(err, GN_E_INTEGRITY,
				  "%s: the release index and the checksum database %s disagree: "
				  "the archive with the index's sha256 %s holds files that hash to "
				  "%s, but the log records %s for %s@%s",
				  a->file, db->key.name, a->sha256, local, logged, TRUST_MODULE,
				  version);
		gn_text(want, sizeof(want), "%s (checksum database %s)", logged, db->key.name);
		gn_text(got, sizeof(got), "%s (release index sha256 %.16s...)", local, a->sha256);
		gn_error_values(err, want, got);
		return rc;
	}
	a->h1 = gn_arena_strdup(arena, logged);
	return a->h1 ? 0 : gn_error_nomem(err);
}

int
trust_check_index(const struct trust_opts *opts, const char *go, struct lock_artifact **arts,
		  const char *const *paths, size_t n, struct gn_arena *arena, struct gn_error *err)
{
	struct sumdb db;
	int rc;

	if ((rc = open_db(opts, &db, err)) < 0) {
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = check_one(&db, go, arts[i], paths[i], arena, err);
	}
	if (rc == 0) {
		rc = sumdb_save(&db, err);
	}
	sumdb_close(&db);
	return rc;
}

int
trust_check_upstream(const struct trust_opts *opts, struct trust_upstream *res,
		     struct gn_error *err)
{
	struct sumdb db;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = open_db(opts, &db, err)) < 0) {
		return rc;
	}
	res->had_head = db.have_seen;
	if (db.have_seen) {
		sumdb_format_head(&db.seen, res->seen);
	}
	rc = sumdb_latest(&db, err);
	if (rc == 0) {
		sumdb_format_head(&db.best, res->now);
		res->moved = db.have_seen && db.best.n > db.seen.n;
	}
	sumdb_close(&db);
	return rc;
}
