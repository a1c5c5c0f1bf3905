#include "builder/sumdb.h"

#include "builder/fetch.h"
#include "gn/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A lookup answer or a note is small; tiles are at most 256 * 32 bytes. */
#define SUMDB_MAX_BYTES (64 * 1024)

struct sumdb_tile {
	char path[96];
	uint8_t *data;
	size_t len;
};

void
sumdb_format_head(const struct tlog_tree *t, char out[SUMDB_HEAD_TEXT])
{
	char b64[64];

	sodium_bin2base64(b64, sizeof(b64), t->hash, TLOG_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, SUMDB_HEAD_TEXT, "tree of %lld records, root %s", (long long)t->n, b64);
}

/* GET url into a malloc'd buffer (NUL-terminated). */
static int
get(struct sumdb *db, const char *url, char **data, size_t *len, struct gn_error *err)
{
	static unsigned counter;
	char name[64], dest[GN_PATH_MAX];
	const char *urls[] = { url };
	struct fetch_request req = {
		.name = "checksum database",
		.urls = urls,
		.n_urls = 1,
		.size = -1,
		.max_size = SUMDB_MAX_BYTES,
		.dest = dest,
	};
	struct fetch_opts fo = { .retries = -1, .net = db->net };
	int rc;

	snprintf(name, sizeof(name), "sumdb-%ld-%u", (long)getpid(), counter++);
	cache_tmp_path(db->cache, name, dest);
	gn_emitf(db->events, GN_EV_DEBUG, "checksum database: %s", url);
	if ((rc = fetch_run(&req, 1, &fo, err)) < 0) {
		cache_unlink(db->cache, dest);
		return rc;
	}
	rc = cache_read_file(db->cache, dest, SUMDB_MAX_BYTES, data, len, err);
	cache_unlink(db->cache, dest);
	return rc;
}

/* Keep only [A-Za-z0-9._-]: the name becomes one folder under sumdb/. */
static void
safe_name(const char *name, char *out, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
	if (out[0] == '.') {
		out[0] = '_';
	}
}

static void
with_slash(char *out, size_t len, const char *url)
{
	size_t n = strlen(url);

	snprintf(out, len, "%s%s", url, n && url[n - 1] == '/' ? "" : "/");
}

static int
verify_head(struct sumdb *db, const char *note, size_t len, struct tlog_tree *tree,
	    struct gn_error *err)
{
	size_t text_len = 0;
	int rc = note_open(note, len, &db->key, &text_len, err);

	if (rc < 0) {
		return rc;
	}
	return tlog_parse_tree(note, text_len, tree, err);
}

/* Where the log is asked: the first proxy that serves it, else direct. */
static int
choose_base(struct sumdb *db, const struct sumdb_opts *opts, struct gn_error *err)
{
	for (size_t i = 0; i < opts->n_proxies; i++) {
		char url[SUMDB_URL_MAX + NOTE_NAME_MAX], base[SUMDB_URL_MAX + NOTE_NAME_MAX];
		char *body = NULL;
		size_t body_len = 0;
		struct gn_error probe;

		with_slash(base, sizeof(base), opts->proxies[i]);
		if (!gn_path_fmt(url, sizeof(url), "%ssumdb/%s/supported", base, db->key.name) ||
		    strlen(url) >= sizeof(db->base)) {
			return gn_error_set(err, GN_E_USAGE, "%s: proxy URL too long", opts->proxies[i]);
		}
		gn_error_clear(&probe);
		if (get(db, url, &body, &body_len, &probe) == 0) {
			free(body);
			/* shorter than url, checked above */
			gn_path_fmt(db->base, sizeof(db->base), "%ssumdb/%s/", base, db->key.name);
			db->base_chosen = true;
			return 0;
		}
	}
	snprintf(db->base, sizeof(db->base), "%s", db->direct);
	return 0;
}

/*
 * The cached tree head, read relative to the cache's root descriptor into
 * *note (NULL when there is none).  A link in place of a folder means no
 * head (sumdb_save replaces it, never following it); a link in place of
 * the head itself is refused by the read.
 */
