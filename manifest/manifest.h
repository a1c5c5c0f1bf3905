/*
 * manifest/manifest.h - gonative.yaml version 1: model and strict parser.
 *
 * Every string and array in a struct manifest is owned by the arena passed
 * to manifest_parse()/manifest_load() and lives until gn_arena_free().
 */
#ifndef MANIFEST_H
#define MANIFEST_H

#include "gn/arena.h"
#include "gn/error.h"
#include "gn/goversion.h"
#include "gn/platform.h"
#include "gn/sha256.h"

#include <stdbool.h>
#include <stddef.h>

#define MANIFEST_DEFAULT_INDEX "https://go.dev/dl/?mode=json&include=all"
#define MANIFEST_DEFAULT_MIRROR "https://go.dev/dl/"
#define MANIFEST_DEFAULT_INSTALL ".gonative/go"
#define MANIFEST_DEFAULT_ZIG_INDEX "https://ziglang.org/download/index.json"
/* Zig's published minisign key (https://ziglang.org/download/). */
#define MANIFEST_DEFAULT_ZIG_KEY "RWSGOq2NVecA2UPNdBUZykf1CCb147pkmdtYxgb3Ti+JO/wCYvhbAb/U"
#define MANIFEST_DEFAULT_GLIBC "2.17"
#define MANIFEST_DEFAULT_PROXY "https://proxy.golang.org"
#define MANIFEST_DEFAULT_SUMDB                                                                     \
	"sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8 https://sum.golang.org"
/* Largest manifest read from disk; larger files are refused (exit 2). */
#define MANIFEST_MAX_BYTES (1024 * 1024)

enum manifest_go_kind {
	MANIFEST_GO_EXACT,  /* "1.21.5", "go1.21.5", "1.21.0", "1.22rc1" */
	MANIFEST_GO_LINE,   /* "1.21": newest stable patch of that line */
	MANIFEST_GO_STABLE, /* "stable": newest stable release */
	MANIFEST_GO_FILE,   /* "go.mod"/"x/go.work": not yet read (manifest_parse only);
			     * manifest_load() turns it into EXACT or LINE */
};

struct manifest_checksum {
	const char *file;   /* artifact file name, e.g. go1.21.5.linux-amd64.tar.gz */
	char sha256[GN_SHA256_HEX]; /* lowercase hex */
	int line, col;      /* where the pin is written, for errors */
};

enum manifest_base {
	MANIFEST_BASE_BINARY = 0, /* host's official binary distribution (default) */
	MANIFEST_BASE_SOURCE,     /* build the host toolchain from src.tar.gz */
};

struct manifest {
	const char *path; /* as given to manifest_load(), for messages */
	const char *dir;  /* the manifest's folder; relative paths resolve here */

	/* go: */
	const char *go;                 /* as written, e.g. "1.21" */
	enum manifest_go_kind go_kind;
	struct gn_goversion go_version; /* parsed; unused for STABLE */
	int go_line, go_col;
	/* go: go.mod / go.work (manifest/gomod.h): the file as written, relative
	 * to dir, and the line of the directive the version came from; NULL
	 * when go: is a version. */
	const char *go_file;
	int go_file_line;

	/* hosts: (absent -> n_hosts == 0, hosts_default = true; lock fills in
	 * the machine running it) */
	struct gn_platform *hosts;
	size_t n_hosts;
	bool hosts_default;

	struct gn_platform *platforms;
	size_t n_platforms;

	const char *index;    /* default MANIFEST_DEFAULT_INDEX */
	const char **mirrors; /* default { MANIFEST_DEFAULT_MIRROR } */
	size_t n_mirrors;

	struct manifest_checksum *checksums; /* in file order */
	size_t n_checksums;

	struct {
		const char **keys;  /* as written: base64 line or .pub path */
		size_t n_keys;
		bool require_index;
		bool require_archives;
		bool allow_legacy;  /* signatures.legacy: default true */
	} signatures;

