/*
 * tests/builder/util.h - helpers shared by the builder tests: temp folders,
 * running programs, writing archives with mkarchive.py.
 */
#ifndef TESTS_BUILDER_UTIL_H
#define TESTS_BUILDER_UTIL_H

#include "gn/fs.h"
#include "gn/sha256.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A fresh folder under $TMPDIR (or /tmp) into out; exits 99 on failure. */
static inline void
util_tmpdir(char *out, size_t len, const char *tag)
{
	const char *base = getenv("TMPDIR");

	snprintf(out, len, "%s/gn-%s-XXXXXX", base && *base ? base : "/tmp", tag);
	if (!mkdtemp(out)) {
		perror("mkdtemp");
		exit(99);
	}
}

/* Runs argv (NULL-terminated); the exit status, or -1. */
static inline int
util_run(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		return -1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
		return -1;
	}
	return WEXITSTATUS(status);
}

/* mkarchive.py tgz|zip out entries...; 0 on success. */
static inline int
util_mkarchive(const char *kind, const char *out, const char *const *entries, size_t n)
{
	const char *python = getenv("PYTHON");
	const char *script = getenv("MKARCHIVE");
	char **argv = calloc(n + 5, sizeof(*argv));
	int rc;

	if (!python || !script || !argv) {
		fprintf(stderr, "PYTHON and MKARCHIVE must be set\n");
		free(argv);
		return -1;
	}
	argv[0] = (char *)python;
	argv[1] = (char *)script;
	argv[2] = (char *)kind;
	argv[3] = (char *)out;
	for (size_t i = 0; i < n; i++) {
		argv[4 + i] = (char *)entries[i];
	}
	rc = util_run(argv);
	free(argv);
	return rc;
}

static inline int
util_chmod_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR) {
		chmod(path, (st->st_mode & 07777) | 0700);
	}
	return 0;
}

/* rm -rf, after making every folder owner-writable (tests make 0555 ones). */
static inline void
util_rm_rf(const char *path)
{
	struct gn_error err;

	nftw(path, util_chmod_one, 32, FTW_PHYS);
	if (gn_rm_rf(path, &err) != 0) {
		fprintf(stderr, "cleanup of %s failed: %s\n", path, err.message);
	}
}

static inline int
util_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (fd < 0) {
		return -1;
	}
	n = write(fd, data, len);
	close(fd);
	if (n != (ssize_t)len || chmod(path, mode) != 0) {
		return -1;
	}
	return 0;
}

/* Whole small file as a malloc'd string, or NULL. */
static inline char *
util_read(const char *path)
{
	struct gn_error err;
	char *data;
	size_t len;

	if (gn_read_file(path, 64 << 20, &data, &len, &err) != 0) {
		return NULL;
	}
	return data;
}

static inline void
util_sha256_file(const char *path, char hex[GN_SHA256_HEX])
{
	struct gn_error err;
	uint8_t digest[GN_SHA256_LEN];
	char *data;
	size_t len;

	hex[0] = '\0';
	if (gn_read_file(path, (size_t)1 << 31, &data, &len, &err) != 0) {
		return;
	}
	gn_sha256(data, len, digest);
	gn_hex_encode(digest, GN_SHA256_LEN, hex);
	free(data);
}

/* Names in a folder, "." and ".." excepted. */
static inline int
util_count_entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!dir) {
		return -1;
	}
	while ((de = readdir(dir))) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			n++;
		}
	}
	closedir(dir);
	return n;
}

static inline int
util_lstat_mode(const char *dir, const char *rel)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (lstat(path, &st) != 0) {
		return -1;
	}
	return (int)st.st_mode;
}

#endif
