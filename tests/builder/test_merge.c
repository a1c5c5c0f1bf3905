/*
 * merge.c: a fake host and two targets (one zip) merged at several Go
 * versions; which files land, their mtimes, the warning for targets with
 * nothing to merge, and hash-only == on-disk tree ids.
 */
#include "builder/merge.h"
#include "builder/tree.h"
#include "util.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char tmp[4096];

static const char *const host_entries[] = {
    "f:755:1500000000:go/bin/go:gobin",
    "f:644:1500000100:go/pkg/linux_amd64/fmt.a:host fmt",
    "f:755:1500000050:go/pkg/tool/linux_amd64/compile:compile",
    "f:644:1500000010:go/src/fmt/print.go:package fmt",
    "f:644:1500000020:go/src/runtime/zgoos_linux_amd64.go:host z",
    "l:777:1500000000:go/src/link:fmt/print.go",
};

static const char *const linux_386_entries[] = {
    "d:755:1400000000:go/",
    "d:755:1400000000:go/pkg/",
    "d:755:1400000000:go/pkg/linux_386/",
    "f:644:1400000000:go/pkg/linux_386/fmt.a:386 fmt",
    "f:644:1450000000:go/pkg/linux_386/net.a:386 net",
    "f:644:1400000000:go/pkg/linux_386_race/fmt.a:386 race",
    "f:755:1400000000:go/pkg/tool/linux_386/compile:386 compile",
    "f:644:1400000000:go/pkg/include/x.h:inc",
    "f:644:1400000000:go/pkg/obj/x:obj",
    "f:755:1400000000:go/bin/go:386 go",
    "f:644:1400000000:go/src/runtime/zgoos_linux_386.go:z386",
    "f:644:1400000000:go/src/runtime/zasm_linux_386.h:zasm",
    "f:644:1400000000:go/src/runtime/zsys_darwin_amd64.s:other",
    "f:644:1400000000:go/src/runtime/runtime.go:not z",
    "f:644:1400000000:go/src/runtime/sub/zgoos_linux_386.go:deeper",
    "f:644:1400000000:go/src/pkg/runtime/zgoos_linux_386.go:old z",
};

static const char *const windows_entries[] = {
    "f:644:1400000000:go/pkg/windows_amd64/fmt.a:win fmt",
    "f:644:1400000000:go/pkg/windows_amd64_race/fmt.a:win race",
    "f:755:1400000000:go/bin/go.exe:win go",
    "f:644:1400000000:go/src/runtime/zgoos_windows_amd64.go:zwin",
};

/* Go 1.20+ shape: no pkg/<os>_<arch>. */
static const char *const modern_entries[] = {
    "f:755:1700000000:go/bin/go:go",
    "f:755:1700000000:go/pkg/tool/linux_386/compile:compile",
    "f:644:1700000000:go/pkg/include/x.h:inc",
    "f:644:1700000000:go/src/fmt/print.go:package fmt",
};

struct captured {
	int warnings;
	char last[1024];
	char last_name[256];
};

static void
capture(void *user, const struct gn_event *ev)
{
	struct captured *c = user;

	if (ev->kind == GN_EV_WARNING) {
		c->warnings++;
		snprintf(c->last, sizeof(c->last), "%s", ev->message ? ev->message : "");
		snprintf(c->last_name, sizeof(c->last_name), "%s", ev->name ? ev->name : "");
	}
}

static char host_tgz[4096], l386_tgz[4096], win_zip[4096], modern_tgz[4096];

static void
make(const char *kind, char *out, const char *file, const char *const *entries, size_t n)
{
	tap_path(out, 4096, "%s/%s", tmp, file);
	if (util_mkarchive(kind, out, entries, n) != 0) {
		fprintf(stderr, "mkarchive failed for %s\n", out);
		exit(99);
	}
}

static struct merge_source
source(const char *archive, const char *file, const char *plat, bool with_sha)
{
	static char shas[8][GN_SHA256_HEX];
	static int next;
	struct merge_source s = {.archive = archive, .file = file};
	struct stat st;

	gn_platform_parse(plat, &s.platform);
	if (stat(archive, &st) == 0) {
		s.size = st.st_size;
	}
	if (with_sha) {
		char *sha = shas[next++ % 8];
		util_sha256_file(archive, sha);
		s.sha256 = sha;
	}
	return s;
}

static bool
exists(const char *dest, const char *rel)
{
	return util_lstat_mode(dest, rel) != -1;
}

static long long
mtime_of(const char *dest, const char *rel)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dest, rel);
	return lstat(path, &st) == 0 ? (long long)st.st_mtime : -1;
}

