/*
 * builder/sumdb.h - a checksum database client (sum.golang.org protocol,
 * docs/design.md section 17): signed tree heads, record lookups proven by
 * inclusion against the head, and each head proven consistent with the last
 * one this cache has seen (<cache>/sumdb/<name>/latest), from tiles.
 *
 * A head that forks from, or goes back behind, the cached one is
 * GN_E_INTEGRITY with both heads in the message.  Nothing is written to the
 * cache until sumdb_save().
 */
#ifndef SUMDB_H
#define SUMDB_H

#include "builder/cache.h"
#include "builder/note.h"
#include "builder/tlog.h"
#include "builder/dirhash.h"
#include "builder/fetch.h"
#include "gn/error.h"
#include "gn/events.h"

#include <stdbool.h>
#include <stddef.h>

#define SUMDB_URL_MAX 1024
#define SUMDB_HEAD_TEXT 128

struct sumdb_opts {
	const char *config;	    /* "<verifier key> [URL]" (GOSUMDB syntax) */
	const char *const *proxies; /* GOPROXY bases: <proxy>/sumdb/<name>/ when supported */
	size_t n_proxies;
	struct cache *cache;
	const struct gn_events *events;
	const struct fetch_net *net; /* CA certificates and proxies (fetch.h) */
};

struct sumdb_tile; /* fetched this run */

struct sumdb {
	struct note_verifier key;
	char direct[SUMDB_URL_MAX]; /* the database's own URL, ending in '/' */
	char base[SUMDB_URL_MAX];   /* where it is read from, ending in '/' */
	bool base_chosen;
	struct cache *cache;
	const struct gn_events *events;
	const struct fetch_net *net;
	char latest_path[GN_PATH_MAX];    /* for messages */
	char latest_rel[NOTE_NAME_MAX + 16]; /* "sumdb/<name>/latest" below the root */
	bool have_seen;			     /* the cache had a head */
	struct tlog_tree seen;
	bool have_best; /* newest head verified this run */
	struct tlog_tree best;
	char *best_note; /* malloc'd */
	size_t best_len;
	struct sumdb_tile *tiles; /* malloc'd */
	size_t n_tiles, cap_tiles;
};

/* Parse the config and read the cached head (checked against the key).
 * A bad config: -GN_E_USAGE.  Pair with sumdb_close(). */
int sumdb_open(struct sumdb *db, const struct sumdb_opts *opts, struct gn_error *err);
void sumdb_close(struct sumdb *db);

/* The verified go.sum hashes ("h1:...") the log records for path@version
 * and, when gomod_h1 is not NULL, for its go.mod. */
int sumdb_lookup(struct sumdb *db, const char *path, const char *version, char h1[DIRHASH_H1_LEN],
		 char *gomod_h1, struct gn_error *err);

/* Fetch and verify the log's latest head (check --upstream). */
int sumdb_latest(struct sumdb *db, struct gn_error *err);

/* Write the newest verified head to the cache (when it is newer). */
int sumdb_save(struct sumdb *db, struct gn_error *err);

/* "N records, root <base64>" */
void sumdb_format_head(const struct tlog_tree *t, char out[SUMDB_HEAD_TEXT]);

#endif
