/*
 * tests/lockfiles/test_resolve.c - resolver (manifest + index -> lock) and
 * drift (manifest vs lock), against the fixture index in common.h.
 */
#include "common.h"
#include "gn/error.h"
#include "gn/events.h"
#include "lockfiles/drift.h"
#include "lockfiles/lock.h"
#include "lockfiles/resolve.h"
#include "tap.h"

#define DIGEST "705c64251e5b25d5d55ede1039c6aa22bea40a7a931d14c370339853643c3df0"
#define PIN_X "1111111111111111111111111111111111111111111111111111111111111111"

static struct gn_arena idx_arena;
static struct lock_index idx;

struct captured {
	int warnings;
	char text[4096]; /* warnings, one a line */
};

static void
capture(void *user, const struct gn_event *ev)
{
	struct captured *c = user;

	if (ev->kind == GN_EV_WARNING) {
		size_t used = strlen(c->text);

		c->warnings++;
		snprintf(c->text + used, sizeof(c->text) - used, "%s\n", ev->message);
	}
}

struct run {
	struct gn_arena arena;
	struct manifest m;
	struct lock lock;
	struct gn_error err;
	struct captured cap;
	int rc;
};

static int
resolve(struct run *r, const struct lock *previous, bool upgrade)
{
	struct gn_events events = {.fn = capture, .user = &r->cap};
	struct gn_platform host;

	gn_platform_parse("linux/amd64", &host);
	memset(&r->cap, 0, sizeof(r->cap));
	gn_error_clear(&r->err);
	r->rc = lock_resolve(&r->arena, &r->m, DIGEST, &host, &idx, previous, upgrade, &r->lock,
			     &events, &r->err);
	if (r->rc != 0) {
		tap_diag("resolve: %s (expected %s, got %s)", r->err.message, r->err.expected,
			 r->err.got);
	}
	return r->rc;
}

/* resolve() that must succeed: a failure is a failed test point, never a
 * silently skipped block. */
static bool
resolve_ok(struct run *r, const struct lock *previous, bool upgrade)
{
	resolve(r, previous, upgrade);
	return TAP_OK(r->rc == 0, "go: %s, hosts %zu, platforms %zu resolves", r->m.go,
		      r->m.n_hosts, r->m.n_platforms);
}

static void
run_init(struct run *r, const char *go, const char *hosts, const char *platforms)
{
	memset(r, 0, sizeof(*r));
	make_manifest(&r->arena, &r->m, go, hosts, platforms);
}

static void
run_free(struct run *r)
{
	gn_arena_free(&r->arena);
}

static bool
has_file(const struct lock *l, const char *file)
{
	return lock_find_artifact(l, file) != NULL;
}