/* Merge on disk and hash-only; checks they agree with each other and disk. */
static int
merge_both(const char *what, struct merge_opts *opts, const char *dest, struct captured *cap)
{
	uint8_t disk[GN_SHA256_LEN], only[GN_SHA256_LEN], walked[GN_SHA256_LEN];
	char a[GN_TREE_ID_TEXT], b[GN_TREE_ID_TEXT], c[GN_TREE_ID_TEXT];
	struct gn_events events = {.fn = capture, .user = cap};
	struct captured ignored = {0};
	struct gn_error err;
	int rc;

	mkdir(dest, 0755);
	opts->dest = dest;
	opts->events = &events;
	gn_error_clear(&err);
	rc = merge_goroot(opts, disk, &err);
	if (!TAP_OK(rc == 0, "%s: merge on disk", what)) {
		tap_diag("%s: %s", err.file, err.message);
		return -1;
	}
	opts->dest = NULL;
	events.user = &ignored;
	rc = merge_goroot(opts, only, &err);
	TAP_EQ_INT(rc, 0, "%s: merge hash-only", what);
	TAP_EQ_INT(ignored.warnings, cap->warnings, "%s: same warnings in hash-only mode", what);
	rc = tree_hash_dir(dest, walked, &err);
	TAP_EQ_INT(rc, 0, "%s: hash the merged folder", what);
	tree_format_id(disk, a);
	tree_format_id(only, b);
	tree_format_id(walked, c);
	TAP_EQ_STR(a, b, "%s: on-disk id == hash-only id", what);
	TAP_EQ_STR(a, c, "%s: merge id == tree_hash_dir(dest)", what);
	return 0;
}

static void
test_version(const char *ver)
{
	struct merge_source targets[4];
	struct merge_opts opts = {0};
	struct captured cap = {0};
	char dest[4096], what[64];
	bool old_z, older_z, by_mtime;

	gn_goversion_parse(ver, &opts.version);
	old_z = !gn_goversion_at_least(&opts.version, 1, 5);
	older_z = !gn_goversion_at_least(&opts.version, 1, 4);
	by_mtime = !gn_goversion_at_least(&opts.version, 1, 10);
	opts.host = source(host_tgz, "host.linux-amd64.tar.gz", "linux/amd64", true);
	targets[0] = source(l386_tgz, "t.linux-386.tar.gz", "linux/386", true);
	targets[1] = source(host_tgz, "host.linux-amd64.tar.gz", "linux/amd64", true);
	targets[2] = source(win_zip, "t.windows-amd64.zip", "windows/amd64", true);
	targets[3] = source(l386_tgz, "t.linux-386.tar.gz", "linux/386", false);
	opts.targets = targets;
	opts.n_targets = 4;
	tap_path(dest, sizeof(dest), "%s/merged-%s", tmp, ver);
	snprintf(what, sizeof(what), "go%s", ver);
	if (merge_both(what, &opts, dest, &cap) != 0) {
		return;
	}
	TAP_EQ_INT(cap.warnings, 0, "%s: no warnings (host and duplicate targets skipped)", what);

	TAP_OK(exists(dest, "pkg/linux_386/fmt.a"), "%s: pkg/linux_386 merged", what);
	TAP_OK(exists(dest, "pkg/linux_386_race/fmt.a"), "%s: race variant merged", what);
	TAP_OK(exists(dest, "pkg/windows_amd64/fmt.a"), "%s: zip target merged", what);
	TAP_OK(exists(dest, "pkg/windows_amd64_race/fmt.a"), "%s: zip race variant merged", what);
	TAP_OK(exists(dest, "pkg/linux_amd64/fmt.a"), "%s: host pkg kept", what);
	TAP_OK(exists(dest, "src/link"), "%s: host symlink kept", what);
	TAP_OK(!exists(dest, "pkg/tool/linux_386"), "%s: no target tools", what);
	TAP_OK(!exists(dest, "pkg/include"), "%s: no target pkg/include", what);
	TAP_OK(!exists(dest, "pkg/obj"), "%s: no target pkg/obj", what);
	TAP_OK(!exists(dest, "bin/go.exe"), "%s: no target binaries", what);
	TAP_OK(!exists(dest, "src/runtime/zsys_darwin_amd64.s"), "%s: no other platform z file",
	       what);
	TAP_OK(!exists(dest, "src/runtime/runtime.go"), "%s: no target sources", what);
	TAP_OK(!exists(dest, "src/runtime/sub"), "%s: z files only directly in runtime", what);
	{
		char path[4096], *text;
		tap_path(path, sizeof(path), "%s/bin/go", dest);
		text = util_read(path);
		TAP_EQ_STR(text, "gobin", "%s: host's bin/go untouched", what);
		free(text);
	}
	TAP_EQ_INT(exists(dest, "src/runtime/zgoos_linux_386.go"), old_z,
		   "%s: src/runtime z file for linux/386 iff < 1.5", what);
	TAP_EQ_INT(exists(dest, "src/runtime/zasm_linux_386.h"), old_z, "%s: zasm header iff < 1.5",
		   what);
	TAP_EQ_INT(exists(dest, "src/runtime/zgoos_windows_amd64.go"), old_z,
		   "%s: zip z file iff < 1.5", what);
	TAP_EQ_INT(exists(dest, "src/pkg/runtime/zgoos_linux_386.go"), older_z,
		   "%s: src/pkg/runtime z file iff < 1.4", what);

	TAP_EQ_INT(mtime_of(dest, "bin/go"), 1500000000, "%s: host mtime kept", what);
	TAP_EQ_INT(mtime_of(dest, "pkg/linux_amd64/fmt.a"), 1500000100, "%s: host pkg mtime kept",
		   what);
	if (by_mtime) {
		TAP_EQ_INT(mtime_of(dest, "pkg/linux_386/fmt.a"), 1500000101,
			   "%s: merged file mtime = newest + 1", what);
		TAP_EQ_INT(mtime_of(dest, "pkg/linux_386/net.a"), 1500000101,
			   "%s: every merged file gets it", what);
		TAP_EQ_INT(mtime_of(dest, "pkg/windows_amd64_race/fmt.a"), 1500000101,
			   "%s: zip files too", what);
	} else {
		TAP_EQ_INT(mtime_of(dest, "pkg/linux_386/fmt.a"), 1400000000,
			   "%s: merged files keep their mtime", what);
		TAP_EQ_INT(mtime_of(dest, "pkg/linux_386/net.a"), 1450000000,
			   "%s: merged files keep their mtime (2)", what);
	}
}

