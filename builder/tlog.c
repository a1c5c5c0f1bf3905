#include "builder/tlog.h"

#include "gn/sha256.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void
tlog_record_hash(const void *data, size_t len, uint8_t out[TLOG_HASH_LEN])
{
	struct gn_sha256 h;
	const uint8_t zero = 0;

	if (gn_sha256_init(&h) < 0) {
		memset(out, 0, TLOG_HASH_LEN);
		return;
	}
	gn_sha256_update(&h, &zero, 1);
	gn_sha256_update(&h, data, len);
	gn_sha256_final(&h, out);
}

void
tlog_node_hash(const uint8_t left[TLOG_HASH_LEN], const uint8_t right[TLOG_HASH_LEN],
	       uint8_t out[TLOG_HASH_LEN])
{
	uint8_t buf[1 + 2 * TLOG_HASH_LEN];

	buf[0] = 1;
	memcpy(buf + 1, left, TLOG_HASH_LEN);
	memcpy(buf + 1 + TLOG_HASH_LEN, right, TLOG_HASH_LEN);
	gn_sha256(buf, sizeof(buf), out);
}

int
tlog_parse_tree(const char *text, size_t len, struct tlog_tree *out, struct gn_error *err)
{
	static const char head[] = "go.sum database tree\n";
	size_t hl = sizeof(head) - 1, i = hl, got = 0;
	const char *b64, *nl, *end = NULL;
	int64_t n = 0;

	memset(out, 0, sizeof(*out));
	if (len < hl || memcmp(text, head, hl) != 0) {
		goto bad;
	}
	/* Decimal, no sign, no leading zero (but "0"). */
	if (i >= len || text[i] < '0' || text[i] > '9' ||
	    (text[i] == '0' && i + 1 < len && text[i + 1] != '\n')) {
		goto bad;
	}
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		if (n > (INT64_MAX - 9) / 10) {
			goto bad;
		}
		n = n * 10 + (text[i] - '0');
	}
	if (i >= len || text[i] != '\n') {
		goto bad;
	}
	b64 = text + i + 1;
	nl = memchr(b64, '\n', len - (size_t)(b64 - text));
	if (!nl || nl - b64 != 44 ||
	    sodium_base642bin(out->hash, sizeof(out->hash), b64, 44, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != TLOG_HASH_LEN || end != nl) {
		goto bad;
	}
	out->n = n;
	return 0;
bad:
	return gn_error_set(err, GN_E_INTEGRITY,
			    "malformed tree head (want \"go.sum database tree\", a size and a "
			    "base64 hash)");
}

void
tlog_tile_path(const struct tlog_tile *t, char *out, size_t len)
{
	/* n_str holds at most 7 groups of "x000/" (int64): tmp has room for
	 * one more group, so nothing is cut. */
	char n_str[96], tmp[96 + 8], l_str[16], p_str[32] = "";
	int64_t n = t->n;

	snprintf(n_str, sizeof(n_str), "%03d", (int)(n % 1000));
	while (n >= 1000) {
		n /= 1000;
		snprintf(tmp, sizeof(tmp), "x%03d/%s", (int)(n % 1000), n_str);
		memcpy(n_str, tmp, sizeof(n_str));
	}
	if (t->w != 1 << t->h) {
		snprintf(p_str, sizeof(p_str), ".p/%d", t->w);
	}
	if (t->l == -1) {
		snprintf(l_str, sizeof(l_str), "data");
	} else {
		snprintf(l_str, sizeof(l_str), "%d", t->l);
	}
	snprintf(out, len, "tile/%d/%s/%s%s", t->h, l_str, n_str, p_str);
}

void
tlog_tile_for(int height, int64_t tree_n, int level, int64_t index, struct tlog_tile *tile,
	      int *first, int *count)
{
	int tile_level = level / height, sub = level % height;
	int64_t start = index << sub; /* at level tile_level * height */
	int64_t avail;

	tile->h = height;
	tile->l = tile_level;
	tile->n = start >> height;
	avail = (tree_n >> (tile_level * height)) - (tile->n << height);
	tile->w = avail >= (1 << height) ? 1 << height : (int)avail;
	*first = (int)(start - (tile->n << height));
	*count = 1 << sub;
}

void
tlog_hash_entries(const uint8_t *entries, int count, uint8_t out[TLOG_HASH_LEN])
{
	uint8_t left[TLOG_HASH_LEN], right[TLOG_HASH_LEN];

	if (count <= 1) {
		memcpy(out, entries, TLOG_HASH_LEN);
		return;
	}
	tlog_hash_entries(entries, count / 2, left);
	tlog_hash_entries(entries + (size_t)(count / 2) * TLOG_HASH_LEN, count / 2, right);
	tlog_node_hash(left, right, out);
}

/* Largest power of two below n (n >= 2). */
static int64_t
maxpow2(int64_t n)
{
	int64_t k = 1;

	while (k * 2 < n) {
		k *= 2;
	}
	return k;
}

static int
level_of(int64_t size)
{
	int l = 0;

	while (((int64_t)1 << l) < size) {
		l++;
	}
	return ((int64_t)1 << l) == size ? l : -1;
}

/* Hash of leaves [lo, hi): stored hashes for complete aligned subtrees. */
static int
subtree_hash(int64_t lo, int64_t hi, tlog_read_fn read, void *user, uint8_t out[TLOG_HASH_LEN],
	     struct gn_error *err)
{
	uint8_t left[TLOG_HASH_LEN], right[TLOG_HASH_LEN];
	int level = level_of(hi - lo);
	int64_t k;
	int rc;

