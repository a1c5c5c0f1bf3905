#include "gn/platform.h"

#include "gn/fs.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

/* `go tool dist list` across releases (ports that were dropped stay valid:
 * old distributions still name them). */
static const char *const known_platforms[] = {
	"aix/ppc64",	 "android/386",	    "android/amd64",   "android/arm",
	"android/arm64", "darwin/386",	    "darwin/amd64",    "darwin/arm",
	"darwin/arm64",	 "dragonfly/amd64", "freebsd/386",     "freebsd/amd64",
	"freebsd/arm",	 "freebsd/arm64",   "freebsd/riscv64", "illumos/amd64",
	"ios/amd64",	 "ios/arm64",	    "js/wasm",	       "linux/386",
	"linux/amd64",	 "linux/arm",	    "linux/arm64",     "linux/loong64",
	"linux/mips",	 "linux/mips64",    "linux/mips64le",  "linux/mipsle",
	"linux/ppc64",	 "linux/ppc64le",   "linux/riscv64",   "linux/s390x",
	"nacl/386",	 "nacl/amd64p32",   "nacl/arm",	       "netbsd/386",
	"netbsd/amd64",	 "netbsd/arm",	    "netbsd/arm64",    "openbsd/386",
	"openbsd/amd64", "openbsd/arm",	    "openbsd/arm64",   "openbsd/mips64",
	"openbsd/ppc64", "openbsd/riscv64", "plan9/386",       "plan9/amd64",
	"plan9/arm",	 "solaris/amd64",   "wasip1/wasm",     "windows/386",
	"windows/amd64", "windows/arm",	    "windows/arm64",   NULL,
};

const char *const *
gn_platform_known(void)
{
	return known_platforms;
}

static bool
valid_part(const char *s, size_t n)
{
	if (n == 0 || n >= GN_PLATFORM_PART) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) {
			return false;
		}
	}
	return true;
}

enum gn_platform_status
gn_platform_parse(const char *s, struct gn_platform *out)
{
	const char *slash = strchr(s, '/');
	char text[GN_PLATFORM_TEXT];

	memset(out, 0, sizeof(*out));
	if (!slash || !valid_part(s, (size_t)(slash - s)) ||
	    !valid_part(slash + 1, strlen(slash + 1))) {
		return GN_PLATFORM_MALFORMED;
	}
	memcpy(out->os, s, (size_t)(slash - s));
	snprintf(out->arch, sizeof(out->arch), "%s", slash + 1);
	gn_platform_format(out, text, sizeof(text));
	for (const char *const *k = known_platforms; *k; k++) {
		if (strcmp(*k, text) == 0) {
			return GN_PLATFORM_OK;
		}
	}
	return GN_PLATFORM_UNKNOWN;
}

void
gn_platform_format(const struct gn_platform *p, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", p->os, p->arch);
}

int
gn_platform_cmp(const struct gn_platform *a, const struct gn_platform *b)
{
	char ta[GN_PLATFORM_TEXT], tb[GN_PLATFORM_TEXT];

	gn_platform_format(a, ta, sizeof(ta));
	gn_platform_format(b, tb, sizeof(tb));
	return strcmp(ta, tb);
}

bool
gn_platform_equal(const struct gn_platform *a, const struct gn_platform *b)
{
	return strcmp(a->os, b->os) == 0 && strcmp(a->arch, b->arch) == 0;
}

bool
gn_platform_in(const struct gn_platform *p, const struct gn_platform *set, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (gn_platform_equal(p, &set[i])) {
			return true;
		}
	}
	return false;
}

bool
gn_platform_same_set(const struct gn_platform *a, size_t na, const struct gn_platform *b,
		     size_t nb)
{
	if (na != nb) {
		return false;
	}
	for (size_t i = 0; i < na; i++) {
		if (!gn_platform_in(&a[i], b, nb)) {
			return false;
		}
	}
	return true;
}

const char *
gn_platform_index_arch(const struct gn_platform *p)
{
	if (strcmp(p->os, "linux") == 0 && strcmp(p->arch, "arm") == 0) {
		return "armv6l";
	}
	return p->arch;
}

bool
gn_platform_from_index(const char *os, const char *arch, struct gn_platform *out)
{
	char text[2 * GN_PLATFORM_PART + 2];

	if (strcmp(os, "linux") == 0 && strcmp(arch, "armv6l") == 0) {
		arch = "arm";
	}
	if (strlen(os) >= GN_PLATFORM_PART || strlen(arch) >= GN_PLATFORM_PART) {
		return false;
	}
	snprintf(text, sizeof(text), "%s/%s", os, arch);
	return gn_platform_parse(text, out) == GN_PLATFORM_OK;
}

bool
gn_platform_host(struct gn_platform *out)
{
	struct utsname u;
	const char *arch = NULL;
	char os[GN_PLATFORM_PART];
	char text[GN_PLATFORM_TEXT];

	if (uname(&u) != 0) {
		return false;
	}
	if (!gn_path_fmt(os, sizeof(os), "%s", u.sysname)) {
		return false; /* no OS name that long is known */
	}
	for (char *c = os; *c; c++) {
		if (*c >= 'A' && *c <= 'Z') {
			*c = (char)(*c - 'A' + 'a');
		}
	}
	if (strcmp(u.machine, "x86_64") == 0 || strcmp(u.machine, "amd64") == 0) {
		arch = "amd64";
	} else if (strcmp(u.machine, "aarch64") == 0 || strcmp(u.machine, "arm64") == 0) {
		arch = "arm64";
	} else if (u.machine[0] == 'i' && strcmp(u.machine + 2, "86") == 0) {
		arch = "386";
	} else if (strncmp(u.machine, "arm", 3) == 0) {
		arch = "arm";
	} else if (strcmp(u.machine, "ppc64le") == 0 || strcmp(u.machine, "s390x") == 0 ||
		   strcmp(u.machine, "riscv64") == 0 || strcmp(u.machine, "loongarch64") == 0) {
		arch = strcmp(u.machine, "loongarch64") == 0 ? "loong64" : u.machine;
	}
	if (!arch) {
		return false;
	}
	if (!gn_path_fmt(text, sizeof(text), "%s/%s", os, arch)) {
		return false;
	}
	return gn_platform_parse(text, out) == GN_PLATFORM_OK;
}

bool
gn_artifact_is_source(const char *os, const char *arch)
{
	return os[0] == '\0' && arch[0] == '\0';
}
