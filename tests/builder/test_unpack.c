/*
 * unpack.c: real archives made by mkarchive.py, extracted and hashed; the
 * id from extraction, from tree_hash_dir() of the result and from hash-only
 * mode must agree.  Hostile archives must fail with nothing outside dest.
 */
#include "builder/unpack.h"
#include "util.h"
#include "tap.h"

#include <archive_entry.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char tmp[4096];
static int case_no;

struct counter {
	size_t files;	   /* wrote calls: one per entry, duplicates included */
	size_t tree_files; /* distinct paths in the tree */
	int64_t bytes;
};

static void
count_wrote(void *user, const struct unpack_entry *e)
{
	struct counter *c = user;

	if (!c) {
		return;
	}
	c->files++;
	c->bytes += e->size;
}

/* Unpacks archive (dest or hash-only) into a new tree; root id into id. */
static int
run_unpack(const char *archive, const char *name, const char *dest, const char *sha, int64_t max,
	   unpack_want_fn want, uint8_t id[GN_SHA256_LEN], struct counter *c, struct gn_error *err)
{
	struct tree *tree = tree_new();
	struct unpack_opts opts = {
	    .archive = archive,
	    .name = name,
	    .dest = dest,
	    .expect_sha256 = sha,
	    .max_bytes = max,
	    .want = want,
	    .wrote = count_wrote,
	    .user = c,
	    .tree = tree,
	};
	int rc;

	gn_error_clear(err);
	rc = unpack_archive(&opts, err);
	if (rc == 0) {
		rc = tree_root(tree, id, err);
		if (c) {
			c->tree_files = tree_count(tree);
		}
	}
	tree_free(tree);
	return rc;
}

static void
make(const char *kind, const char *out, const char *const *entries, size_t n)
{
	if (util_mkarchive(kind, out, entries, n) != 0) {
		fprintf(stderr, "mkarchive failed for %s\n", out);
		exit(99);
	}
}

/* Extracts, re-hashes from disk and hashes only: the three ids must agree. */
static void
three_way(const char *archive, const char *name, const char *dest, size_t dups)
{
	uint8_t a[GN_SHA256_LEN], b[GN_SHA256_LEN], c[GN_SHA256_LEN];
	struct counter ca = {0}, cc = {0};
	char sha[GN_SHA256_HEX], ha[GN_TREE_ID_TEXT], hb[GN_TREE_ID_TEXT], hc[GN_TREE_ID_TEXT];
	struct gn_error err;
	int rc;

	util_sha256_file(archive, sha);
	rc = run_unpack(archive, name, dest, sha, 0, NULL, a, &ca, &err);
	if (!TAP_OK(rc == 0, "%s: extracts", name)) {
		tap_diag("%s: %s", err.file, err.message);
		return;
	}
	rc = tree_hash_dir(dest, b, &err);
	TAP_EQ_INT(rc, 0, "%s: extracted tree hashes", name);
	rc = run_unpack(archive, name, NULL, sha, 0, NULL, c, &cc, &err);
	TAP_EQ_INT(rc, 0, "%s: hash-only mode", name);
	tree_format_id(a, ha);
	tree_format_id(b, hb);
	tree_format_id(c, hc);
	TAP_EQ_STR(ha, hb, "%s: unpack id == tree_hash_dir(dest)", name);
	TAP_EQ_STR(ha, hc, "%s: unpack id == hash-only id", name);
	TAP_EQ_INT(ca.bytes, cc.bytes, "%s: same bytes in both modes", name);
	TAP_EQ_INT(ca.files, ca.tree_files + dups, "%s: wrote once per file entry", name);
	TAP_EQ_INT(cc.files, ca.files, "%s: same wrote calls in both modes", name);
}

static bool
want_bin(void *user, const char *path, bool is_dir)
{
	(void)user;
	return strcmp(path, "bin") == 0 || strncmp(path, "bin/", 4) == 0;
}

