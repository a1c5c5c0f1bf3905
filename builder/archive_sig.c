/*
 * builder/archive_sig.c - the archive checks beyond sha256: a minisign
 * signature from a trusted key (signatures.keys; the signer goes into the
 * lock), an OpenPGP one (signatures.gpg, builder/gpgv.h), and with sumdb:
 * the h1 the checksum database records (builder/trust.h).  Each runs in
 * the fetch hook, before a download may enter the cache, or on a cached
 * archive not yet checked in this run.
 */
#include "builder/project_private.h"

#include "builder/cachefetch.h"

#include "builder/gpgv.h"
#include "builder/registry.h"
#include "gn/fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct minisign_verify_opts
archive_sig_opts(const struct project *p, const char *expect_file)
{
	struct minisign_verify_opts vo = {
		.keys = p->keys,
		.n_keys = p->n_keys,
		.allow_legacy = p->manifest.signatures.allow_legacy,
		.expect_file = expect_file,
	};
	return vo;
}

static bool
needs_signature(const struct project *p, const struct lock_artifact *a)
{
	return p->manifest.signatures.require_archives || a->signed_by;
}

/* The signer must be the one the lock names; a new lock records it. */
static int
accept_signer(struct project *p, struct lock_artifact *a, const uint8_t keyid[8], bool record,
	      struct gn_error *err)
{
	char text[MINISIGN_KEYID_TEXT];

	minisign_keyid_format(keyid, text);
	if (a->signed_by && strcmp(a->signed_by, text) != 0) {
		int rc = gn_error_set(err, GN_E_SIGNATURE,
				      "%s is signed by key %s, but the lock says %s", a->file, text,
				      a->signed_by);
		gn_error_values(err, a->signed_by, text);
		return rc;
	}
	if (!a->signed_by && record) {
		a->signed_by = gn_arena_strdup(&p->arena, text);
	}
	shaset_add(&p->arena, &p->signed_ok, a->sha256);
	return 0;
}

/* Verify archive at path against the signature file at sig_path. */
static int
verify_archive(struct project *p, struct lock_artifact *a, bool record, const char *path,
	       const char *sig_path, const char *sig_name, struct gn_error *err)
{
	struct minisign_verify_opts vo = archive_sig_opts(p, a->file);
	uint8_t signer[8];
	char *sig = NULL;
	size_t sig_len = 0;
	int rc;

	if (cache_read_file(&p->cache, sig_path, SIGNATURE_MAX_BYTES, &sig, &sig_len, NULL) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE, "%s has no signature", a->file);
		gn_error_url(err, sig_name);
		return rc;
	}
	rc = minisign_verify_file(path, sig, sig_len, sig_name, &vo, signer, err);
	free(sig);
	if (rc < 0) {
		return rc;
	}
	if ((rc = accept_signer(p, a, signer, record, err)) == 0) {
		gn_emitf(p->opts.events, GN_EV_DEBUG, "%s: signed by %s", a->file,
			 a->signed_by ? a->signed_by : "a trusted key");
	}
	return rc;
}

struct hook_check {
	struct archive_sig_job *job;
	const char *part;
	const char *sig_url;
};

static int
check_fetched(void *user, const char *sig_path, struct gn_error *err)
{
	struct hook_check *c = user;

	return verify_archive(c->job->p, c->job->artifact, c->job->record, c->part, sig_path,
			      c->sig_url, err);
}

/* fetch hook: the archive is complete and its sha256 checked; its
 * signature must check out too before it may enter the cache. */
static int
signature_hook(void *user, const struct fetch_request *req, const char *part, const char *url,
	       struct gn_error *err)
{
	struct archive_sig_job *job = user;
	struct project *p = job->p;
	struct hook_check check = {.job = job, .part = part};
	struct fetch_opts fo = download_opts(p);
	struct gn_error why;
	int rc;

