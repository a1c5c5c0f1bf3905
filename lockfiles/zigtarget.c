/*
 * lockfiles/zigtarget.c - the GOOS/GOARCH -> Zig triple table.
 *
 * Sources: a feasibility run with Zig 0.11.0 and Go 1.19.8 (linux/arm64
 * glibc 2.17, linux/amd64 musl, linux/arm GOARM=7, windows/amd64) and the
 * triples Zig 0.11's own libc tree names (lib/libc/include/<triple>).
 * Zig 0.11 spells 32-bit x86 "x86" and refuses "i386".
 */
#include "lockfiles/zigtarget.h"

#include "gn/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum zig_os {
	ZOS_LINUX,
	ZOS_WINDOWS,
};

struct zig_row {
	const char *goos, *goarch;
	enum zig_os os;
	const char *arch;       /* Zig's architecture name */
	const char *gnu_abi;    /* linux: "gnu", "gnueabihf", ...; windows: "gnu" */
	const char *musl_abi;   /* linux: "musl", "musleabihf"; NULL = no musl */
	const char *glibc_min;  /* oldest glibc Zig has for the arch, or NULL */
	const char *goarm;      /* GOARM the triple assumes, or NULL */
	const char *since;      /* first Zig release that serves it, or NULL */
};

static const struct zig_row rows[] = {
	{"linux", "386", ZOS_LINUX, "x86", "gnu", "musl", NULL, NULL, NULL},
	{"linux", "amd64", ZOS_LINUX, "x86_64", "gnu", "musl", NULL, NULL, NULL},
	{"linux", "arm", ZOS_LINUX, "arm", "gnueabihf", "musleabihf", NULL, "7", NULL},
	{"linux", "arm64", ZOS_LINUX, "aarch64", "gnu", "musl", "2.17", NULL, NULL},
	{"linux", "loong64", ZOS_LINUX, "loongarch64", "gnu", "musl", "2.36", NULL, "0.12.0"},
	{"linux", "mips", ZOS_LINUX, "mips", "gnueabihf", "musl", NULL, NULL, NULL},
	{"linux", "mipsle", ZOS_LINUX, "mipsel", "gnueabihf", "musl", NULL, NULL, NULL},
	{"linux", "mips64", ZOS_LINUX, "mips64", "gnuabi64", "musl", NULL, NULL, NULL},
	{"linux", "mips64le", ZOS_LINUX, "mips64el", "gnuabi64", "musl", NULL, NULL, NULL},
	{"linux", "ppc64le", ZOS_LINUX, "powerpc64le", "gnu", "musl", "2.17", NULL, NULL},
	{"linux", "riscv64", ZOS_LINUX, "riscv64", "gnu", "musl", "2.27", NULL, NULL},
	{"linux", "s390x", ZOS_LINUX, "s390x", "gnu", "musl", NULL, NULL, NULL},
	{"windows", "386", ZOS_WINDOWS, "x86", "gnu", NULL, NULL, NULL, NULL},
	{"windows", "amd64", ZOS_WINDOWS, "x86_64", "gnu", NULL, NULL, NULL, NULL},
	{"windows", "arm64", ZOS_WINDOWS, "aarch64", "gnu", NULL, NULL, NULL, NULL},
};

static const struct zig_row *
find_row(const struct gn_platform *p)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (strcmp(rows[i].goos, p->os) == 0 && strcmp(rows[i].goarch, p->arch) == 0) {
			return &rows[i];
		}
	}
	return NULL;
}

/* Numbers of a dotted version ("2.17", "0.11.0"); the rest (a "-dev..."
 * suffix) is pointed to by *rest.  Returns how many numbers were read. */
static int
split_version(const char *s, long parts[3], const char **rest)
{
	int n = 0;

	parts[0] = parts[1] = parts[2] = 0;
	while (n < 3 && *s >= '0' && *s <= '9') {
		char *end;

		parts[n++] = strtol(s, &end, 10);
		s = end;
		if (*s != '.') {
			break;
		}
		s++;
	}
	*rest = s;
	return n;
}

int
zig_version_cmp(const char *a, const char *b)
{
	long pa[3], pb[3];
	const char *ra, *rb;

	split_version(a, pa, &ra);
	split_version(b, pb, &rb);
	for (int i = 0; i < 3; i++) {
		if (pa[i] != pb[i]) {
			return pa[i] < pb[i] ? -1 : 1;
		}
	}
	/* "0.12.0-dev.1" comes before "0.12.0". */
	if (!*ra != !*rb) {
		return *ra ? -1 : 1;
	}
	return strcmp(ra, rb);
}

static bool
all_digits(const char *s, size_t n)
{
	if (n == 0 || n > 6 || (n > 1 && s[0] == '0')) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	return true;
}

/* n dot-separated numbers, exactly (min..max of them). */
static bool
dotted(const char *s, int min, int max)
{
	int count = 0;

	for (;;) {
		size_t n = strcspn(s, ".");

		if (!all_digits(s, n)) {
			return false;
		}
		count++;
		if (s[n] == '\0') {
			break;
		}
		s += n + 1;
	}
	return count >= min && count <= max;
}