static void
test_modern(void)
{
	struct merge_source targets[2];
	struct merge_opts opts = {0};
	struct captured cap = {0};
	char dest[4096];

	gn_goversion_parse("1.21.0", &opts.version);
	opts.host = source(host_tgz, "go1.21.0.linux-amd64.tar.gz", "linux/amd64", true);
	targets[0] = source(modern_tgz, "go1.21.0.linux-386.tar.gz", "linux/386", true);
	targets[1] = source(l386_tgz, "go1.21.0.linux-arm64.tar.gz", "linux/arm64", true);
	opts.targets = targets;
	opts.n_targets = 2;
	tap_path(dest, sizeof(dest), "%s/merged-1.21", tmp);
	if (merge_both("go1.21", &opts, dest, &cap) != 0) {
		return;
	}
	TAP_EQ_INT(cap.warnings, 2, "go1.21: one warning per target with nothing to merge");
	TAP_EQ_STR(cap.last,
		   "go1.21.0.linux-arm64.tar.gz: no pkg/linux_arm64 to merge (Go 1.20+ "
		   "distributions ship no precompiled std); linux/arm64 cross builds compile std "
		   "from source",
		   "go1.21: warning text");
	TAP_EQ_STR(cap.last_name, "go1.21.0.linux-arm64.tar.gz", "go1.21: warning names the file");
	TAP_OK(!exists(dest, "pkg/tool/linux_386"), "go1.21: target tools not merged");
	TAP_EQ_INT(util_count_entries(dest), 3, "go1.21: only the host's bin, pkg, src");
}

static void
test_errors(void)
{
	struct merge_source targets[1];
	struct merge_opts opts = {0};
	uint8_t id[GN_SHA256_LEN];
	struct gn_error err;
	static char bad[GN_SHA256_HEX];

	gn_goversion_parse("1.17", &opts.version);
	opts.host = source(host_tgz, "host.tar.gz", "linux/amd64", true);
	targets[0] = source(l386_tgz, "t.linux-386.tar.gz", "linux/386", true);
	memcpy(bad, targets[0].sha256, sizeof(bad));
	bad[63] = bad[63] == 'f' ? 'e' : 'f';
	targets[0].sha256 = bad;
	opts.targets = targets;
	opts.n_targets = 1;
	gn_error_clear(&err);
	TAP_EQ_INT(merge_goroot(&opts, id, &err), -GN_E_INTEGRITY,
		   "a tampered target fails the merge");
	TAP_EQ_STR(err.file, "t.linux-386.tar.gz", "... naming it");

	/* The bound is size * 12 + 64 MiB: a wrong small size still fits small archives. */
	opts.n_targets = 0;
	opts.host.size = 1;
	TAP_EQ_INT(merge_goroot(&opts, id, &err), 0, "small archives fit the 64 MiB slack");
}