static void
test_normal_tgz(void)
{
	static const char *const entries[] = {
	    "d:755:0:go/",
	    "d:750:1600000000:go/bin/",
	    "f:755:1600000001:go/bin/gofmt:#!/bin/sh\necho gofmt\n",
	    "f:644:0:go/VERSION:go1.99",
	    "d:555:0:go/ro/",
	    "f:644:0:go/ro/inner.txt:inner",
	    "l:777:0:go/bin/link:gofmt",
	    "l:777:0:go/lib/time/up:../../VERSION",
	    "f:644:0:go/src/\xc3\xa9.go:package e\n",
	    "f:600:0:go/dup.txt:first",
	    "f:644:0:go/dup.txt:second",
	    "l:777:0:go/relink:VERSION",
	    "f:644:0:go/relink:now a file",
	    "f:700:0:go/a-b:ab",
	    "f:4755:0:go/setuid:s",
	    "z:644:0:go/zeros.bin:100000",
	    "l:777:0:go/dangling:missing-file",
	    "f:644:0:go/a.txt:a",
	    "f:644:0:go/a/f:f",
	    "d:700:0:go/emptydir/",
	    "l:777:0:go/sub/up:..",
	    "d:711:0:go/unlisted/listed/",
	};
	char archive[4096], dest[4096], path[4096], link[64] = "";
	uint8_t id[GN_SHA256_LEN];
	struct counter c = {0};
	struct gn_error err;
	struct stat st;
	char *text;

	tap_path(archive, sizeof(archive), "%s/go1.99.linux-amd64.tar.gz", tmp);
	tap_path(dest, sizeof(dest), "%s/normal", tmp);
	make("tgz", archive, entries, N(entries));
	mkdir(dest, 0755);
	three_way(archive, "go1.99.linux-amd64.tar.gz", dest, 2);

	text = util_read((tap_path(path, sizeof(path), "%s/dup.txt", dest), path));
	TAP_EQ_STR(text, "second", "a later duplicate entry replaces the earlier one");
	free(text);
	TAP_EQ_INT(util_lstat_mode(dest, "dup.txt") & 07777, 0644, "... with its own mode");
	TAP_EQ_INT(util_lstat_mode(dest, "relink") & S_IFMT, S_IFREG,
		   "a file entry replaces an earlier symlink");
	TAP_EQ_INT(util_lstat_mode(dest, "bin/gofmt") & 07777, 0755, "exec file mode kept");
	TAP_EQ_INT(util_lstat_mode(dest, "a-b") & 07777, 0700, "0700 file mode kept");
	TAP_EQ_INT(util_lstat_mode(dest, "setuid") & 07777, 0755, "setuid bit dropped");
	TAP_EQ_INT(util_lstat_mode(dest, "bin") & 07777, 0750, "folder entry keeps 0750");
	TAP_EQ_INT(util_lstat_mode(dest, "ro") & 07777, 0555,
		   "read-only folder gets its mode after its files");
	TAP_EQ_INT(util_lstat_mode(dest, "lib") & 07777, 0755,
		   "unlisted folder is 0755 despite umask 027");
	TAP_EQ_INT(util_lstat_mode(dest, "lib/time") & 07777, 0755, "nested unlisted folder 0755");
	TAP_EQ_INT(util_lstat_mode(dest, "emptydir") & S_IFMT, S_IFDIR, "empty folder written");
	TAP_EQ_INT(util_lstat_mode(dest, "unlisted") & 07777, 0755,
		   "unlisted parent of a listed folder is 0755");
	TAP_EQ_INT(util_lstat_mode(dest, "unlisted/listed") & 07777, 0711, "listed folder 0711");
	tap_path(path, sizeof(path), "%s/bin/link", dest);
	if (readlink(path, link, sizeof(link) - 1) < 0) {
		link[0] = '\0';
	}
	TAP_EQ_STR(link, "gofmt", "symlink written");
	tap_path(path, sizeof(path), "%s/bin/gofmt", dest);
	TAP_OK(lstat(path, &st) == 0 && st.st_mtime == 1600000001, "mtime kept");
	tap_path(path, sizeof(path), "%s/src/\xc3\xa9.go", dest);
	TAP_OK(lstat(path, &st) == 0, "UTF-8 name kept byte for byte");

	/* Only bin/: the filter sees folders and files. */
	tap_path(dest, sizeof(dest), "%s/filtered", tmp);
	mkdir(dest, 0755);
	TAP_EQ_INT(run_unpack(archive, "filtered", dest, NULL, 0, want_bin, id, &c, &err), 0,
		   "filtered extraction");
	TAP_EQ_INT(c.files, 2, "two entries under bin/ taken");
	TAP_EQ_INT(util_count_entries(dest), 1, "only bin/ in dest");
}