static void
test_versions(void)
{
	static const struct {
		const char *spec, *want;
	} cases[] = {
		{"1.21.5", "go1.21.5"},	 {"go1.21.5", "go1.21.5"}, {"1.21", "go1.21.6"},
		{"stable", "go1.21.6"},	 {"1.20", "go1.20.12"},	   {"1.20.0", "go1.20"},
		{"1.20.12", "go1.20.12"}, {"1.22rc2", "go1.22rc2"}, {"go1.21rc4", "go1.21rc4"},
		{"1.19", "go1.19.13"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;

		run_init(&r, cases[i].spec, "linux/amd64", "");
		resolve(&r, NULL, false);
		TAP_OK(r.rc == 0 && strcmp(r.lock.go, cases[i].want) == 0, "go: %s -> %s",
		       cases[i].spec, cases[i].want);
		if (r.rc == 0 && strcmp(r.lock.go, cases[i].want) != 0) {
			tap_diag("got %s", r.lock.go);
		}
		run_free(&r);
	}

	/* A line whose only release is a prerelease matches nothing. */
	{
		struct run r;

		run_init(&r, "1.22", "linux/amd64", "");
		resolve(&r, NULL, false);
		TAP_EQ_INT(r.rc, -GN_E_RESOLVE, "go: 1.22 (only go1.22rc2 exists) -> GN_E_RESOLVE");
		TAP_OK(strstr(r.err.message, "go: 1.22") != NULL && r.err.line == 1 &&
			       strcmp(r.err.file, "gonative.yaml") == 0,
		       "no-match error names the spec and its manifest position");
		run_free(&r);
		run_init(&r, "1.21.9", "linux/amd64", "");
		resolve(&r, NULL, false);
		TAP_EQ_INT(r.rc, -GN_E_RESOLVE, "go: 1.21.9 (absent) -> GN_E_RESOLVE");
		run_free(&r);
	}

	/* lock_version_matches */
	{
		struct gn_arena a = {0};
		struct manifest m;

		make_manifest(&a, &m, "1.20.0", "linux/amd64", "");
		TAP_OK(lock_version_matches(&m, "go1.20"), "exact 1.20.0 matches go1.20");
		TAP_OK(!lock_version_matches(&m, "go1.20.1"), "exact 1.20.0 does not match go1.20.1");
		make_manifest(&a, &m, "1.21", "linux/amd64", "");
		TAP_OK(lock_version_matches(&m, "go1.21.0") && lock_version_matches(&m, "go1.21.6"),
		       "line 1.21 matches its patches");
		TAP_OK(!lock_version_matches(&m, "go1.21rc4") && !lock_version_matches(&m, "go1.22.0"),
		       "line 1.21 does not match rc or another line");
		make_manifest(&a, &m, "stable", "linux/amd64", "");
		TAP_OK(lock_version_matches(&m, "go1.4.2") && !lock_version_matches(&m, "go1.22rc2") &&
			       !lock_version_matches(&m, "go1") && !lock_version_matches(&m, NULL),
		       "stable matches stable releases only");
		gn_arena_free(&a);
	}
}

static void
test_files(void)
{
	struct run r;
	char hex[GN_SHA256_HEX];
	const struct lock_artifact *a;

	/* Go < 1.20: every host and platform archive. */
	run_init(&r, "1.19.13", "linux/amd64,darwin/arm64",
		 "linux/arm,windows/amd64,linux/386,linux/amd64");
	if (resolve_ok(&r, NULL, false)) {
		TAP_EQ_INT(r.lock.n_artifacts, 5, "hosts + platforms, deduplicated: 5 artifacts");
		TAP_EQ_STR(r.lock.artifacts[0].file, "go1.19.13.darwin-arm64.tar.gz", "sorted [0]");
		TAP_EQ_STR(r.lock.artifacts[1].file, "go1.19.13.linux-386.tar.gz", "sorted [1]");
		TAP_EQ_STR(r.lock.artifacts[2].file, "go1.19.13.linux-amd64.tar.gz", "sorted [2]");
		TAP_EQ_STR(r.lock.artifacts[3].file, "go1.19.13.linux-armv6l.tar.gz",
			   "linux/arm -> armv6l file");
		TAP_EQ_STR(r.lock.artifacts[4].file, "go1.19.13.windows-amd64.zip",
			   "windows -> .zip, not .msi");
		TAP_EQ_STR(r.lock.artifacts[3].arch, "armv6l", "artifact arch in index spelling");
		TAP_EQ_INT(r.cap.warnings, 0, "no nothing-to-merge warning below Go 1.20");
	}
	run_free(&r);

	/* Go >= 1.20: nothing to merge, so only the hosts' archives. */
	run_init(&r, "1.21.5", "linux/amd64,darwin/arm64",
		 "linux/arm,windows/amd64,linux/386,linux/amd64");
	if (resolve_ok(&r, NULL, false)) {
		TAP_EQ_INT(r.lock.n_artifacts, 2, "Go 1.21: only the 2 hosts' archives");
		TAP_EQ_STR(r.lock.artifacts[0].file, "go1.21.5.darwin-arm64.tar.gz", "sorted [0]");
		TAP_EQ_STR(r.lock.artifacts[1].file, "go1.21.5.linux-amd64.tar.gz", "sorted [1]");
		a = &r.lock.artifacts[1];
		fixture_sha(a->file, hex);
		TAP_EQ_STR(a->sha256, hex, "sha256 from the index");
		TAP_EQ_INT(a->size, fixture_size(a->file), "size from the index");
		TAP_OK(a->signed_by == NULL, "signed_by left NULL");
		TAP_EQ_STR(r.lock.hosts[0].os, "darwin", "hosts sorted");
		TAP_EQ_INT(r.lock.n_platforms, 4, "platforms are exactly the manifest's");
		TAP_EQ_STR(r.lock.platforms[0].arch, "386", "platforms sorted");
		TAP_EQ_INT(r.lock.n_goroots, 2, "one goroot per host");
		TAP_OK(r.lock.goroots[0].tree[0] == '\0' && r.lock.goroots[1].tree[0] == '\0',
		       "trees left empty for the builder");
		TAP_EQ_STR(r.lock.manifest_digest, DIGEST, "manifest digest recorded");
		TAP_EQ_STR(r.lock.index, MANIFEST_DEFAULT_INDEX, "index URL recorded");
		TAP_EQ_INT(r.lock.version, LOCK_VERSION, "lock version");
		TAP_OK(strstr(r.cap.text, "go1.21.5: no precompiled std to merge for linux/386, "
					  "linux/arm, windows/amd64 (Go 1.20+ distributions ship no "
					  "precompiled std: no pkg/<os>_<arch>; their archives are "
					  "not downloaded)\n") != NULL,
		       "Go >= 1.20 warning names the non-host platforms");
		if (r.cap.warnings != 1) {
			tap_diag("warnings: %s", r.cap.text);
		}
	}
	run_free(&r);

	/* The whole resolved lock, canonically written. */
	run_init(&r, "1.21", "linux/amd64", "darwin/amd64,windows/amd64");
	if (resolve_ok(&r, NULL, false)) {
		char want[4096], h1[GN_SHA256_HEX], h2[GN_SHA256_HEX], h3[GN_SHA256_HEX];
		struct gn_buf out;

		fixture_sha("go1.21.6.darwin-amd64.tar.gz", h1);
		fixture_sha("go1.21.6.linux-amd64.tar.gz", h2);
		fixture_sha("go1.21.6.windows-amd64.zip", h3);
		snprintf(want, sizeof(want),
			 LOCK_HEADER "lock-version: 1\n"
				     "manifest-digest: sha256:" DIGEST "\n"
				     "go: go1.21.6\n"
				     "index: \"https://go.dev/dl/?mode=json&include=all\"\n"
				     "hosts: [linux/amd64]\n"
				     "platforms: [darwin/amd64, windows/amd64]\n"
				     "artifacts:\n"
				     "  - file: go1.21.6.linux-amd64.tar.gz\n"
				     "    os: linux\n    arch: amd64\n    size: %lld\n    sha256: %s\n"
				     "goroot:\n"
				     "  linux/amd64: \"\"\n",
			 fixture_size("go1.21.6.linux-amd64.tar.gz"), h2);
		(void)h1;
		(void)h3;
		gn_buf_init(&out);
		lock_write(&r.lock, &out);
		TAP_EQ_STR(out.data, want, "resolved lock writes the expected bytes");
		gn_buf_free(&out);
	}
	run_free(&r);

	/* Old darwin names: prefer -osx10.8; old files need pins. */
	run_init(&r, "1.4.2", "linux/amd64", "darwin/amd64");
	add_pin(&r.arena, &r.m, "go1.4.2.linux-amd64.tar.gz", PIN_X);
	add_pin(&r.arena, &r.m, "go1.4.2.darwin-amd64-osx10.8.tar.gz", PIN_X);
	if (resolve_ok(&r, NULL, false)) {
		TAP_OK(has_file(&r.lock, "go1.4.2.darwin-amd64-osx10.8.tar.gz") &&
			       !has_file(&r.lock, "go1.4.2.darwin-amd64-osx10.6.tar.gz"),
		       "darwin before 1.5 prefers the -osx10.8 archive");
		TAP_EQ_STR(lock_find_artifact(&r.lock, "go1.4.2.linux-amd64.tar.gz")->sha256, PIN_X,
			   "empty index sha256 + pin -> the pin is locked");
		TAP_EQ_INT(r.cap.warnings, 0, "no Go 1.20 warning for go1.4.2");
	}
	run_free(&r);

	run_init(&r, "1.4.2", "linux/amd64", "");
	resolve(&r, NULL, false);
	TAP_EQ_INT(r.rc, -GN_E_INTEGRITY, "empty index sha256 without a pin -> GN_E_INTEGRITY");
	TAP_OK(strstr(r.err.message, "go1.4.2.linux-amd64.tar.gz") != NULL,
	       "... naming the file");
	run_free(&r);

	/* Missing platform. */
	run_init(&r, "1.20", "linux/amd64", "linux/arm64");
	resolve(&r, NULL, false);
	TAP_EQ_INT(r.rc, -GN_E_RESOLVE, "platform absent from the release -> GN_E_RESOLVE");
	TAP_OK(strstr(r.err.message, "go1.20.12") && strstr(r.err.message, "linux/arm64"),
	       "... naming the release and platform");
	run_free(&r);

	/* Index junk (arch "arm6" in go1.19.13) is not a platform. */
	run_init(&r, "1.19", "linux/amd64", "linux/386");
	if (resolve_ok(&r, NULL, false)) {
		TAP_EQ_INT(r.lock.n_artifacts, 2, "go1.19.13: 2 artifacts, junk ignored");
		TAP_EQ_INT(r.cap.warnings, 0, "no Go 1.20 warning for go1.19");
	}
	run_free(&r);

	/* Default host. */
	run_init(&r, "1.21.5", NULL, "windows/amd64");
	if (resolve_ok(&r, NULL, false)) {
		TAP_OK(r.lock.n_hosts == 1 && strcmp(r.lock.hosts[0].os, "linux") == 0,
		       "absent hosts -> the default host");
		TAP_OK(has_file(&r.lock, "go1.21.5.linux-amd64.tar.gz"), "default host's archive");
	}
	run_free(&r);

	/* Hosts only: no warning (nothing to merge is expected). */
	run_init(&r, "1.21.5", "linux/amd64", "linux/amd64");
	if (resolve_ok(&r, NULL, false)) {
		TAP_EQ_INT(r.cap.warnings, 0, "no warning when every platform is a host");
	}
	run_free(&r);
}

static void
test_pins(void)
{
	struct run r;
	char hex[GN_SHA256_HEX];

	run_init(&r, "1.21.5", "linux/amd64", "");
	add_pin(&r.arena, &r.m, "go1.21.5.linux-amd64.tar.gz", PIN_X);
	resolve(&r, NULL, false);
	fixture_sha("go1.21.5.linux-amd64.tar.gz", hex);
	TAP_EQ_INT(r.rc, -GN_E_INTEGRITY, "pin disagreeing with the index -> GN_E_INTEGRITY");
	TAP_EQ_STR(r.err.expected, PIN_X, "expected: the pin");
	TAP_EQ_STR(r.err.got, hex, "got: the index sha256");
	TAP_OK(strstr(r.err.message, "go1.21.5.linux-amd64.tar.gz") != NULL &&
		       strcmp(r.err.file, "gonative.yaml") == 0 && r.err.line == 7,
	       "names the file and the pin's manifest line");
	run_free(&r);

	run_init(&r, "1.21.5", "linux/amd64", "");
	fixture_sha("go1.21.5.linux-amd64.tar.gz", hex);
	add_pin(&r.arena, &r.m, "go1.21.5.linux-amd64.tar.gz", hex);
	add_pin(&r.arena, &r.m, "go1.21.4.linux-amd64.tar.gz", PIN_X);
	if (resolve_ok(&r, NULL, false)) {
		TAP_EQ_INT(r.cap.warnings, 1, "one warning");
		TAP_OK(strstr(r.cap.text, "go1.21.4.linux-amd64.tar.gz is pinned but not locked") !=
			       NULL,
		       "unused pin warned about");
	}
	run_free(&r);
}

static void
test_previous(void)
{
	struct run first, r;
	struct lock prev;
	struct gn_arena a = {0};
	struct lock_artifact *arts;

	run_init(&first, "1.21.5", "linux/amd64", "linux/386");
	if (!resolve_ok(&first, NULL, false)) {
		run_free(&first);
		return;
	}
	prev = first.lock;
	/* The builder filled the tree. */
	snprintf(prev.goroots[0].tree, GN_TREE_ID_TEXT, "git-sha256:%s", DIGEST);

	run_init(&r, "1.21", "linux/amd64", "linux/386");
	if (resolve_ok(&r, &prev, false)) {
		TAP_EQ_STR(r.lock.go, "go1.21.5", "line spec keeps the locked go1.21.5");
		TAP_EQ_STR(r.lock.goroots[0].tree, prev.goroots[0].tree,
			   "same artifacts -> tree kept");
	}
	run_free(&r);

	run_init(&r, "1.21", "linux/amd64", "linux/386");
	if (resolve_ok(&r, &prev, true)) {
		TAP_EQ_STR(r.lock.go, "go1.21.6", "--upgrade moves to go1.21.6");
		TAP_EQ_STR(r.lock.goroots[0].tree, "", "new artifacts -> tree emptied");
	}
	run_free(&r);

	run_init(&r, "1.21", "linux/amd64", "linux/386,windows/amd64");
	if (resolve_ok(&r, &prev, false)) {
		TAP_EQ_STR(r.lock.go, "go1.21.5", "platform added: version still kept");
		TAP_EQ_STR(r.lock.goroots[0].tree, "", "platform added -> tree emptied");
	}
	run_free(&r);

	run_init(&r, "1.20", "linux/amd64", "");
	if (resolve_ok(&r, &prev, false)) {
		TAP_EQ_STR(r.lock.go, "go1.20.12", "spec no longer matching -> re-resolved");
	}
	run_free(&r);

	/* The index changed under the lock. */
	arts = gn_arena_array(&a, prev.n_artifacts, sizeof(*arts));
	memcpy(arts, prev.artifacts, prev.n_artifacts * sizeof(*arts));
	prev.artifacts = arts;
	snprintf(arts[0].sha256, GN_SHA256_HEX, "%s", PIN_X);
	run_init(&r, "1.21", "linux/amd64", "linux/386");
	resolve(&r, &prev, false);
	TAP_EQ_INT(r.rc, -GN_E_INTEGRITY, "locked sha256 differs from the index -> GN_E_INTEGRITY");
	TAP_EQ_STR(r.err.expected, PIN_X, "expected: the locked sha256");
	TAP_OK(strstr(r.err.message, arts[0].file) && strstr(r.err.message, "changed"),
	       "names the file: %s", r.err.message);
	run_free(&r);

	snprintf(arts[0].sha256, GN_SHA256_HEX, "%s", first.lock.artifacts[0].sha256);
	arts[0].size += 1;
	run_init(&r, "1.21", "linux/amd64", "linux/386");
	resolve(&r, &prev, false);
	TAP_EQ_INT(r.rc, -GN_E_INTEGRITY, "locked size differs from the index -> GN_E_INTEGRITY");
	TAP_OK(strtoll(r.err.expected, NULL, 10) == arts[0].size &&
		       strtoll(r.err.got, NULL, 10) == arts[0].size - 1,
	       "expected/got are the sizes");
	run_free(&r);

	gn_arena_free(&a);
	run_free(&first);
}

static const struct lock_drift_item *
find_item(const struct lock_drift *d, const char *field)
{
	for (size_t i = 0; i < d->n_items; i++) {
		if (strcmp(d->items[i].field, field) == 0) {
			return &d->items[i];
		}
	}
	return NULL;
}

static void
test_drift(void)
{
	struct run base;
	struct gn_arena a = {0};
	struct gn_platform host;
	const struct lock_drift_item *it;
	struct lock_drift d;
	struct manifest m;
	const char *other = PIN_X;

	gn_platform_parse("linux/amd64", &host);
	run_init(&base, "1.21", "linux/amd64", "linux/386");
	if (!resolve_ok(&base, NULL, false)) {
		run_free(&base);
		return;
	}

	make_manifest(&a, &m, "1.21", "linux/amd64", "linux/386");
	TAP_EQ_INT(lock_drift_manifest(&a, &m, DIGEST, &host, &base.lock, &d), 0, "drift rc");
	TAP_EQ_INT(d.n_items, 0, "same digest: no drift");

	make_manifest(&a, &m, "1.22", "linux/amd64", "linux/386");
	lock_drift_manifest(&a, &m, other, &host, &base.lock, &d);
	it = find_item(&d, "go");
	TAP_OK(d.n_items == 1 && it, "go changed: one item, field go");
	if (it) {
		TAP_EQ_STR(it->locked, "go1.21.6", "go: locked");
		TAP_EQ_STR(it->manifest, "1.22", "go: manifest");
	}

	make_manifest(&a, &m, "1.21", "linux/amd64", "linux/arm64,linux/386");
	lock_drift_manifest(&a, &m, other, &host, &base.lock, &d);
	it = find_item(&d, "platforms");
	TAP_OK(d.n_items == 1 && it, "platform added: one item, field platforms");
	if (it) {
		TAP_EQ_STR(it->locked, "[linux/386]", "platforms: locked");
		TAP_EQ_STR(it->manifest, "[linux/386, linux/arm64]", "platforms: manifest (sorted)");
	}

	make_manifest(&a, &m, "1.21", "linux/amd64,darwin/arm64", "linux/386");
	m.index = "https://mirror.example/index.json";
	lock_drift_manifest(&a, &m, other, &host, &base.lock, &d);
	TAP_EQ_INT(d.n_items, 2, "host added + index changed: two items");
	it = find_item(&d, "hosts");
	TAP_OK(it && strcmp(it->manifest, "[darwin/arm64, linux/amd64]") == 0 &&
		       strcmp(it->locked, "[linux/amd64]") == 0,
	       "hosts item");
	it = find_item(&d, "index");
	TAP_OK(it && strcmp(it->locked, MANIFEST_DEFAULT_INDEX) == 0 &&
		       strcmp(it->manifest, "https://mirror.example/index.json") == 0,
	       "index item");

	make_manifest(&a, &m, "1.21", "linux/amd64", "linux/386");
	add_pin(&a, &m, "go1.21.6.linux-amd64.tar.gz", PIN_X);
	lock_drift_manifest(&a, &m, other, &host, &base.lock, &d);
	it = find_item(&d, "checksums");
	TAP_OK(d.n_items == 1 && it, "pin changed: one item, field checksums");
	if (it) {
		TAP_OK(strstr(it->manifest, PIN_X) && strstr(it->manifest, "go1.21.6.linux-amd64"),
		       "checksums: manifest side names file and pin");
		TAP_OK(strstr(it->locked, base.lock.artifacts[0].sha256) != NULL,
		       "checksums: locked side shows the locked sha256");
	}

	make_manifest(&a, &m, "1.21", "linux/amd64", "linux/386");
	m.signatures.require_archives = true;
	lock_drift_manifest(&a, &m, other, &host, &base.lock, &d);
	it = find_item(&d, "signatures");
	TAP_OK(d.n_items == 1 && it && strstr(it->locked, "go1.21.6.linux-amd64.tar.gz"),
	       "archives required but unsigned: signatures item");

	make_manifest(&a, &m, "1.21", NULL, "linux/386");
	lock_drift_manifest(&a, &m, other, &host, &base.lock, &d);
	it = find_item(&d, "manifest");
	TAP_OK(d.n_items == 1 && it && strstr(it->locked, DIGEST),
	       "digest differs, nothing else explains it: one manifest item");

	run_free(&base);
	gn_arena_free(&a);
}

/* base: source locks the source archive instead of the host's binary one,
 * for the machine running lock only, and the lock reads it back. */
static void
test_source(void)
{
	struct run r;
	struct gn_buf text;
	struct gn_arena back_arena;
	struct lock back;
	struct gn_error err;

	run_init(&r, "1.21.5", "linux/amd64", "linux/386,linux/amd64");
	r.m.base = MANIFEST_BASE_SOURCE;
	if (resolve_ok(&r, NULL, false)) {
		const struct lock_artifact *src = lock_source_artifact(&r.lock);

		TAP_OK(src && strcmp(src->file, "go1.21.5.src.tar.gz") == 0 && src->os[0] == '\0' &&
			       src->arch[0] == '\0',
		       "source: the src.tar.gz is locked with empty os/arch");
		TAP_OK(!has_file(&r.lock, "go1.21.5.linux-amd64.tar.gz"),
		       "source: no binary archive for the host");
		TAP_OK(!has_file(&r.lock, "go1.21.5.linux-386.tar.gz") && r.lock.n_artifacts == 1,
		       "source, Go 1.21: targets get no archive (nothing to merge)");
		TAP_OK(r.lock.n_goroots == 1 && r.lock.goroots[0].tree[0] == '\0',
		       "source: one goroot to build");
		gn_buf_init(&text);
		gn_arena_init(&back_arena);
		strcpy(r.lock.goroots[0].tree, "git-sha256:"
		       "0000000000000000000000000000000000000000000000000000000000000000");
		lock_write(&r.lock, &text);
		TAP_OK(strstr(text.data, "os: \"\"\n    arch: \"\"\n") != NULL,
		       "source: os and arch written as quoted empty strings");
		TAP_EQ_INT(lock_parse(&back_arena, "gonative.lock", text.data, text.len, &back, &err),
			   0, "source: the lock reads back");
		TAP_OK(lock_source_artifact(&back) != NULL, "source: read back as the source");
		gn_buf_free(&text);
		gn_arena_free(&back_arena);
	}
	run_free(&r);

	run_init(&r, "1.21.5", "darwin/arm64", "linux/386");
	r.m.base = MANIFEST_BASE_SOURCE;
	TAP_EQ_INT(resolve(&r, NULL, false), -GN_E_RESOLVE, "source: another machine's host refused");
	TAP_OK(strstr(r.err.message, "base: source") && strstr(r.err.message, "linux/amd64") &&
		       strstr(r.err.message, "darwin/arm64"),
	       "source: the error names this machine and the host asked for");
	run_free(&r);

	run_init(&r, "1.21.5", NULL, "");
	r.m.base = MANIFEST_BASE_SOURCE;
	if (resolve_ok(&r, NULL, false)) {
		TAP_OK(lock_source_artifact(&r.lock) && r.lock.n_artifacts == 1,
		       "source: default host, no platforms: just the source");
	}
	run_free(&r);
}

int
main(void)
{
	struct gn_buf json;
	struct gn_error err;
	int rc;

	gn_buf_init(&json);
	fixture_index_json(&json);
	rc = lock_index_parse(&idx_arena, "fixture.json", json.data, json.len, &idx, &err);
	TAP_EQ_INT(rc, 0, "fixture index parses");
	if (rc != 0) {
		tap_diag("%d:%d: %s", err.line, err.col, err.message);
		return tap_done();
	}
	test_versions();
	test_files();
	test_pins();
	test_previous();
	test_drift();
	test_source();
	gn_buf_free(&json);
	gn_arena_free(&idx_arena);
	return tap_done();
}
