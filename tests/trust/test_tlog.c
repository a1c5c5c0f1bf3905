/* builder/tlog.c: RFC 6962 roots (the same values x/mod's tlog computes),
 * tile paths, and record and tree proofs over an in-memory log, honest and
 * tampered. */
#include "builder/tlog.h"
#include "gn/sha256.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEAVES 600

static uint8_t leaves[MAX_LEAVES][TLOG_HASH_LEN];
static int tamper_level = -1;
static int64_t tamper_index;

static void
range_hash(int64_t lo, int64_t hi, uint8_t out[TLOG_HASH_LEN])
{
	uint8_t l[TLOG_HASH_LEN], r[TLOG_HASH_LEN];
	int64_t k = 1;

	if (hi - lo == 1) {
		memcpy(out, leaves[lo], TLOG_HASH_LEN);
		return;
	}
	while (k * 2 < hi - lo) {
		k *= 2;
	}
	range_hash(lo, lo + k, l);
	range_hash(lo + k, hi, r);
	tlog_node_hash(l, r, out);
}

static int
read_mem(void *user, int level, int64_t index, uint8_t out[TLOG_HASH_LEN], struct gn_error *err)
{
	(void)user;
	(void)err;
	range_hash(index << level, (index + 1) << level, out);
	if (level == tamper_level && index == tamper_index) {
		out[0] ^= 1;
	}
	return 0;
}

/* Reads through tiles of height 8 built from the same leaves. */
static int
read_tiles(void *user, int level, int64_t index, uint8_t out[TLOG_HASH_LEN], struct gn_error *err)
{
	int64_t tree_n = *(int64_t *)user;
	struct tlog_tile t;
	int first, count;
	uint8_t *data;

	tlog_tile_for(TLOG_TILE_HEIGHT, tree_n, level, index, &t, &first, &count);
	if (t.w < first + count) {
		return -GN_E_INTEGRITY;
	}
	data = malloc((size_t)t.w * TLOG_HASH_LEN);
	for (int i = 0; i < t.w; i++) {
		int64_t at = (t.n << TLOG_TILE_HEIGHT) + i;
		int lvl = t.l * TLOG_TILE_HEIGHT;
		read_mem(NULL, lvl, at, data + (size_t)i * TLOG_HASH_LEN, err);
	}
	tlog_hash_entries(data + (size_t)first * TLOG_HASH_LEN, count, out);
	free(data);
	return 0;
}

static const char *const rfc6962_roots[] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
tree_of(int64_t n, struct tlog_tree *t)
{
	struct gn_error err;

	t->n = n;
	tlog_tree_hash(n, read_mem, NULL, t->hash, &err);
}