static void
test_zip(void)
{
	/* Like Go's own zips since 1.21: no folder entries at all. */
	static const char *const entries[] = {
	    "f:755:0:go/bin/go.exe:MZ binary",
	    "f:644:0:go/VERSION:go1.99",
	    "f:644:0:go/src/net/net.go:package net\n",
	    "f:644:0:go/pkg/windows_amd64/net.a:archive",
	    "l:777:0:go/src/link:net/net.go",
	    "z:644:0:go/zeros:300000",
	    "f:644:0:go/a.b/c:c",
	    "f:644:0:go/a-b:x",
	    "f:644:0:go/src/\xe6\x97\xa5\xe6\x9c\xac.go:utf-8 name",
	};
	char archive[4096], dest[4096];

	tap_path(archive, sizeof(archive), "%s/go1.99.windows-amd64.zip", tmp);
	tap_path(dest, sizeof(dest), "%s/zip", tmp);
	make("zip", archive, entries, N(entries));
	mkdir(dest, 0755);
	three_way(archive, "go1.99.windows-amd64.zip", dest, 0);
	TAP_EQ_INT(util_lstat_mode(dest, "src/net") & 07777, 0755, "zip: missing folder is 0755");
	TAP_EQ_INT(util_lstat_mode(dest, "bin/go.exe") & 07777, 0755, "zip: exec bit kept");
	TAP_EQ_INT(util_lstat_mode(dest, "src/link") & S_IFMT, S_IFLNK, "zip: symlink written");
	TAP_OK(util_lstat_mode(dest, "src/\xe6\x97\xa5\xe6\x9c\xac.go") != -1,
	       "zip: UTF-8 name kept byte for byte");
}

struct hostile {
	const char *what;
	const char *kind;
	const char *entries[4];
	const char *mention; /* must appear in the message */
	int64_t max;
};

static void
check_hostile(const char *what, const char *kind, const char *const *entries, size_t n,
	      const char *mention, int64_t max)
{
	char box[4096], sandbox[4096], dest[4096], archive[4096], name[64];
	uint8_t id[GN_SHA256_LEN];
	struct gn_error err;
	int rc;

	case_no++;
	tap_path(box, sizeof(box), "%s/hostile%d", tmp, case_no);
	tap_path(sandbox, sizeof(sandbox), "%s/sandbox", box);
	tap_path(dest, sizeof(dest), "%s/sandbox/dest", box);
	tap_path(archive, sizeof(archive), "%s/../hostile%d.%s", box, case_no, kind);
	snprintf(name, sizeof(name), "hostile%d.%s", case_no, kind);
	gn_mkdir_p(dest, 0755, NULL);
	make(kind, archive, entries, n);

	rc = run_unpack(archive, name, dest, NULL, max, NULL, id, NULL, &err);
	if (!TAP_OK(rc == -GN_E_UNSAFE, "%s: refused", what)) {
		tap_diag("%s", err.message);
	}
	TAP_EQ_STR(err.file, name, "%s: error names the archive", what);
	if (!TAP_OK(strstr(err.message, mention) != NULL, "%s: message mentions '%s'", what,
		    mention)) {
		tap_diag("message: %s", err.message);
	}
	TAP_EQ_INT(util_count_entries(box), 1, "%s: nothing beside the sandbox", what);
	TAP_EQ_INT(util_count_entries(sandbox), 1, "%s: nothing beside dest", what);
	rc = run_unpack(archive, name, NULL, NULL, max, NULL, id, NULL, &err);
	TAP_EQ_INT(rc, -GN_E_UNSAFE, "%s: refused in hash-only mode too", what);
}

