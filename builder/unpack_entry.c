/*
 * builder/unpack_entry.c - is an archive entry safe to extract?
 *
 * Names and link targets are checked as text, before anything reaches the
 * disk (builder/unpack.c then writes the entries that pass):
 * - Entry names are raw bytes; backslashes are refused (a Windows-made zip
 *   could mean them as separators, and official archives never hold one).
 * - A symlink target may climb ("..") only at its start and never above the
 *   GOROOT root; ".." after a name is refused, because a name could itself
 *   be a symlink and make the lexical check lie.
 * - Hard links, devices, FIFOs and sockets are refused.
 */
#include "builder/unpack.h"

#include <archive_entry.h>
#include <stdio.h>
#include <string.h>

static int
unsafe(struct gn_error *err, const char *pathname, const char *why)
{
	return gn_error_set(err, GN_E_UNSAFE, "entry '%s' %s", pathname, why);
}

/* Symlink target check: see the file comment.  depth = folders above the link. */
static int
check_link(const char *pathname, const char *rel, const char *target, struct gn_error *err)
{
	long depth = 0;
	bool named = false;
	const char *p;

	if (!target || !*target) {
		return unsafe(err, pathname, "is a symlink with an empty target");
	}
	if (target[0] == '/') {
		return gn_error_set(err, GN_E_UNSAFE,
				    "entry '%s' is a symlink to absolute path '%s'", pathname,
				    target);
	}
	if (strchr(target, '\\')) {
		return gn_error_set(err, GN_E_UNSAFE,
				    "entry '%s' is a symlink to '%s', which holds a backslash",
				    pathname, target);
	}
	for (p = rel; *p; p++) {
		depth += *p == '/';
	}
	for (p = target; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (named) {
				return gn_error_set(err, GN_E_UNSAFE,
						    "entry '%s' is a symlink to '%s', which climbs "
						    "with '..' after a name",
						    pathname, target);
			}
			if (--depth < 0) {
				return gn_error_set(err, GN_E_UNSAFE,
						    "entry '%s' is a symlink to '%s', outside go/",
						    pathname, target);
			}
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			named = true;
		}
		p += len + (end ? 1 : 0);
	}
	return 0;
}

int
unpack_check_entry(const char *pathname, unsigned int filetype, const char *symlink,
		   const char *hardlink, const char **rel, struct gn_error *err)
{
	return unpack_check_entry_under("go", pathname, filetype, symlink, hardlink, rel, err);
}

int
unpack_check_entry_under(const char *top, const char *pathname, unsigned int filetype,
			 const char *symlink, const char *hardlink, const char **rel,
			 struct gn_error *err)
{
	size_t top_len = strlen(top);
	const char *r, *p;

	*rel = NULL;
	if (!pathname || !*pathname) {
		return gn_error_set(err, GN_E_UNSAFE, "entry with an empty name");
	}
	if (hardlink && *hardlink) {
		return unsafe(err, pathname, "is a hard link");
	}
	switch (filetype) {
	case AE_IFREG:
	case AE_IFDIR:
	case AE_IFLNK:
		break;
	case AE_IFCHR:
	case AE_IFBLK:
		return unsafe(err, pathname, "is a device");
	case AE_IFIFO:
		return unsafe(err, pathname, "is a FIFO");
	case AE_IFSOCK:
		return unsafe(err, pathname, "is a socket");
	default:
		return unsafe(err, pathname, "has an unknown file type");
	}
	if (pathname[0] == '/') {
		return unsafe(err, pathname, "is an absolute path");
	}
	if (strchr(pathname, '\\')) {
		return unsafe(err, pathname, "holds a backslash");
	}
	if (strncmp(pathname, top, top_len) == 0 &&
	    (pathname[top_len] == '\0' || strcmp(pathname + top_len, "/") == 0)) {
		if (filetype != AE_IFDIR) {
			return unsafe(err, pathname, "must be a folder");
		}
		*rel = pathname + strlen(pathname);
		return 0;
	}
	if (strncmp(pathname, top, top_len) != 0 || pathname[top_len] != '/') {
		return gn_error_set(err, GN_E_UNSAFE, "entry '%s' is outside %s/", pathname, top);
	}
	r = pathname + top_len + 1;
	for (p = r;;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0) {
			/* Only a folder's trailing slash may leave an empty name. */
			if (!end && p > r && filetype == AE_IFDIR) {
				break;
			}
			if (!end && p > r) {
				return unsafe(err, pathname, "ends in '/' but is not a folder");
			}
			return unsafe(err, pathname, "has an empty path component");
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			return unsafe(err, pathname, "is outside go/ (has a '..' component)");
		}
		if (len == 1 && p[0] == '.') {
			return unsafe(err, pathname, "has a '.' component");
		}
		if (!end) {
			break;
		}
		p = end + 1;
	}
	if (filetype == AE_IFLNK) {
		int rc = check_link(pathname, r, symlink, err);
		if (rc != 0) {
			return rc;
		}
	}
	*rel = r;
	return 0;
}