int
main(void)
{
	static const char *const data[] = { "",
					    "\x00",
					    "\x10",
					    "\x20\x21",
					    "\x30\x31",
					    "\x40\x41\x42\x43",
					    "\x50\x51\x52\x53\x54\x55\x56\x57",
					    "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c"
					    "\x6d\x6e\x6f" };
	static const size_t lens[] = { 0, 1, 1, 2, 2, 4, 8, 16 };
	struct gn_error err;
	char hex[GN_SHA256_HEX], path[128];
	struct tlog_tile tile;
	int bad;

	for (int i = 0; i < 8; i++) {
		struct tlog_tree t;

		tlog_record_hash(data[i], lens[i], leaves[i]);
		tree_of(i + 1, &t);
		gn_hex_encode(t.hash, TLOG_HASH_LEN, hex);
		TAP_EQ_STR(hex, rfc6962_roots[i], "RFC 6962 root of %d leaves", i + 1);
	}

	tile = (struct tlog_tile){ .h = 3, .l = 4, .n = 1234067, .w = 1 };
	tlog_tile_path(&tile, path, sizeof(path));
	TAP_EQ_STR(path, "tile/3/4/x001/x234/067.p/1", "tile path (x/mod's example)");
	tile = (struct tlog_tile){ .h = 8, .l = -1, .n = 0, .w = 256 };
	tlog_tile_path(&tile, path, sizeof(path));
	TAP_EQ_STR(path, "tile/8/data/000", "full data tile path");
	tile = (struct tlog_tile){ .h = 8, .l = 0, .n = 1000, .w = 17 };
	tlog_tile_path(&tile, path, sizeof(path));
	TAP_EQ_STR(path, "tile/8/0/x001/000.p/17", "partial tile path");

	for (int i = 8; i < MAX_LEAVES; i++) {
		char rec[32];
		int n = snprintf(rec, sizeof(rec), "record %d\n", i);
		tlog_record_hash(rec, (size_t)n, leaves[i]);
	}

	/* Record proofs: every record of a few tree sizes. */
	bad = 0;
	for (int64_t n = 1; n <= 40; n++) {
		struct tlog_tree t;
		tree_of(n, &t);
		for (int64_t id = 0; id < n; id++) {
			bad += tlog_check_record(&t, id, leaves[id], read_mem, NULL, &err) != 0;
		}
	}
	TAP_EQ_INT(bad, 0, "every record of trees 1..40 proves");
	bad = 0;
	for (int64_t n = 2; n <= 40; n++) {
		struct tlog_tree t;
		tree_of(n, &t);
		for (int64_t id = 0; id < n; id++) {
			bad += tlog_check_record(&t, id, leaves[(id + 1) % n], read_mem, NULL,
						 &err) != -GN_E_INTEGRITY;
		}
	}
	TAP_EQ_INT(bad, 0, "a record under another id never proves");

	/* Tree proofs: every pair of sizes up to 40, and a few large ones. */
	bad = 0;
	for (int64_t n0 = 0; n0 <= 40; n0++) {
		for (int64_t n1 = n0; n1 <= 40; n1++) {
			struct tlog_tree a, b;
			tree_of(n0, &a);
			tree_of(n1, &b);
			bad += tlog_check_tree(&a, &b, read_mem, NULL, &err) != 0;
		}
	}
	TAP_EQ_INT(bad, 0, "every older tree is a prefix of every newer one (0..40)");
	{
		struct tlog_tree a, b;
		int64_t n1 = 321;

		tree_of(300, &a);
		tree_of(n1, &b);
		TAP_OK(tlog_check_tree(&a, &b, read_tiles, &n1, &err) == 0,
		       "300 -> 321 through height-8 tiles");
		TAP_OK(tlog_check_tree(&b, &a, read_tiles, &n1, &err) == -GN_E_INTEGRITY,
		       "a smaller tree is refused");
		tree_of(257, &a);
		TAP_OK(tlog_check_record(&b, 256, leaves[256], read_tiles, &n1, &err) == 0,
		       "record 256 of 321 through tiles");
		/* A fork: the old tree had another leaf 5. */
		leaves[5][0] ^= 1;
		tree_of(300, &a);
		leaves[5][0] ^= 1;
		TAP_OK(tlog_check_tree(&a, &b, read_tiles, &n1, &err) == -GN_E_INTEGRITY,
		       "a forked older tree is refused");
		TAP_OK(strstr(err.message, "does not extend") != NULL, "named as a fork: %s",
		       err.message);
		/* Same size, different root. */
		a = b;
		a.hash[0] ^= 1;
		TAP_OK(tlog_check_tree(&a, &b, read_tiles, &n1, &err) == -GN_E_INTEGRITY,
		       "two trees of one size with different roots are refused");
	}
	/* A tampered stored hash breaks the proofs that use it. */
	bad = 0;
	for (int64_t n = 2; n <= 24; n++) {
		struct tlog_tree t, old;
		int caught = 0;
		tree_of(n, &t);
		tree_of(n / 2, &old);
		tamper_level = 0;
		for (tamper_index = 0; tamper_index < n; tamper_index++) {
			for (int64_t id = 0; id < n; id++) {
				if (id == tamper_index) {
					continue; /* the leaf itself is given, not read */
				}
				caught += tlog_check_record(&t, id, leaves[id], read_mem, NULL,
							    &err) == -GN_E_INTEGRITY;
			}
		}
		tamper_level = -1;
		bad += caught == 0;
	}
	TAP_EQ_INT(bad, 0, "tampered leaf hashes are caught by record proofs");
	{
		struct tlog_tree a, b;
		tree_of(5, &a);
		tree_of(13, &b);
		tamper_level = 0;
		tamper_index = 12;
		TAP_OK(tlog_check_tree(&a, &b, read_mem, NULL, &err) == -GN_E_INTEGRITY,
		       "a tampered hash above the old tree fails the tree proof");
		TAP_OK(strstr(err.message, "tiles do not hash") != NULL, "named as bad tiles: %s",
		       err.message);
		tamper_index = 4;
		TAP_OK(tlog_check_tree(&a, &b, read_mem, NULL, &err) == -GN_E_INTEGRITY,
		       "a tampered hash inside the old tree fails the tree proof");
		tamper_level = -1;
	}
	{
		static const char good[] = "go.sum database tree\n123456789012\n"
					   "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";
		static const char hexn[] = "go.sum database tree\n0xabcdef\n"
					   "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";
		static const char badb64[] = "go.sum database tree\n123456789012\n"
					     "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n";
		struct tlog_tree t;

		TAP_OK(tlog_parse_tree(good, strlen(good), &t, &err) == 0 && t.n == 123456789012LL,
		       "parse a tree (x/mod's golden)");
		TAP_OK(tlog_parse_tree(hexn, strlen(hexn), &t, &err) == -GN_E_INTEGRITY,
		       "hex size refused");
		TAP_OK(tlog_parse_tree(badb64, strlen(badb64), &t, &err) == -GN_E_INTEGRITY,
		       "bad hash refused");
	}
	return tap_done();
}