bool
zig_version_valid(const char *s)
{
	return s && dotted(s, 3, 3);
}

bool
zig_glibc_valid(const char *s)
{
	return s && s[0] == '2' && s[1] == '.' && dotted(s, 2, 3);
}

bool
zig_target_for(const struct gn_platform *p, const char *zig_version, const char *glibc,
	       bool musl, char out[ZIG_TRIPLE_MAX], const char **why)
{
	const struct zig_row *row = find_row(p);
	const char *libc;

	out[0] = '\0';
	if (!row) {
		if (strcmp(p->os, "darwin") == 0 || strcmp(p->os, "ios") == 0) {
			*why = "linking for Apple platforms needs the macOS SDK, which Zig does "
			       "not ship";
		} else {
			*why = "Zig ships no C library for this platform";
		}
		return false;
	}
	if (row->since && zig_version_cmp(zig_version, row->since) < 0) {
		*why = "this Zig release has no C library for the architecture";
		return false;
	}
	if (musl && !row->musl_abi) {
		*why = "musl is a Linux C library";
		return false;
	}
	if (row->os == ZOS_WINDOWS) {
		snprintf(out, ZIG_TRIPLE_MAX, "%s-windows-gnu", row->arch);
		return true;
	}
	if (musl) {
		snprintf(out, ZIG_TRIPLE_MAX, "%s-linux-%s", row->arch, row->musl_abi);
		return true;
	}
	libc = glibc;
	if (row->glibc_min && zig_version_cmp(glibc, row->glibc_min) < 0) {
		libc = row->glibc_min;
	}
	snprintf(out, ZIG_TRIPLE_MAX, "%s-linux-%s.%s", row->arch, row->gnu_abi, libc);
	return true;
}

const char *
zig_target_goarm(const struct gn_platform *p)
{
	const struct zig_row *row = find_row(p);

	return row ? row->goarm : NULL;
}

bool
zig_target_musl_ok(const struct gn_platform *p)
{
	const struct zig_row *row = find_row(p);

	return row && row->musl_abi;
}

static const struct {
	const char *goos, *goarch;
	const char *keys[2];
} hosts[] = {
	{"darwin", "amd64", {"x86_64-macos", NULL}},
	{"darwin", "arm64", {"aarch64-macos", NULL}},
	{"freebsd", "amd64", {"x86_64-freebsd", NULL}},
	{"linux", "386", {"x86-linux", "i386-linux"}},
	{"linux", "amd64", {"x86_64-linux", NULL}},
	{"linux", "arm", {"armv7a-linux", NULL}},
	{"linux", "arm64", {"aarch64-linux", NULL}},
	{"linux", "loong64", {"loongarch64-linux", NULL}},
	{"linux", "ppc64le", {"powerpc64le-linux", NULL}},
	{"linux", "riscv64", {"riscv64-linux", NULL}},
	{"linux", "s390x", {"s390x-linux", NULL}},
	{"windows", "386", {"x86-windows", "i386-windows"}},
	{"windows", "amd64", {"x86_64-windows", NULL}},
	{"windows", "arm64", {"aarch64-windows", NULL}},
};

size_t
zig_host_keys(const struct gn_platform *host, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		if (strcmp(hosts[i].goos, host->os) != 0 || strcmp(hosts[i].goarch, host->arch) != 0) {
			continue;
		}
		for (size_t k = 0; k < 2 && hosts[i].keys[k] && n < max; k++) {
			out[n++] = hosts[i].keys[k];
		}
	}
	return n;
}

bool
zig_tarball_name_ok(const char *file, const char *key, const char *zig_version, char *top,
		    size_t top_len)
{
	const char *dash = strchr(key, '-');
	const char *ext = strstr(key, "windows") ? ".zip" : ".tar.xz";
	char arch[32], os[32], want[2][160];
	size_t n = strlen(file), e = strlen(ext);

	if (!dash || (size_t)(dash - key) >= sizeof(arch) || strlen(dash + 1) >= sizeof(os)) {
		return false;
	}
	/* names that do not fit are no match: a cut name would be another */
	if (!gn_path_fmt(arch, sizeof(arch), "%.*s", (int)(dash - key), key) ||
	    !gn_path_fmt(os, sizeof(os), "%s", dash + 1) ||
	    !gn_path_fmt(want[0], sizeof(want[0]), "zig-%s-%s-%s%s", os, arch, zig_version, ext) ||
	    !gn_path_fmt(want[1], sizeof(want[1]), "zig-%s-%s-%s%s", arch, os, zig_version, ext)) {
		return false;
	}
	if (strcmp(file, want[0]) != 0 && strcmp(file, want[1]) != 0) {
		return false;
	}
	/* a folder name that does not fit in top is refused, never cut */
	return !top || gn_path_fmt(top, top_len, "%.*s", (int)(n - e), file);
}
