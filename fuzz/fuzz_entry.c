/*
 * fuzz/fuzz_entry.c - libFuzzer target for unpack_check_entry().
 *
 * Input: one byte choosing the file type, then pathname, symlink target
 * and hard link target separated by NUL bytes (missing ones are NULL).
 * Whatever is accepted must be safe: *rel below go/, no "." or ".."
 * component, no backslash, no empty component, and a symlink target that
 * is relative and stays inside the tree (checked here independently).
 */
#include "builder/unpack.h"

#include <archive_entry.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned int types[] = { AE_IFREG, AE_IFDIR, AE_IFLNK,  AE_IFCHR,
				      AE_IFBLK, AE_IFIFO, AE_IFSOCK, 0 };

/* Components of rel, lexically: false on "", ".", "..", or a backslash. */
static bool
clean_path(const char *rel, bool dir)
{
	const char *p = rel;
	size_t n = strlen(rel);

	if (dir && n > 0 && rel[n - 1] == '/') {
		n--;
	}
	if (n == 0) {
		return true;
	}
	while (p < rel + n) {
		const char *end = memchr(p, '/', (size_t)(rel + n - p));
		size_t len = end ? (size_t)(end - p) : (size_t)(rel + n - p);
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.')) {
			return false;
		}
		p += len + 1;
	}
	return !memchr(rel, '\\', n);
}

/* Resolve target against rel's folder, lexically; false if it leaves. */
static bool
link_inside(const char *rel, const char *target)
{
	long depth = 0;

	if (target[0] == '/') {
		return false;
	}
	for (const char *p = rel; *p; p++) {
		depth += *p == '/';
	}
	for (const char *p = target; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			depth--;
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			depth++;
		}
		if (depth < 0) {
			return false;
		}
		p += len + (end ? 1 : 0);
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *fields[3] = { NULL, NULL, NULL };
	const char *rel = NULL;
	struct gn_error err;
	unsigned int type;
	size_t nf = 0;
	int rc;

	if (size < 1) {
		return 0;
	}
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	buf = malloc(size);
	if (!buf) {
		return 0;
	}
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	fields[nf++] = buf;
	for (size_t i = 0; i + 1 < size - 1 && nf < 3; i++) {
		if (buf[i] == '\0') {
			fields[nf++] = buf + i + 1;
		}
	}
	gn_error_clear(&err);
	rc = unpack_check_entry(fields[0], type, fields[1], fields[2], &rel, &err);
	if (rc == 0) {
		if (!rel || strncmp(fields[0], "go", 2) != 0 ||
		    !clean_path(rel, type == AE_IFDIR)) {
			__builtin_trap();
		}
		if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
			__builtin_trap();
		}
		if (fields[2] && fields[2][0]) {
			__builtin_trap(); /* hard links are never accepted */
		}
		if (type == AE_IFLNK && (!fields[1] || !link_inside(rel, fields[1]))) {
			__builtin_trap();
		}
	} else if (rc != -GN_E_UNSAFE || err.code != GN_E_UNSAFE) {
		__builtin_trap();
	}
	free(buf);
	return 0;
}