	/* cc: a pinned Zig as the C cross compiler (absent -> enabled false). */
	struct manifest_cc {
		bool enabled;
		const char *zig;      /* exact release, "0.11.0" */
		int zig_line, zig_col;
		const char *index;    /* default MANIFEST_DEFAULT_ZIG_INDEX */
		const char **mirrors; /* tried before the index's URL; may be empty */
		size_t n_mirrors;
		const char **keys;    /* default { MANIFEST_DEFAULT_ZIG_KEY } */
		size_t n_keys;
		const char *glibc;    /* default MANIFEST_DEFAULT_GLIBC */
		struct gn_platform *musl; /* linux targets linked against musl */
		size_t n_musl;
		struct gn_platform *skip; /* platforms that get no C compiler */
		size_t n_skip;
		int line, col;        /* the cc: key, for errors */
	} cc;
	/* Go's own trust roots (README "Go's own trust roots"). */
	enum manifest_source {
		MANIFEST_SOURCE_INDEX = 0, /* go.dev-shaped index + mirrors (default) */
		MANIFEST_SOURCE_PROXY,     /* golang.org/toolchain zips through proxy: */
	} source;
	int source_line, source_col;
	const char *sumdb;     /* "<key> [URL]"; NULL: the log is not asked */
	int sumdb_line, sumdb_col;
	const char **proxies;  /* GOPROXY bases; default { MANIFEST_DEFAULT_PROXY } */
	size_t n_proxies;
	const char **gpg_keyrings; /* signatures.gpg, as written */
	size_t n_gpg_keyrings;
	const char **gpg_fingerprints; /* signatures.gpg-fingerprints: 40 uppercase hex */
	size_t n_gpg_fingerprints;

	const char *install; /* default MANIFEST_DEFAULT_INSTALL, relative to dir */
	int install_line, install_col; /* where install: is written; 0 = default */
	/* Registries (host[:port]) that may be reached over plain http; like
	 * mirrors, they say where, not what (not in the digest). */
	const char **insecure_registries;
	size_t n_insecure_registries;
	enum manifest_base base;
	const char *bootstrap; /* base: source -> GOROOT_BOOTSTRAP, or NULL */
};

/*
 * The go: spec.  "1.21.5"/"go1.21.5"/"1.22rc1"/"1.21.0" are exact, "1.21" is a
 * line, except that Go <= 1.20 first releases were named "go1.N" exactly; a
 * line spec matches them as patch 0.  "stable" is the newest stable.
 */

/*
 * Parse a manifest held in memory.  name is used in errors ("file:line:col").
 * Strict: unknown keys, wrong types, duplicate keys, anchors/aliases, tags,
 * bad platforms, bad hex, duplicate list items, multiple documents -> -GN_E_MANIFEST
 * with err->file/line/col set (1-based).
 * dir is the manifest's folder (may be "."); stored in out->dir.
 */
int manifest_parse(struct gn_arena *arena, const char *name, const char *dir, const char *data,
		   size_t len, struct manifest *out, struct gn_error *err);

/* Read path (at most MANIFEST_MAX_BYTES) and parse it.  A missing file is
 * GN_E_MANIFEST naming the path.  go: go.mod is resolved here: the go.mod
 * (relative to the manifest's folder) is read and go_kind/go_version set;
 * m->go then reads e.g. "1.22.0 (go.mod:3: go 1.22)". */
int manifest_load(struct gn_arena *arena, const char *path, struct manifest *out,
		  struct gn_error *err);

/*
 * manifest-digest: SHA-256 over the canonical form of the fields that decide
 * the lock's content (go, hosts, platforms, index, checksums, signatures,
 * base).  mirrors and install do not count: they say where, not what.
 * Lists are sorted, so order and comments never change it.  hex: 65 bytes.
 */
void manifest_digest(const struct manifest *m, char hex[GN_SHA256_HEX]);

/* Pinned sha256 for file, or NULL. */
const struct manifest_checksum *manifest_pin(const struct manifest *m, const char *file);

/*
 * Starter manifest text for `gonative init` (commented, with the
 * yaml-language-server schema line).  go may be NULL ("stable"); platforms
 * may be empty.  Owned by the arena.
 */
char *manifest_starter(struct gn_arena *arena, const char *go, const struct gn_platform *host,
		       const struct gn_platform *platforms, size_t n_platforms);

#endif