static void
test_hostile(void)
{
	static const struct hostile cases[] = {
	    {"dot-dot",
	     "tgz",
	     {"f:644:0:go/ok:1", "f:644:0:../x:evil"},
	     "'../x' is outside go/",
	     0},
	    {"go/../..", "tgz", {"f:644:0:go/../../x:evil"}, "go/../../x", 0},
	    {"outside go/", "tgz", {"f:644:0:go/ok:1", "f:644:0:x:evil"}, "'x' is outside go/", 0},
	    {"gox prefix", "tgz", {"f:644:0:gox/y:evil"}, "outside go/", 0},
	    {"hard link", "tgz", {"f:644:0:go/V:v", "h:644:0:go/hard:go/V"}, "hard link", 0},
	    {"char device", "tgz", {"c:644:0:go/dev"}, "device", 0},
	    {"FIFO", "tgz", {"p:644:0:go/fifo"}, "FIFO", 0},
	    {"symlink to /etc/passwd", "tgz", {"l:777:0:go/passwd:/etc/passwd"}, "/etc/passwd", 0},
	    {"symlink out", "tgz", {"l:777:0:go/a:../../x"}, "outside go/", 0},
	    {"nested symlink out", "tgz", {"l:777:0:go/d/a:../../x"}, "outside go/", 0},
	    {"symlink chain",
	     "tgz",
	     {"l:777:0:go/sub/up:..", "l:777:0:go/sub/x:up/../x", 0},
	     "after a name",
	     0},
	    {"write through symlink",
	     "tgz",
	     {"d:755:0:go/real/", "l:777:0:go/s:real", "f:644:0:go/s/evil:x", 0},
	     "s/evil",
	     0},
	    {"file then folder", "tgz", {"f:644:0:go/a:x", "d:755:0:go/a/"}, "'a' is both", 0},
	    {"folder then file", "tgz", {"d:755:0:go/a/", "f:644:0:go/a:x"}, "'a' is both", 0},
	    {"backslash", "tgz", {"f:644:0:go\\..\\x:e"}, "backslash", 0},
	    {"go is a file", "tgz", {"f:644:0:go:e"}, "must be a folder", 0},
	    {"empty component", "tgz", {"f:644:0:go//x:e"}, "empty path component", 0},
	    {"zip dot-dot", "zip", {"f:644:0:go/ok:1", "f:644:0:../x:evil"}, "outside go/", 0},
	    {"zip symlink out", "zip", {"l:777:0:go/l:/etc/passwd"}, "/etc/passwd", 0},
	    {"tgz bomb", "tgz", {"z:644:0:go/zeros:200000000"}, "expands past 10000000", 10000000},
	    {"zip bomb", "zip", {"z:644:0:go/zeros:200000000"}, "expands past 10000000", 10000000},
	};
	char abs_entry[4096 + 32];
	const char *abs_entries[1] = {abs_entry};
	const char *many[30];
	char many_buf[30][64];

	for (size_t i = 0; i < N(cases); i++) {
		size_t n = 0;
		while (n < 4 && cases[i].entries[n]) {
			n++;
		}
		check_hostile(cases[i].what, cases[i].kind, cases[i].entries, n, cases[i].mention,
			      cases[i].max);
	}
	/* An absolute name pointing where the test can see it. */
	tap_path(abs_entry, sizeof(abs_entry), "f:644:0:%s/hostile%d/abs-x:evil", tmp, case_no + 1);
	check_hostile("absolute path", "tgz", abs_entries, 1, "absolute", 0);

	/* Many files, each small, together past the limit. */
	for (int i = 0; i < 30; i++) {
		snprintf(many_buf[i], sizeof(many_buf[i]), "z:644:0:go/z%02d:1000000", i);
		many[i] = many_buf[i];
	}
	check_hostile("many files past the limit", "tgz", many, 30, "expands past", 10000000);
}

