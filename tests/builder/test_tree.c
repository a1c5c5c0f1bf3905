/*
 * tree.c against stock git: trees built on disk are hashed by tree_hash_dir()
 * and by `git write-tree` in a sha256 repository made in a copy of them.
 */
#include "builder/tree.h"
#include "util.h"
#include "tap.h"

#include <errno.h>
#include <time.h>

static char tmp[4096];

/* Deterministic pseudo-random numbers (xorshift), so a failure reproduces. */
static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* Names chosen so that git's "folders sort as name + '/'" rule matters. */
static const char *const names[] = {"a",
				    "a-b",
				    "a.txt",
				    "a.b",
				    "ab",
				    "a_b",
				    "b.d",
				    "b",
				    "run.sh",
				    "z",
				    "A",
				    "foo",
				    "foo.d",
				    "foo-bar",
				    "foo0",
				    ".hidden",
				    "x y",
				    "\xc3\xa9",
				    "\xe6\x97\xa5\xe6\x9c\xac",
				    "sub",
				    "sub.go",
				    "sub-"};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

static const mode_t file_modes[] = {0644, 0755, 0700, 0744, 0654, 0645, 0444, 0600};

static int
gen_dir(const char *path, int depth)
{
	for (size_t i = 0; i < N_NAMES; i++) {
		char child[4096];
		uint32_t pick = rng() % 100;

		if (pick < 45) {
			continue;
		}
		snprintf(child, sizeof(child), "%s/%s", path, names[i]);
		if (pick < 75) {
			char body[2048];
			size_t len = rng() % sizeof(body);
			for (size_t k = 0; k < len; k++) {
				body[k] = (char)(rng() % 7 == 0 ? '\n' : 'a' + rng() % 26);
			}
			if (util_write(child, body, len, file_modes[rng() % 8]) != 0) {
				return -1;
			}
		} else if (pick < 85) {
			static const char *const targets[] = {"a",	    "missing",	"../x",
							      "sub/deeper", "\xc3\xa9", "a/b/../c"};
			if (symlink(targets[rng() % 6], child) != 0) {
				return -1;
			}
		} else if (depth < 3) {
			if (mkdir(child, 0755) != 0) {
				return -1;
			}
			/* Sometimes left empty: git does not record those. */
			if (rng() % 5 != 0 && gen_dir(child, depth + 1) != 0) {
				return -1;
			}
		}
	}
	return 0;
}

/* `git write-tree` of a copy of dir; 0 and hex on success. */
static int
git_tree(const char *dir, char hex[GN_SHA256_HEX])
{
	char copy[4096], cmd[8192], line[256];
	char *cp[] = {"cp", "-a", (char *)dir, copy, NULL};
	FILE *p;
	int rc = -1;

	tap_path(copy, sizeof(copy), "%s/gitcopy", tmp);
	util_rm_rf(copy);
	if (util_run(cp) != 0) {
		return -1;
	}
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git init -q --object-format=sha256 && "
		 "git -c core.fileMode=true -c core.symlinks=true -c core.autocrlf=false "
		 "add -Af && git write-tree",
		 copy);
	p = popen(cmd, "r");
	if (!p) {
		return -1;
	}
	if (fgets(line, sizeof(line), p) && strlen(line) >= 64) {
		memcpy(hex, line, 64);
		hex[64] = '\0';
		rc = 0;
	}
	if (pclose(p) != 0) {
		rc = -1;
	}
	util_rm_rf(copy);
	return rc;
}

static void
check_against_git(const char *dir, const char *what)
{
	uint8_t id[GN_SHA256_LEN];
	char ours[GN_SHA256_HEX], git[GN_SHA256_HEX];
	struct gn_error err;
	int rc;

	gn_error_clear(&err);
	rc = tree_hash_dir(dir, id, &err);
	if (!TAP_OK(rc == 0, "%s: tree_hash_dir succeeds", what)) {
		tap_diag("%s", err.message);
		return;
	}
	gn_hex_encode(id, GN_SHA256_LEN, ours);
	if (!TAP_OK(git_tree(dir, git) == 0, "%s: git write-tree runs", what)) {
		return;
	}
	TAP_EQ_STR(ours, git, "%s: tree id equals git write-tree", what);
}

