/*
 * bench/statprobe.c - what one stat per entry costs on this machine, by
 * method, for the warm path (P3a).  Not part of gonative: bench.py builds it
 * with cc and runs it over the synced tree.
 *
 *   statprobe DIR [REPEAT]
 *
 * Lists DIR once (not timed), then times REPEAT passes (median) of:
 *   path      fstatat(AT_FDCWD, "DIR/a/b/c")       one thread
 *   dirfd     fstatat(dirfd, "c"), a dirfd per folder  one thread
 *   statx     statx(dirfd, "c", mask: type, mode, size, mtime, ino)
 *   dirfd-2t / dirfd-4t  the dirfd method split over 2 / 4 threads
 * Prints "method microseconds-per-pass entries" lines.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct entry {
	int dir;       /* index into dirfds */
	char *name;
	char *path;
};

static struct entry *entries;
static size_t n_entries, cap_entries;
static int *dirfds;
static size_t n_dirs, cap_dirs;

static void
add_entry(int dir, const char *name, const char *path)
{
	if (n_entries == cap_entries) {
		cap_entries = cap_entries ? cap_entries * 2 : 4096;
		entries = realloc(entries, cap_entries * sizeof(*entries));
	}
	entries[n_entries].dir = dir;
	entries[n_entries].name = strdup(name);
	entries[n_entries].path = strdup(path);
	n_entries++;
}

static void
walk(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int me;

	if (!d) {
		return;
	}
	if (n_dirs == cap_dirs) {
		cap_dirs = cap_dirs ? cap_dirs * 2 : 1024;
		dirfds = realloc(dirfds, cap_dirs * sizeof(*dirfds));
	}
	me = (int)n_dirs++;
	dirfds[me] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while ((e = readdir(d))) {
		char child[4096];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
			continue;
		}
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		add_entry(me, e->d_name, child);
		if (e->d_type == DT_DIR) {
			walk(child);
		}
	}
	closedir(d);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct range {
	size_t from, to;
	int use_statx;
	long sum;
};

static void *
stat_range(void *arg)
{
	struct range *r = arg;
	struct stat st;
	struct statx sx;

	for (size_t i = r->from; i < r->to; i++) {
		if (r->use_statx) {
			if (statx(dirfds[entries[i].dir], entries[i].name, AT_SYMLINK_NOFOLLOW,
				  STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_MTIME | STATX_INO,
				  &sx) == 0) {
				r->sum += (long)sx.stx_size;
			}
		} else if (fstatat(dirfds[entries[i].dir], entries[i].name, &st,
				   AT_SYMLINK_NOFOLLOW) == 0) {
			r->sum += (long)st.st_size;
		}
	}
	return NULL;
}

static double
pass(const char *method)
{
	double t0 = now_us();
	struct stat st;

	if (!strcmp(method, "path")) {
		for (size_t i = 0; i < n_entries; i++) {
			fstatat(AT_FDCWD, entries[i].path, &st, AT_SYMLINK_NOFOLLOW);
		}
	} else {
		int threads = !strcmp(method, "dirfd-2t") ? 2 : !strcmp(method, "dirfd-4t") ? 4 : 1;
		pthread_t tid[4];
		struct range r[4];

		for (int t = 0; t < threads; t++) {
			r[t].from = n_entries * t / threads;
			r[t].to = n_entries * (t + 1) / threads;
			r[t].use_statx = !strcmp(method, "statx");
			r[t].sum = 0;
			if (threads > 1) {
				pthread_create(&tid[t], NULL, stat_range, &r[t]);
			} else {
				stat_range(&r[t]);
			}
		}
		for (int t = 0; threads > 1 && t < threads; t++) {
			pthread_join(tid[t], NULL);
		}
	}
	return now_us() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static const char *methods[] = { "path", "dirfd", "statx", "dirfd-2t", "dirfd-4t" };
	int repeat = argc > 2 ? atoi(argv[2]) : 15;
	double *t;

	if (argc < 2 || repeat < 1) {
		fprintf(stderr, "usage: statprobe DIR [REPEAT]\n");
		return 2;
	}
	walk(argv[1]);
	t = calloc((size_t)repeat, sizeof(*t));
	for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
		pass(methods[m]); /* warm the dentry cache */
		for (int i = 0; i < repeat; i++) {
			t[i] = pass(methods[m]);
		}
		qsort(t, (size_t)repeat, sizeof(*t), cmp_double);
		printf("%s %.0f %zu\n", methods[m], t[repeat / 2], n_entries);
	}
	return 0;
}