	if (level >= 0 && (lo & (((int64_t)1 << level) - 1)) == 0) {
		return read(user, level, lo >> level, out, err);
	}
	k = maxpow2(hi - lo);
	if ((rc = subtree_hash(lo, lo + k, read, user, left, err)) < 0 ||
	    (rc = subtree_hash(lo + k, hi, read, user, right, err)) < 0) {
		return rc;
	}
	tlog_node_hash(left, right, out);
	return 0;
}

int
tlog_tree_hash(int64_t n, tlog_read_fn read, void *user, uint8_t out[TLOG_HASH_LEN],
	       struct gn_error *err)
{
	if (n == 0) {
		/* RFC 6962: the empty tree hashes to SHA-256 of nothing. */
		gn_sha256("", 0, out);
		return 0;
	}
	return subtree_hash(0, n, read, user, out, err);
}

/* Root of [lo, hi) with leaf t's hash given and its siblings read. */
static int
record_root(int64_t lo, int64_t hi, int64_t t, const uint8_t leaf[TLOG_HASH_LEN], tlog_read_fn read,
	    void *user, uint8_t out[TLOG_HASH_LEN], struct gn_error *err)
{
	uint8_t left[TLOG_HASH_LEN], right[TLOG_HASH_LEN];
	int64_t k;
	int rc;

	if (hi - lo == 1) {
		memcpy(out, leaf, TLOG_HASH_LEN);
		return 0;
	}
	k = maxpow2(hi - lo);
	if (t < lo + k) {
		rc = record_root(lo, lo + k, t, leaf, read, user, left, err);
		if (rc == 0) {
			rc = subtree_hash(lo + k, hi, read, user, right, err);
		}
	} else {
		rc = subtree_hash(lo, lo + k, read, user, left, err);
		if (rc == 0) {
			rc = record_root(lo + k, hi, t, leaf, read, user, right, err);
		}
	}
	if (rc == 0) {
		tlog_node_hash(left, right, out);
	}
	return rc;
}

int
tlog_check_record(const struct tlog_tree *tree, int64_t id, const uint8_t leaf[TLOG_HASH_LEN],
		  tlog_read_fn read, void *user, struct gn_error *err)
{
	uint8_t root[TLOG_HASH_LEN];
	int rc;

	if (id < 0 || id >= tree->n) {
		return gn_error_set(err, GN_E_INTEGRITY,
				    "record %lld is outside the signed tree of %lld records",
				    (long long)id, (long long)tree->n);
	}
	if ((rc = record_root(0, tree->n, id, leaf, read, user, root, err)) < 0) {
		return rc;
	}
	if (sodium_memcmp(root, tree->hash, TLOG_HASH_LEN) != 0) {
		return gn_error_set(err, GN_E_INTEGRITY,
				    "record %lld is not in the signed tree of %lld records (its "
				    "inclusion proof leads to another root)",
				    (long long)id, (long long)tree->n);
	}
	return 0;
}

/* Root of newer's [lo, hi): below n0 only the old tree's own subtrees. */
static int
newer_root(int64_t lo, int64_t hi, int64_t n0, tlog_read_fn read, void *user,
	   uint8_t out[TLOG_HASH_LEN], struct gn_error *err)
{
	uint8_t left[TLOG_HASH_LEN], right[TLOG_HASH_LEN];
	int64_t k;
	int rc;

	if (hi <= n0 || lo >= n0) {
		return subtree_hash(lo, hi, read, user, out, err);
	}
	k = maxpow2(hi - lo);
	if ((rc = newer_root(lo, lo + k, n0, read, user, left, err)) < 0 ||
	    (rc = newer_root(lo + k, hi, n0, read, user, right, err)) < 0) {
		return rc;
	}
	tlog_node_hash(left, right, out);
	return 0;
}

int
tlog_check_tree(const struct tlog_tree *older, const struct tlog_tree *newer, tlog_read_fn read,
		void *user, struct gn_error *err)
{
	uint8_t root[TLOG_HASH_LEN];
	int rc;

	if (older->n > newer->n) {
		return gn_error_set(err, GN_E_INTEGRITY, "the tree went back from %lld to %lld",
				    (long long)older->n, (long long)newer->n);
	}
	if (older->n == newer->n || older->n == 0) {
		if (older->n == newer->n &&
		    sodium_memcmp(older->hash, newer->hash, TLOG_HASH_LEN) != 0) {
			return gn_error_set(err, GN_E_INTEGRITY,
					    "two different trees of %lld records",
					    (long long)older->n);
		}
		return 0;
	}
	/*
	 * The new root from its tiles, taking below older->n only older's own
	 * complete subtrees, then older's root from those same subtrees: both
	 * must match their signed hashes, which ties the old tree into the new
	 * one.  Checked in this order, a mismatch of the old root is a fork,
	 * not a bad tile.
	 */
	if ((rc = newer_root(0, newer->n, older->n, read, user, root, err)) < 0) {
		return rc;
	}
	if (sodium_memcmp(root, newer->hash, TLOG_HASH_LEN) != 0) {
		return gn_error_set(
			err, GN_E_INTEGRITY,
			"the log's tiles do not hash to its signed tree of %lld records",
			(long long)newer->n);
	}
	if ((rc = subtree_hash(0, older->n, read, user, root, err)) < 0) {
		return rc;
	}
	if (sodium_memcmp(root, older->hash, TLOG_HASH_LEN) != 0) {
		return gn_error_set(err, GN_E_INTEGRITY,
				    "the tree of %lld records does not extend the one of %lld "
				    "records seen before",
				    (long long)newer->n, (long long)older->n);
	}
	return 0;
}