static void
test_wants(void)
{
	static const struct {
		const char *ver;
		const char *plat;
		const char *path;
		bool is_dir;
		bool want;
	} cases[] = {
	    {"1.9", "linux/arm", "", true, true},
	    {"1.9", "linux/arm", "pkg", true, true},
	    {"1.9", "linux/arm", "pkg/linux_arm", true, true},
	    {"1.9", "linux/arm", "pkg/linux_arm/net.a", false, true},
	    {"1.9", "linux/arm", "pkg/linux_arm/net/http.a", false, true},
	    {"1.9", "linux/arm", "pkg/linux_arm/net", true, true},
	    {"1.9", "linux/arm", "pkg/linux_arm_race", true, true},
	    {"1.9", "linux/arm", "pkg/linux_arm_race/net.a", false, true},
	    {"1.9", "linux/arm", "pkg/linux_arm_dynlink/a/b.a", false, true},
	    {"1.9", "linux/arm", "pkg/linux_arm", false, false},
	    {"1.9", "linux/arm", "pkg/linux_arm_race", false, false},
	    {"1.9", "linux/arm", "pkg/linux_arm_", true, false},
	    {"1.9", "linux/arm", "pkg/linux_arm_/x.a", false, false},
	    {"1.9", "linux/arm", "pkg/linux_arm64", true, false},
	    {"1.9", "linux/arm", "pkg/linux_arm64/net.a", false, false},
	    {"1.9", "linux/arm", "pkg/linux_amd64/net.a", false, false},
	    {"1.9", "linux/arm", "pkg/tool", true, false},
	    {"1.9", "linux/arm", "pkg/tool/linux_arm/compile", false, false},
	    {"1.9", "linux/arm", "pkg/include/textflag.h", false, false},
	    {"1.9", "linux/arm", "pkg/obj/x", false, false},
	    {"1.9", "linux/arm", "pkgx/linux_arm/x.a", false, false},
	    {"1.9", "linux/arm", "bin/go", false, false},
	    {"1.9", "linux/arm", "src", true, false},
	    {"1.9", "linux/arm", "src/runtime/zgoos_linux_arm.go", false, false},
	    {"1.4", "linux/386", "src", true, true},
	    {"1.4", "linux/386", "src/runtime", true, true},
	    {"1.4", "linux/386", "src/runtime/zgoos_linux_386.go", false, true},
	    {"1.4.3", "linux/386", "src/runtime/zasm_linux_386.h", false, true},
	    {"1.4", "linux/386", "src/runtime/zgoos_linux_amd64.go", false, false},
	    {"1.4", "linux/386", "src/runtime/goos_linux_386.go", false, false},
	    {"1.4", "linux/386", "src/runtime/sub/zgoos_linux_386.go", false, false},
	    {"1.4", "linux/386", "src/runtime/sub", true, false},
	    {"1.4", "linux/386", "src/cmd", true, false},
	    {"1.4", "linux/386", "src/pkg", true, false},
	    {"1.4", "linux/386", "src/pkg/runtime/zgoos_linux_386.go", false, false},
	    {"1.3", "linux/386", "src/pkg", true, true},
	    {"1.3", "linux/386", "src/pkg/runtime", true, true},
	    {"1.3", "linux/386", "src/pkg/runtime/zgoos_linux_386.go", false, true},
	    {"1.3", "linux/386", "src/runtime/zgoos_linux_386.go", false, true},
	    {"1.3", "linux/386", "src/pkg/net/zgoos_linux_386.go", false, false},
	    {"1.5", "linux/386", "src/runtime/zgoos_linux_386.go", false, false},
	    {"1.5", "linux/386", "src/runtime", true, false},
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct gn_goversion v;
		struct gn_platform p;

		gn_goversion_parse(cases[i].ver, &v);
		gn_platform_parse(cases[i].plat, &p);
		TAP_EQ_INT(merge_wants(&v, &p, cases[i].path, cases[i].is_dir), cases[i].want,
			   "merge_wants go%s %s '%s'%s", cases[i].ver, cases[i].plat, cases[i].path,
			   cases[i].is_dir ? " (folder)" : "");
	}
}

int
main(void)
{
	util_tmpdir(tmp, sizeof(tmp), "merge");
	make("tgz", host_tgz, "host.tar.gz", host_entries, N(host_entries));
	make("tgz", l386_tgz, "linux386.tar.gz", linux_386_entries, N(linux_386_entries));
	make("zip", win_zip, "windows.zip", windows_entries, N(windows_entries));
	make("tgz", modern_tgz, "modern.tar.gz", modern_entries, N(modern_entries));
	test_wants();
	test_version("1.9");
	test_version("1.17");
	test_version("1.4");
	test_version("1.3");
	test_modern();
	test_errors();
	util_rm_rf(tmp);
	return tap_done();
}