	gn_error_clear(&why);
	if (registry_signature_for(p, url, job->artifact->file, job->artifact->sha256,
				   &check.sig_url, &why) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE, "%s: no signature on this mirror (%s)",
				  job->artifact->file, why.message);
		gn_error_url(err, url);
		return rc;
	}
	return cachefetch_signature(&p->cache, &fo, job->artifact->file, req->dest, check.sig_url,
				    SIGNATURE_MAX_BYTES, check_fetched, &check, err);
}

/*
 * A cached archive whose signature was not checked this run: use the
 * signature cached beside it, or fetch one from the mirrors.
 */
static int
ensure_signature(struct project *p, struct lock_artifact *a, bool record, struct gn_error *err)
{
	char path[GN_PATH_MAX], sig_path[GN_PATH_MAX + 16], sig_new[GN_PATH_MAX + 32];
	int rc = 0;

	cache_archive_path(&p->cache, a->sha256, path);
	snprintf(sig_path, sizeof(sig_path), "%s.minisig", path);
	{
		char name[96];

		snprintf(name, sizeof(name), "%s.minisig", a->sha256);
		cache_tmp_path(&p->cache, name, sig_new);
	}
	if (cache_is_file(&p->cache, sig_path, true)) {
		return verify_archive(p, a, record, path, sig_path, sig_path, err);
	}
	if (p->opts.offline) {
		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "%s: no cached signature and --offline was given", a->file);
		return rc;
	}
	for (size_t m = 0; m < p->manifest.n_mirrors; m++) {
		const char *sig_url = NULL;
		struct gn_error fetch_err;

		gn_error_clear(&fetch_err);
		if (registry_signature_url(p, m, a->file, a->sha256, &sig_url, &fetch_err) < 0 ||
		    download_small(p, "signature", sig_url, sig_new, SIGNATURE_MAX_BYTES,
				   &fetch_err) < 0) {
			rc = gn_error_set(err, GN_E_SIGNATURE, "%s: no signature on any mirror: %s",
					  a->file, fetch_err.message);
			gn_error_url(err, sig_url ? sig_url : p->manifest.mirrors[m]);
			continue;
		}
		rc = verify_archive(p, a, record, path, sig_new, sig_url, err);
		if (rc == 0 && cache_rename(&p->cache, sig_new, sig_path) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", sig_path,
					  strerror(errno));
		}
		cache_unlink(&p->cache, sig_new);
		if (rc == 0) {
			return 0;
		}
	}
	return rc < 0 ? rc : gn_error_set(err, GN_E_SIGNATURE, "%s has no signature", a->file);
}

/* signatures.gpg: every .tar.gz needs a good "<file>.asc" (builder/gpgv.h). */
static bool
needs_gpg(const struct project *p, const struct lock_artifact *a)
{
	size_t n = strlen(a->file);

	return p->manifest.n_gpg_keyrings > 0 && n > 7 && strcmp(a->file + n - 7, ".tar.gz") == 0;
}

static int
gpg_check(struct project *p, const struct lock_artifact *a, const char *archive,
	  const char *asc, const char *asc_name, struct gn_error *err)
{
	const char **rings = gn_arena_array(&p->arena, p->manifest.n_gpg_keyrings,
					    sizeof(*rings));
	char tmp[GN_PATH_MAX];
	struct gpgv_result res;
	int rc;

	if (!rings) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < p->manifest.n_gpg_keyrings; i++) {
		const char *ring = p->manifest.gpg_keyrings[i];
		char *abs = ring[0] == '/' ? NULL : realpath(p->manifest.dir, NULL);

		rings[i] = ring[0] == '/' ? ring : gn_arena_printf(&p->arena, "%s/%s", abs, ring);
		free(abs);
		if (!rings[i] || !gn_path_exists(rings[i])) {
			return gn_error_at(err, GN_E_MANIFEST, p->manifest.path, 0, 0,
					   "signatures.gpg: keyring %s does not exist", ring);
		}
	}
	cache_tmp_path(&p->cache, "", tmp);
	{
		struct gpgv_opts go = {
			.keyrings = rings,
			.n_keyrings = p->manifest.n_gpg_keyrings,
			.fingerprints = p->manifest.gpg_fingerprints,
			.n_fingerprints = p->manifest.n_gpg_fingerprints,
			.tmp = tmp,
		};
		rc = gpgv_verify(&go, archive, asc, &res, err);
	}
	if (rc < 0) {
		char why[GN_ERR_TEXT];

		snprintf(why, sizeof(why), "%s", err->message);
		if (rc == -GN_E_SIGNATURE) {
			rc = gn_error_set(err, GN_E_SIGNATURE, "%s: OpenPGP signature refused: %s",
					  a->file, why);
			gn_error_url(err, asc_name);
		}
		return rc;
	}
	gn_emitf(p->opts.events, GN_EV_DEBUG, "%s: OpenPGP signature by %s (key %s)%s", a->file,
		 res.signer, res.primary, res.key_expired ? ", key expired since" : "");
	shaset_add(&p->arena, &p->gpg_ok, a->sha256);
	return 0;
}