static void
test_integrity(void)
{
	static const char *const entries[] = {"f:644:0:go/VERSION:go1.99", "f:644:0:go/a:a"};
	char tgz[4096], zip[4096], cut[4096], bad[GN_SHA256_HEX], good[GN_SHA256_HEX];
	uint8_t id[GN_SHA256_LEN];
	struct gn_error err;
	char *data;
	size_t len;

	tap_path(tgz, sizeof(tgz), "%s/int.tar.gz", tmp);
	tap_path(zip, sizeof(zip), "%s/int.zip", tmp);
	make("tgz", tgz, entries, N(entries));
	make("zip", zip, entries, N(entries));

	util_sha256_file(tgz, good);
	memcpy(bad, good, sizeof(bad));
	bad[10] = bad[10] == '0' ? '1' : '0';
	TAP_EQ_INT(run_unpack(tgz, "int.tar.gz", NULL, good, 0, NULL, id, NULL, &err), 0,
		   "tgz: right sha256 passes");
	TAP_EQ_INT(run_unpack(tgz, "int.tar.gz", NULL, bad, 0, NULL, id, NULL, &err),
		   -GN_E_INTEGRITY, "tgz: wrong sha256 -> integrity error");
	TAP_EQ_STR(err.expected, bad, "tgz: expected value set");
	TAP_EQ_STR(err.got, good, "tgz: got value set");

	util_sha256_file(zip, good);
	memcpy(bad, good, sizeof(bad));
	bad[0] = bad[0] == 'a' ? 'b' : 'a';
	TAP_EQ_INT(run_unpack(zip, "int.zip", NULL, good, 0, NULL, id, NULL, &err), 0,
		   "zip: right sha256 passes");
	TAP_EQ_INT(run_unpack(zip, "int.zip", NULL, bad, 0, NULL, id, NULL, &err), -GN_E_INTEGRITY,
		   "zip: wrong sha256 -> integrity error");
	TAP_EQ_STR(err.got, good, "zip: got value set");

	TAP_EQ_INT(run_unpack(zip, "int.zip", NULL, "xyz", 0, NULL, id, NULL, &err), -GN_E_USAGE,
		   "malformed expected sha256 is a usage error");

	/* A truncated archive is corrupt; with a digest it is a mismatch. */
	tap_path(cut, sizeof(cut), "%s/cut.tar.gz", tmp);
	data = util_read(tgz);
	len = 0;
	if (data) {
		struct stat st;
		stat(tgz, &st);
		len = (size_t)st.st_size;
		util_write(cut, data, len / 2, 0644);
	}
	free(data);
	TAP_EQ_INT(run_unpack(cut, "cut.tar.gz", NULL, NULL, 0, NULL, id, NULL, &err),
		   -GN_E_INTEGRITY, "truncated tgz is corrupt");
	TAP_EQ_INT(run_unpack(cut, "cut.tar.gz", NULL, good, 0, NULL, id, NULL, &err),
		   -GN_E_INTEGRITY, "truncated tgz with a digest is a mismatch");
	TAP_OK(err.got[0] != '\0', "... reported as a digest mismatch");
	util_write(cut, "not an archive at all", 21, 0644);
	TAP_EQ_INT(run_unpack(cut, "garbage", NULL, NULL, 0, NULL, id, NULL, &err), -GN_E_INTEGRITY,
		   "garbage is not an archive");
	tap_path(cut, sizeof(cut), "%s/missing.tar.gz", tmp);
	TAP_EQ_INT(run_unpack(cut, "missing", NULL, NULL, 0, NULL, id, NULL, &err), -GN_E_IO,
		   "missing archive is an I/O error");
}