static int
read_latest(struct sumdb *db, const char *folder, char **note, size_t *len,
	    struct gn_error *err)
{
	int sumdb_fd = openat(cache_dir_fd(db->cache, CACHE_ROOT), "sumdb",
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int dir_fd = sumdb_fd >= 0 ? openat(sumdb_fd, folder,
					    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
				   : -1;
	int fd = dir_fd >= 0 ? openat(dir_fd, "latest", O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	bool absent = dir_fd < 0 || (fd < 0 && errno == ENOENT);
	int rc = 0;

	*note = NULL;
	if (fd >= 0) {
		close(fd);
	}
	if (!absent) {
		rc = gn_read_file_at(dir_fd, "latest", db->latest_path, SUMDB_MAX_BYTES, note, len,
				     err);
	}
	if (dir_fd >= 0) {
		close(dir_fd);
	}
	if (sumdb_fd >= 0) {
		close(sumdb_fd);
	}
	return rc;
}

int
sumdb_open(struct sumdb *db, const struct sumdb_opts *opts, struct gn_error *err)
{
	const char *cfg = opts->config, *space = strchr(cfg, ' ');
	size_t key_len = space ? (size_t)(space - cfg) : strlen(cfg);
	char folder[NOTE_NAME_MAX];
	char *note = NULL;
	size_t len = 0;
	int rc;

	memset(db, 0, sizeof(*db));
	db->cache = opts->cache;
	db->events = opts->events;
	db->net = opts->net;
	if ((rc = note_verifier_parse(cfg, key_len, &db->key, err)) < 0) {
		return rc;
	}
	if (space) {
		while (*space == ' ') {
			space++;
		}
		with_slash(db->direct, sizeof(db->direct), space);
	} else {
		snprintf(db->direct, sizeof(db->direct), "https://%s/", db->key.name);
	}
	/* Proxies are asked first (sumdb_lookup picks); the direct URL is last. */
	if ((rc = choose_base(db, opts, err)) < 0) {
		return rc;
	}
	safe_name(db->key.name, folder, sizeof(folder));
	if (!gn_path_fmt(db->latest_rel, sizeof(db->latest_rel), "sumdb/%s/latest", folder) ||
	    !gn_path_fmt(db->latest_path, sizeof(db->latest_path), "%s/%s", db->cache->root,
			 db->latest_rel)) {
		return gn_error_set(err, GN_E_IO, "path too long: %s/sumdb/%s", db->cache->root,
				    folder);
	}
	if ((rc = read_latest(db, folder, &note, &len, err)) < 0 || !note) {
		return rc;
	}
	rc = verify_head(db, note, len, &db->seen, err);
	free(note);
	if (rc < 0) {
		char msg[GN_ERR_TEXT];

		snprintf(msg, sizeof(msg), "%s", err->message);
		return gn_error_set(err, GN_E_INTEGRITY,
				    "the cached tree head %s does not verify (%s); remove it only "
				    "if you trust the log",
				    db->latest_path, msg);
	}
	db->have_seen = true;
	return 0;
}

void
sumdb_close(struct sumdb *db)
{
	for (size_t i = 0; i < db->n_tiles; i++) {
		free(db->tiles[i].data);
	}
	free(db->tiles);
	free(db->best_note);
	db->tiles = NULL;
	db->best_note = NULL;
	db->n_tiles = db->cap_tiles = 0;
}

/* A hash tile, fetched once per run. */
static int
get_tile(struct sumdb *db, const struct tlog_tile *t, const uint8_t **data, struct gn_error *err)
{
	char path[96], url[SUMDB_URL_MAX + 96];
	size_t want = (size_t)t->w * TLOG_HASH_LEN;
	struct sumdb_tile *slot;
	char *body = NULL;
	size_t len = 0;
	int rc;

	tlog_tile_path(t, path, sizeof(path));
	for (size_t i = 0; i < db->n_tiles; i++) {
		if (strcmp(db->tiles[i].path, path) == 0) {
			*data = db->tiles[i].data;
			return 0;
		}
	}
	snprintf(url, sizeof(url), "%s%s", db->base, path);
	rc = get(db, url, &body, &len, err);
	if (rc < 0 && t->w < 1 << t->h) {
		/* A partial tile may be gone once the full one exists. */
		struct tlog_tile full = *t;
		struct gn_error again;

		full.w = 1 << t->h;
		tlog_tile_path(&full, path, sizeof(path));
		snprintf(url, sizeof(url), "%s%s", db->base, path);
		gn_error_clear(&again);
		if (get(db, url, &body, &len, &again) == 0) {
			gn_error_clear(err);
			rc = 0;
		}
		tlog_tile_path(t, path, sizeof(path));
	}
	if (rc < 0) {
		return rc;
	}
	if (len < want || (len != want && len != (size_t)(1 << t->h) * TLOG_HASH_LEN)) {
		free(body);
		rc = gn_error_set(err, GN_E_INTEGRITY, "the log's tile %s has %zu bytes, not %zu",
				  path, len, want);
		gn_error_url(err, url);
		return rc;
	}
	if (db->n_tiles == db->cap_tiles) {
		size_t cap = db->cap_tiles ? db->cap_tiles * 2 : 16;
		struct sumdb_tile *grown = realloc(db->tiles, cap * sizeof(*grown));
		if (!grown) {
			free(body);
			return gn_error_nomem(err);
		}
		db->tiles = grown;
		db->cap_tiles = cap;
	}
	slot = &db->tiles[db->n_tiles++];
	snprintf(slot->path, sizeof(slot->path), "%s", path);
	slot->data = (uint8_t *)body;
	slot->len = want;
	*data = slot->data;
	return 0;
}

struct reader {
	struct sumdb *db;
	int64_t tree_n;
};

static int
read_hash(void *user, int level, int64_t index, uint8_t out[TLOG_HASH_LEN], struct gn_error *err)
{
	struct reader *r = user;
	struct tlog_tile tile;
	const uint8_t *data;
	int first, count, rc;

	tlog_tile_for(TLOG_TILE_HEIGHT, r->tree_n, level, index, &tile, &first, &count);
	if (tile.w < first + count) {
		return gn_error_set(err, GN_E_INTEGRITY,
				    "hash %d/%lld is outside the tree of %lld records", level,
				    (long long)index, (long long)r->tree_n);
	}
	if ((rc = get_tile(r->db, &tile, &data, err)) < 0) {
		return rc;
	}
	tlog_hash_entries(data + (size_t)first * TLOG_HASH_LEN, count, out);
	return 0;
}

/* older must be a prefix of newer; a mismatch names both heads. */
static int
check_pair(struct sumdb *db, const struct tlog_tree *older, const struct tlog_tree *newer,
	   const char *older_what, struct gn_error *err)
{
	struct reader r = { .db = db, .tree_n = newer->n };
	char a[SUMDB_HEAD_TEXT], b[SUMDB_HEAD_TEXT], why[GN_ERR_TEXT];
	int rc = tlog_check_tree(older, newer, read_hash, &r, err);

	if (rc == -GN_E_INTEGRITY) {
		snprintf(why, sizeof(why), "%s", err->message);
		sumdb_format_head(older, a);
		sumdb_format_head(newer, b);
		rc = gn_error_set(err, GN_E_INTEGRITY,
				  "the checksum database %s forked: its tree head is not "
				  "consistent with the one %s (%s)",
				  db->key.name, older_what, why);
		gn_error_values(err, a, b);
	}
	return rc;
}

/* A verified head: consistent with the cached one and with this run's. */
static int
accept_head(struct sumdb *db, const char *note, size_t len, struct tlog_tree *tree,
	    struct gn_error *err)
{
	char a[SUMDB_HEAD_TEXT], b[SUMDB_HEAD_TEXT];
	int rc;

	if ((rc = verify_head(db, note, len, tree, err)) < 0) {
		return rc;
	}
	if (db->have_seen && tree->n < db->seen.n) {
		sumdb_format_head(&db->seen, a);
		sumdb_format_head(tree, b);
		rc = gn_error_set(err, GN_E_INTEGRITY,
				  "the checksum database %s went back: it now serves a smaller "
				  "tree than this cache has seen (rollback)",
				  db->key.name);
		gn_error_values(err, a, b);
		return rc;
	}
	if (db->have_seen &&
	    (rc = check_pair(db, &db->seen, tree, "this cache saw before", err)) < 0) {
		return rc;
	}
	if (db->have_best && tree->n < db->best.n) {
		rc = check_pair(db, tree, &db->best, "served earlier in this run", err);
	} else if (db->have_best) {
		rc = check_pair(db, &db->best, tree, "served earlier in this run", err);
	} else {
		/* The first head of a run: its tiles must hash to it. */
		struct reader r = { .db = db, .tree_n = tree->n };
		uint8_t root[TLOG_HASH_LEN];

		rc = tlog_tree_hash(tree->n, read_hash, &r, root, err);
		if (rc == 0 && sodium_memcmp(root, tree->hash, TLOG_HASH_LEN) != 0) {
			rc = gn_error_set(err, GN_E_INTEGRITY,
					  "the log's tiles do not hash to its signed tree of %lld "
					  "records",
					  (long long)tree->n);
		}
	}
	if (rc < 0) {
		return rc;
	}
	if (!db->have_best || tree->n > db->best.n) {
		char *copy = malloc(len + 1);
		if (!copy) {
			return gn_error_nomem(err);
		}
		memcpy(copy, note, len);
		copy[len] = '\0';
		free(db->best_note);
		db->best_note = copy;
		db->best_len = len;
		db->best = *tree;
		db->have_best = true;
	}
	return 0;
}

/* golang.org/x/mod/module EscapePath: upper case -> '!' + lower case. */
static bool
escape(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s; s++) {
		if (o + 3 > len) {
			return false;
		}
		if (*s >= 'A' && *s <= 'Z') {
			out[o++] = '!';
			out[o++] = (char)(*s - 'A' + 'a');
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	return true;
}

/* "<id>\n<record lines>\n\n<signed note>": the id, and where the record
 * text and the blank line before the note are.  false: malformed. */
static bool
split_lookup(char *body, size_t len, int64_t *id, char **text, char **blank)
{
	char *p = body, *end = body + len;

	*id = 0;
	if (p == end || *p < '0' || *p > '9') {
		return false;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (*id > (INT64_MAX - 9) / 10) {
			return false;
		}
		*id = *id * 10 + (*p - '0');
	}
	if (p == end || *p != '\n') {
		return false;
	}
	*text = p + 1;
	*blank = NULL;
	for (char *q = *text; q + 1 < end; q++) {
		if (q[0] == '\n' && q[1] == '\n') {
			*blank = q;
			break;
		}
	}
	return *blank && *blank != *text;
}

/* "<path> <version> h1:...\n" (and the go.mod's, when gomod_h1) among the
 * record's lines text..blank: true when each wanted one is there. */
static bool
find_h1(const char *text, const char *blank, const char *path, const char *version,
	char h1[DIRHASH_H1_LEN], char *gomod_h1)
{
	char want[800], want_mod[800];
	size_t want_len, want_mod_len;
	bool found = false, found_mod = false;

	want_len = (size_t)snprintf(want, sizeof(want), "%s %s h1:", path, version);
	want_mod_len =
		(size_t)snprintf(want_mod, sizeof(want_mod), "%s %s/go.mod h1:", path, version);
	for (const char *line = text; line <= blank;) {
		const char *nl = memchr(line, '\n', (size_t)(blank + 1 - line));
		size_t n = (size_t)(nl - line);

		if (n == want_len + 44 && memcmp(line, want, want_len) == 0) {
			/* "h1:" + 44 base64 digits: exactly DIRHASH_H1_LEN - 1 bytes */
			memcpy(h1, line + want_len - 3, DIRHASH_H1_LEN - 1);
			h1[DIRHASH_H1_LEN - 1] = '\0';
			found = dirhash_valid_h1(h1);
		}
		if (gomod_h1 && n == want_mod_len + 44 &&
		    memcmp(line, want_mod, want_mod_len) == 0) {
			memcpy(gomod_h1, line + want_mod_len - 3, DIRHASH_H1_LEN - 1);
			gomod_h1[DIRHASH_H1_LEN - 1] = '\0';
			found_mod = dirhash_valid_h1(gomod_h1);
		}
		line = nl + 1;
	}
	return found && (!gomod_h1 || found_mod);
}

int
sumdb_lookup(struct sumdb *db, const char *path, const char *version, char h1[DIRHASH_H1_LEN],
	     char *gomod_h1, struct gn_error *err)
{
	char epath[512], evers[256], url[SUMDB_URL_MAX + 800];
	char *body = NULL, *text, *blank;
	struct tlog_tree tree;
	uint8_t leaf[TLOG_HASH_LEN];
	int64_t id;
	size_t len = 0;
	bool found;
	int rc;

	if (!escape(path, epath, sizeof(epath)) || !escape(version, evers, sizeof(evers))) {
		return gn_error_set(err, GN_E_USAGE, "module path too long");
	}
	snprintf(url, sizeof(url), "%slookup/%s@%s", db->base, epath, evers);
	if ((rc = get(db, url, &body, &len, err)) < 0) {
		return rc;
	}
	if (!split_lookup(body, len, &id, &text, &blank)) {
		free(body);
		rc = gn_error_set(err, GN_E_INTEGRITY,
				  "malformed lookup answer from the checksum database");
		gn_error_url(err, url);
		return rc;
	}
	rc = accept_head(db, blank + 2, (size_t)(body + len - blank - 2), &tree, err);
	if (rc == 0) {
		struct reader r = {.db = db, .tree_n = tree.n};

		tlog_record_hash(text, (size_t)(blank + 1 - text), leaf);
		rc = tlog_check_record(&tree, id, leaf, read_hash, &r, err);
	}
	if (rc < 0) {
		gn_error_url(err, url);
		free(body);
		return rc;
	}
	found = find_h1(text, blank, path, version, h1, gomod_h1);
	free(body);
	if (!found) {
		rc = gn_error_set(err, GN_E_INTEGRITY,
				  "the checksum database's record has no h1: line for %s@%s%s",
				  path, version, gomod_h1 ? " (and its go.mod)" : "");
		gn_error_url(err, url);
		return rc;
	}
	return 0;
}

int
sumdb_latest(struct sumdb *db, struct gn_error *err)
{
	char url[SUMDB_URL_MAX + 16];
	struct tlog_tree tree;
	char *body = NULL;
	size_t len = 0;
	int rc;

	snprintf(url, sizeof(url), "%slatest", db->base);
	if ((rc = get(db, url, &body, &len, err)) < 0) {
		return rc;
	}
	rc = accept_head(db, body, len, &tree, err);
	free(body);
	if (rc < 0) {
		gn_error_url(err, url);
	}
	return rc;
}

/* The folder at name below dir, made (0700) when missing; a link or file
 * in its place is removed, never followed.  The fd, or -1 with errno. */
static int
subfolder(int dir, const char *name)
{
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		return fd;
	}
	if (errno == ELOOP || errno == ENOTDIR) {
		if (unlinkat(dir, name, 0) != 0) {
			return -1;
		}
	} else if (errno != ENOENT) {
		return -1;
	}
	if (mkdirat(dir, name, 0700) != 0 && errno != EEXIST) {
		return -1;
	}
	return openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* latest, atomically: a temp file beside it, fsync, rename, fsync. */
static int
write_head(struct sumdb *db, const char *data, size_t len, struct gn_error *err)
{
	char folder[NOTE_NAME_MAX];
	int sumdb_fd, dir_fd, fd, rc = 0;
	size_t done = 0;

	safe_name(db->key.name, folder, sizeof(folder));
	sumdb_fd = subfolder(cache_dir_fd(db->cache, CACHE_ROOT), "sumdb");
	dir_fd = sumdb_fd >= 0 ? subfolder(sumdb_fd, folder) : -1;
	if (sumdb_fd >= 0) {
		close(sumdb_fd);
	}
	if (dir_fd < 0) {
		return gn_error_set(err, GN_E_IO, "cannot create the folder of %s: %s",
				    db->latest_path, strerror(errno));
	}
	fd = gn_openat_replace(dir_fd, "latest.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while (fd >= 0 && done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		done += (size_t)n;
	}
	if (fd < 0 || done < len || fsync(fd) != 0 ||
	    renameat(dir_fd, "latest.tmp", dir_fd, "latest") != 0 || fsync(dir_fd) != 0) {
		rc = gn_error_set(err, GN_E_IO, "cannot write %s: %s", db->latest_path,
				  strerror(errno));
		unlinkat(dir_fd, "latest.tmp", 0);
	}
	if (fd >= 0) {
		close(fd);
	}
	close(dir_fd);
	return rc;
}

int
sumdb_save(struct sumdb *db, struct gn_error *err)
{
	int rc;

	if (!db->have_best || (db->have_seen && db->best.n <= db->seen.n)) {
		return 0;
	}
	if ((rc = write_head(db, db->best_note, db->best_len, err)) < 0) {
		return rc;
	}
	db->seen = db->best;
	db->have_seen = true;
	return 0;
}
