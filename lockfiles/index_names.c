/*
 * lockfiles/index_names.c - the name check of one release index entry:
 * a plain file name, a Go port, and the name go.dev would give that
 * version, os, arch and kind (index text becomes a path and a URL only
 * after this).
 */
#include "lockfiles/index_private.h"

#include "gn/goversion.h"
#include "gn/platform.h"
#include "gn/sha256.h"
#include "gn/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* go.dev names files with [A-Za-z0-9._-] only; nothing else may become a
 * path in the cache or a URL on a mirror. */
static bool
plain_file_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LOCK_INDEX_MAX_NAME || s[0] == '.') {
		return false;
	}
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			return false;
		}
	}
	return true;
}

/* s for a message: printable ASCII as is, other bytes as \xNN, cut short. */
void
index_quote_text(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t used = 0;

	for (; *s && used + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			out[used++] = (char)c;
		} else {
			out[used++] = '\\';
			out[used++] = 'x';
			out[used++] = hex[c >> 4];
			out[used++] = hex[c & 15];
		}
	}
	if (*s && used + 4 <= len) {
		memcpy(out + used, "...", 3);
		used += 3;
	}
	out[used] = '\0';
}

/*
 * Must f's name agree with its fields?  Entries the resolver can pick do:
 * kind archive or installer for a Go port (arch in index spelling,
 * "armv6l" for linux/arm), or kind source with no os and arch.  Others are
 * never locked and go.dev lists a few (os "4", arch "bootstrap"; arch
 * "arm6"; go.dev's index lists them); they only need a plain name.
 */
static bool
index_port(const char *os, const char *arch)
{
	struct gn_platform plat;

	return gn_platform_from_index(os, arch, &plat) &&
	       strcmp(gn_platform_index_arch(&plat), arch) == 0;
}

static bool
index_port_memo(struct index_parser *p, const char *os, const char *arch)
{
	size_t i = (index_hash_name(os) * 31 + index_hash_name(arch)) & (PORT_SLOTS - 1);

	for (; p->ports[i].os; i = (i + 1) & (PORT_SLOTS - 1)) {
		if (strcmp(p->ports[i].os, os) == 0 && strcmp(p->ports[i].arch, arch) == 0) {
			return p->ports[i].port;
		}
	}
	if (p->n_ports >= PORT_SLOTS / 2) {
		return index_port(os, arch); /* a hostile index: no more memo */
	}
	p->ports[i].os = os;
	p->ports[i].arch = arch;
	p->ports[i].port = index_port(os, arch);
	p->n_ports++;
	return p->ports[i].port;
}

bool
index_name_must_agree(struct index_parser *p, const struct lock_index_file *f)
{
	if (strcmp(f->kind, "archive") != 0 && strcmp(f->kind, "installer") != 0 &&
	    strcmp(f->kind, "source") != 0) {
		return false;
	}
	if (gn_artifact_is_source(f->os, f->arch)) {
		return true;
	}
	return index_port_memo(p, f->os, f->arch);
}

/* The name go.dev gives f, into out ("" when the fields cannot name one). */
static void
expected_name(const struct lock_index_file *f, char *out, size_t len)
{
	const char *ext;

	if (strcmp(f->kind, "source") == 0) {
		snprintf(out, len, "%s.src.tar.gz", f->version);
		return;
	}
	if (strcmp(f->kind, "archive") == 0) {
		ext = strcmp(f->os, "windows") == 0 ? "zip" : "tar.gz";
	} else {
		ext = strcmp(f->os, "windows") == 0 ? "msi" : "pkg";
	}
	snprintf(out, len, "%s.%s-%s.%s", f->version, f->os, f->arch, ext);
}

/* Skips prefix at *s; false when it is not there. */
static bool
skip_prefix(const char **s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(*s, prefix, n) != 0) {
		return false;
	}
	*s += n;
	return true;
}

/*
 * go<version>.src.tar.gz for source; go<version>.<os>-<arch>.<ext> else,
 * ext tar.gz or zip (archive), pkg or msi (installer).  Go <= 1.4.2 named
 * darwin files with a -osx10.N suffix after the arch.
 */
static bool
name_agrees(const struct lock_index_file *f)
{
	const char *s = f->filename;
	struct gn_goversion v;

	if (strncmp(f->version, "go", 2) != 0 || gn_goversion_parse(f->version, &v) != 0 ||
	    !skip_prefix(&s, f->version) || !skip_prefix(&s, ".")) {
		return false;
	}
	if (strcmp(f->kind, "source") == 0) {
		return gn_artifact_is_source(f->os, f->arch) && strcmp(s, "src.tar.gz") == 0;
	}
	if (!f->os[0] || !skip_prefix(&s, f->os) || !skip_prefix(&s, "-") ||
	    !skip_prefix(&s, f->arch)) {
		return false;
	}
	if (strcmp(f->os, "darwin") == 0 && skip_prefix(&s, "-osx10.")) {
		if (*s < '0' || *s > '9') {
			return false;
		}
		while (*s >= '0' && *s <= '9') {
			s++;
		}
	}
	if (strcmp(f->kind, "archive") == 0) {
		return strcmp(s, ".tar.gz") == 0 || strcmp(s, ".zip") == 0;
	}
	return strcmp(s, ".pkg") == 0 || strcmp(s, ".msi") == 0;
}

/* The name check of one file entry (DESIGN: index text becomes a path and a
 * URL only after this). */
int
index_check_file_name(struct index_parser *p, const struct lock_index_file *f,
		      const struct json_mark *name_mark, const struct json_mark *start)
{
	char shown[160], want[160], version[64], msg[GN_ERR_TEXT];
	int rc;

	if (!plain_file_name(f->filename)) {
		index_quote_text(f->filename, shown, sizeof(shown));
		snprintf(msg, sizeof(msg),
			 "file entry \"%s\" is not a plain file name (only letters, digits, '.', "
			 "'_' and '-', at most %d bytes, not starting with '.')",
			 shown, LOCK_INDEX_MAX_NAME);
		return json_fail(&p->w, name_mark, "%s", msg);
	}
	if (!index_name_must_agree(p, f) || name_agrees(f)) {
		return 0;
	}
	/* os, arch and kind are known words here; the version may be anything. */
	index_quote_text(f->filename, shown, sizeof(shown));
	index_quote_text(f->version, version, sizeof(version));
	snprintf(msg, sizeof(msg),
		 "file entry \"%s\" does not agree with its version \"%s\", os \"%s\", arch "
		 "\"%s\" and kind \"%s\"",
		 shown, version, f->os, f->arch, f->kind);
	rc = json_fail(&p->w, start, "%s", msg);
	expected_name(f, msg, sizeof(msg));
	index_quote_text(msg, want, sizeof(want));
	gn_error_values(p->w.err, want, shown);
	return rc;
}