/* Fetch "<url>.asc" to asc_tmp and check archive against it. */
static int
gpg_fetch_check(struct project *p, const struct lock_artifact *a, const char *archive,
		const char *url, const char *asc_tmp, struct gn_error *err)
{
	const char *asc_url = gn_arena_printf(&p->arena, "%s.asc", url);
	struct gn_error fetch_err;
	int rc;

	gn_error_clear(&fetch_err);
	if (!asc_url) {
		return gn_error_nomem(err);
	}
	if (download_small(p, "signature", asc_url, asc_tmp, SIGNATURE_MAX_BYTES, &fetch_err) < 0) {
		rc = gn_error_set(err, GN_E_SIGNATURE,
				  "%s: no OpenPGP signature (.asc), and signatures.gpg requires "
				  "one: %s",
				  a->file, fetch_err.message);
		gn_error_url(err, asc_url);
		return rc;
	}
	return gpg_check(p, a, archive, asc_tmp, asc_url, err);
}

/* A cached archive not checked this run: its cached .asc, or the mirrors'. */
static int
ensure_gpg(struct project *p, const struct lock_artifact *a, struct gn_error *err)
{
	char path[GN_PATH_MAX], asc[GN_PATH_MAX + 8], asc_new[GN_PATH_MAX + 32];
	const char **urls = NULL;
	size_t n_urls = 0;
	char name[96];
	int rc = 0;

	cache_archive_path(&p->cache, a->sha256, path);
	snprintf(asc, sizeof(asc), "%s.asc", path);
	if (gn_path_exists(asc)) {
		return gpg_check(p, a, path, asc, asc, err);
	}
	if (p->opts.offline) {
		return gn_error_set(err, GN_E_SIGNATURE,
				    "%s: no cached OpenPGP signature and --offline was given",
				    a->file);
	}
	snprintf(name, sizeof(name), "%s.asc", a->sha256);
	cache_tmp_path(&p->cache, name, asc_new);
	if ((rc = registry_file_urls(p, a->file, a->sha256, &urls, &n_urls, err)) < 0) {
		return rc;
	}
	for (size_t m = 0; m < n_urls; m++) {
		rc = gpg_fetch_check(p, a, path, urls[m], asc_new, err);
		if (rc == 0 && cache_rename(&p->cache, asc_new, asc) != 0) {
			rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", asc, strerror(errno));
		}
		cache_unlink(&p->cache, asc_new);
		if (rc == 0 || rc != -GN_E_SIGNATURE) {
			return rc;
		}
	}
	return rc;
}

/* fetch hook: minisign and OpenPGP, whichever the manifest asks for. */
int
archive_sig_hook(void *user, const struct fetch_request *req, const char *part, const char *url,
	     struct gn_error *err)
{
	struct archive_sig_job *job = user;
	struct project *p = job->p;
	char asc_new[GN_PATH_MAX + 32], asc[GN_PATH_MAX + 8], name[96];
	int rc;