static void
test_check_entry(void)
{
	static const struct {
		const char *path;
		unsigned int type;
		const char *link;
		const char *hard;
		int rc;
		const char *rel;
	} cases[] = {
	    {"go", AE_IFDIR, NULL, NULL, 0, ""},
	    {"go/", AE_IFDIR, NULL, NULL, 0, ""},
	    {"go/bin/", AE_IFDIR, NULL, NULL, 0, "bin/"},
	    {"go/bin/go", AE_IFREG, NULL, NULL, 0, "bin/go"},
	    {"go/..x/..y", AE_IFREG, NULL, NULL, 0, "..x/..y"},
	    {"go/a/l", AE_IFLNK, "../b", NULL, 0, "a/l"},
	    {"go/a/l", AE_IFLNK, "./../b/./c", NULL, 0, "a/l"},
	    {"go/a/l", AE_IFLNK, "..", NULL, 0, "a/l"},
	    {"go/l", AE_IFLNK, "b/c/d", NULL, 0, "l"},
	    {"go/l", AE_IFLNK, "..", NULL, -GN_E_UNSAFE, NULL},
	    {"go/a/l", AE_IFLNK, "../..", NULL, -GN_E_UNSAFE, NULL},
	    {"go/a/l", AE_IFLNK, "b/../..", NULL, -GN_E_UNSAFE, NULL},
	    {"go/a/l", AE_IFLNK, "", NULL, -GN_E_UNSAFE, NULL},
	    {"go/a/l", AE_IFLNK, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"go/a/l", AE_IFLNK, "/abs", NULL, -GN_E_UNSAFE, NULL},
	    {"go/a/l", AE_IFLNK, "..\\..\\x", NULL, -GN_E_UNSAFE, NULL},
	    {"go", AE_IFREG, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"go", AE_IFLNK, "x", NULL, -GN_E_UNSAFE, NULL},
	    {"./go/x", AE_IFREG, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"go/./x", AE_IFREG, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"go/x/", AE_IFREG, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"go/x/..", AE_IFDIR, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"go/x", AE_IFREG, NULL, "go/y", -GN_E_UNSAFE, NULL},
	    {"go/x", AE_IFBLK, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"go/x", AE_IFSOCK, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"go/x", 0, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"", AE_IFREG, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {NULL, AE_IFREG, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"/go/x", AE_IFREG, NULL, NULL, -GN_E_UNSAFE, NULL},
	    {"GO/x", AE_IFREG, NULL, NULL, -GN_E_UNSAFE, NULL},
	};

	for (size_t i = 0; i < N(cases); i++) {
		const char *rel = "unset";
		struct gn_error err;
		int rc;

		gn_error_clear(&err);
		rc = unpack_check_entry(cases[i].path, cases[i].type, cases[i].link, cases[i].hard,
					&rel, &err);
		TAP_EQ_INT(rc, cases[i].rc, "check_entry '%s' (link '%s')",
			   cases[i].path ? cases[i].path : "(null)",
			   cases[i].link ? cases[i].link : "");
		if (cases[i].rc == 0) {
			TAP_EQ_STR(rel, cases[i].rel, "... rel");
		} else if (cases[i].path && cases[i].path[0]) {
			TAP_OK(strstr(err.message, cases[i].path) != NULL,
			       "... message names it: %s", err.message);
		}
	}
}

int
main(void)
{
	umask(027);
	util_tmpdir(tmp, sizeof(tmp), "unpack");
	test_check_entry();
	test_normal_tgz();
	test_zip();
	test_hostile();
	test_integrity();
	util_rm_rf(tmp);
	return tap_done();
}