static void
test_blob_example(void)
{
	static const char raw[] = "blob 2\0y\n";
	uint8_t want[GN_SHA256_LEN], got[GN_SHA256_LEN];
	char repo[4096], cmd[8192], line[256] = "";
	char hex[GN_SHA256_HEX];
	struct gn_sha256 h;
	FILE *p;

	gn_sha256(raw, sizeof(raw) - 1, want);
	tree_blob_id("y\n", 2, got);
	TAP_OK(memcmp(want, got, GN_SHA256_LEN) == 0, "blob id is sha256(\"blob 2\\0y\\n\")");
	TAP_OK(tree_blob_begin(&h, 2) == 0, "tree_blob_begin");
	gn_sha256_update(&h, "y\n", 2);
	gn_sha256_final(&h, got);
	TAP_OK(memcmp(want, got, GN_SHA256_LEN) == 0, "streamed blob id matches");

	tap_path(repo, sizeof(repo), "%s/hashobj", tmp);
	mkdir(repo, 0755);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git init -q --object-format=sha256 && printf 'y\\n' | "
		 "git hash-object --stdin",
		 repo);
	p = popen(cmd, "r");
	if (p) {
		if (!fgets(line, sizeof(line), p)) {
			line[0] = '\0';
		}
		pclose(p);
	}
	line[strcspn(line, "\n")] = '\0';
	gn_hex_encode(want, GN_SHA256_LEN, hex);
	TAP_EQ_STR(hex, line, "blob id equals git hash-object");
}

static void
test_api(void)
{
	struct tree *t = tree_new(), *t2 = tree_new(), *e = tree_new();
	uint8_t id1[GN_SHA256_LEN], id2[GN_SHA256_LEN], r1[GN_SHA256_LEN], r2[GN_SHA256_LEN];
	static const char *const bad[] = {"",	   "/a",     "a/", "a//b", "./a",
					  "a/./b", "a/../b", "..", "."};
	char text[GN_TREE_ID_TEXT];
	struct gn_error err;

	tree_blob_id("1", 1, id1);
	tree_blob_id("2", 1, id2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TAP_EQ_INT(tree_put(t, bad[i], TREE_FILE, id1, &err), -GN_E_UNSAFE,
			   "path '%s' is refused", bad[i]);
	}
	TAP_EQ_INT(tree_put(t, "f", 0100600, id1, &err), -GN_E_UNSAFE, "odd mode is refused");
	TAP_EQ_INT(tree_put(t, "a", TREE_FILE, id1, &err), 0, "put a");
	TAP_EQ_INT(tree_put(t, "a/b", TREE_FILE, id1, &err), -GN_E_UNSAFE,
		   "file a cannot become a folder");
	TAP_EQ_INT(tree_put(t, "d/x", TREE_FILE, id1, &err), 0, "put d/x");
	TAP_EQ_INT(tree_put(t, "d", TREE_LINK, id1, &err), -GN_E_UNSAFE,
		   "folder d cannot become a symlink");
	TAP_EQ_INT(tree_put_dir(t, "a", &err), -GN_E_UNSAFE, "file a cannot be put as a folder");
	TAP_EQ_INT(tree_put_dir(t, "d", &err), 0, "folder d again as a folder is fine");
	TAP_EQ_INT(tree_put_dir(t, "empty/deeper", &err), 0, "empty folders can be put");
	TAP_EQ_INT(tree_put(t, "empty/deeper", TREE_FILE, id1, &err), -GN_E_UNSAFE,
		   "a put folder cannot become a file");
	TAP_EQ_INT(tree_put(t, "a", TREE_EXEC, id2, &err), 0, "a replaced");
	TAP_EQ_INT(tree_count(t), 2, "two files counted");

	tree_put(t2, "d/x", TREE_FILE, id1, &err);
	tree_put(t2, "a", TREE_EXEC, id2, &err);
	tree_root(t, r1, &err);
	tree_root(t2, r2, &err);
	TAP_OK(memcmp(r1, r2, GN_SHA256_LEN) == 0,
	       "replacement and empty folders leave the same root as a clean tree");

	tree_put_dir(e, "only/empty", &err);
	tree_root(e, r1, &err);
	tree_format_id(r1, text);
	TAP_EQ_STR(text,
		   "git-sha256:6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
		   "a tree of empty folders is git's empty tree");
	tree_free(t);
	tree_free(t2);
	tree_free(e);
}