	if (needs_signature(p, job->artifact) &&
	    (rc = signature_hook(user, req, part, url, err)) < 0) {
		return rc;
	}
	if (!needs_gpg(p, job->artifact)) {
		return 0;
	}
	snprintf(name, sizeof(name), "%s.asc", gn_basename(req->dest));
	cache_tmp_path(&p->cache, name, asc_new);
	snprintf(asc, sizeof(asc), "%s.asc", req->dest);
	rc = gpg_fetch_check(p, job->artifact, part, url, asc_new, err);
	if (rc == 0 && cache_rename(&p->cache, asc_new, asc) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot cache %s: %s", asc, strerror(errno));
	}
	cache_unlink(&p->cache, asc_new);
	return rc;
}

bool
archive_sig_needed(const struct project *p, const struct lock_artifact *a)
{
	return needs_signature(p, a) || needs_gpg(p, a);
}

int
archive_sig_ensure(struct project *p, struct lock_artifact *a, bool record, struct gn_error *err)
{
	int rc;

	if (needs_signature(p, a) && !shaset_has(&p->signed_ok, a->sha256) &&
	    (rc = ensure_signature(p, a, record, err)) < 0) {
		return rc;
	}
	if (needs_gpg(p, a) && !shaset_has(&p->gpg_ok, a->sha256) &&
	    (rc = ensure_gpg(p, a, err)) < 0) {
		return rc;
	}
	return 0;
}

struct trust_opts
archive_sig_trust_opts(struct project *p)
{
	struct trust_opts to = {
		.sumdb = p->manifest.sumdb,
		.proxies = p->manifest.proxies,
		.n_proxies = p->manifest.n_proxies,
		.cache = &p->cache,
		.events = p->opts.events,
		.net = p->opts.net,
	};
	return to;
}

/*
 * sumdb: set: each Go >= 1.21 binary archive must reproduce the h1 the
 * checksum database records for its toolchain module (builder/trust.h).
 * An archive fetched in this run that fails leaves the cache again.
 */
int
archive_sig_trust_roots(struct project *p, struct lock *lock, struct gn_error *err)
{
	struct lock_artifact **arts;
	const char **paths;
	struct trust_opts to;
	size_t n = 0;
	int rc;

	if (!p->manifest.sumdb) {
		return 0;
	}
	arts = gn_arena_array(&p->arena, lock->n_artifacts + 1, sizeof(*arts));
	paths = gn_arena_array(&p->arena, lock->n_artifacts + 1, sizeof(*paths));
	if (!arts || !paths) {
		return gn_error_nomem(err);
	}
	for (size_t i = 0; i < lock->n_artifacts; i++) {
		if (project_from_proxy(p) || trust_applies(lock->go, &lock->artifacts[i])) {
			arts[n++] = &lock->artifacts[i];
		}
	}
	if (n == 0) {
		return 0;
	}
	if (p->opts.offline) {
		return gn_error_set(err, GN_E_OFFLINE,
				    "sumdb: the checksum database cannot be asked with --offline; "
				    "lock without it");
	}
	if ((rc = prefetch_artifacts(p, arts, n, true, err)) < 0) {
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		char *path = gn_arena_alloc(&p->arena, GN_PATH_MAX);
		if (!path) {
			return gn_error_nomem(err);
		}
		cache_archive_path(&p->cache, arts[i]->sha256, path);
		if (!cache_is_file(&p->cache, path, true)) {
			return gn_error_set(err, GN_E_INTEGRITY, "cached %s is not a regular file",
					    arts[i]->file);
		}
		paths[i] = path;
	}
	to = archive_sig_trust_opts(p);
	/* The head is written into the cache: under the lock. */
	cache_assert_locked(&p->cache);
	rc = trust_check_index(&to, lock->go, arts, paths, n, &p->arena, err);
	if (rc == -GN_E_INTEGRITY || rc == -GN_E_SIGNATURE) {
		for (size_t i = 0; i < n; i++) {
			if (shaset_has(&p->fetched, arts[i]->sha256)) {
				cache_evict_archive(&p->cache, arts[i]->sha256);
			}
		}
	}
	return rc;
}