static void
test_git_trees(void)
{
	char dir[4096], sub[4096];

	tap_path(dir, sizeof(dir), "%s/empty", tmp);
	mkdir(dir, 0755);
	check_against_git(dir, "empty tree");
	tap_path(sub, sizeof(sub), "%s/e1/e2", dir);
	gn_mkdir_p(sub, 0755, NULL);
	check_against_git(dir, "only empty folders");

	/* The ordering example of docs/design.md, section 7. */
	tap_path(dir, sizeof(dir), "%s/example", tmp);
	mkdir(dir, 0755);
	tap_path(sub, sizeof(sub), "%s/a", dir);
	mkdir(sub, 0755);
	tap_path(sub, sizeof(sub), "%s/a/f", dir);
	util_write(sub, "x", 1, 0644);
	tap_path(sub, sizeof(sub), "%s/b.d", dir);
	mkdir(sub, 0755);
	tap_path(sub, sizeof(sub), "%s/b.d/g", dir);
	util_write(sub, "g\n", 2, 0755);
	tap_path(sub, sizeof(sub), "%s/a-b", dir);
	util_write(sub, "", 0, 0644);
	tap_path(sub, sizeof(sub), "%s/a.txt", dir);
	util_write(sub, "t", 1, 0700);
	tap_path(sub, sizeof(sub), "%s/link", dir);
	symlink("dangling/target", sub);
	tap_path(sub, sizeof(sub), "%s/run.sh", dir);
	util_write(sub, "#!/bin/sh\n", 10, 0755);
	check_against_git(dir, "design.md order example");

	for (int i = 1; i <= 6; i++) {
		char what[64];
		tap_path(dir, sizeof(dir), "%s/random%d", tmp, i);
		mkdir(dir, 0755);
		rng_state = 0x9e3779b97f4a7c15ULL * (uint64_t)i;
		if (gen_dir(dir, 0) != 0) {
			TAP_OK(0, "generate random tree %d: %s", i, strerror(errno));
			continue;
		}
		snprintf(what, sizeof(what), "random tree %d", i);
		check_against_git(dir, what);
	}
}

/* Many entries in few folders: exercises the hash table growth and sorting. */
static void
test_wide_tree(void)
{
	char dir[4096], path[4096];
	struct timespec t0, t1;
	uint8_t id[GN_SHA256_LEN];
	struct gn_error err;

	tap_path(dir, sizeof(dir), "%s/wide", tmp);
	mkdir(dir, 0755);
	for (int d = 0; d < 60; d++) {
		tap_path(path, sizeof(path), "%s/d%02d", dir, d);
		mkdir(path, 0755);
		for (int f = 0; f < 50; f++) {
			char body[32];
			int len = snprintf(body, sizeof(body), "%d/%d\n", d, f);
			tap_path(path, sizeof(path), "%s/d%02d/f%d%s", dir, d, f,
				 f % 3 ? ".go" : "");
			util_write(path, body, (size_t)len, f % 7 ? 0644 : 0755);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tree_hash_dir(dir, id, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tap_diag("tree_hash_dir over 3000 files: %.1f ms",
		 (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	check_against_git(dir, "wide tree (3000 files)");
}

static void
test_special_file(void)
{
	char dir[4096], fifo[4096];
	uint8_t id[GN_SHA256_LEN];
	struct gn_error err;

	tap_path(dir, sizeof(dir), "%s/special", tmp);
	mkdir(dir, 0755);
	tap_path(fifo, sizeof(fifo), "%s/pipe", dir);
	mkfifo(fifo, 0644);
	gn_error_clear(&err);
	TAP_EQ_INT(tree_hash_dir(dir, id, &err), -GN_E_IO, "a FIFO is an I/O error");
	TAP_OK(strstr(err.message, "pipe") != NULL, "the message names the FIFO: %s", err.message);
	tap_path(dir, sizeof(dir), "%s/does-not-exist", tmp);
	TAP_EQ_INT(tree_hash_dir(dir, id, &err), -GN_E_IO, "a missing folder is an I/O error");
}

int
main(void)
{
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	util_tmpdir(tmp, sizeof(tmp), "tree");
	test_blob_example();
	test_api();
	test_git_trees();
	test_wide_tree();
	test_special_file();
	util_rm_rf(tmp);
	return tap_done();
}
