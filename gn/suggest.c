/*
 * gn/suggest.c - "did you mean ...?" by optimal-string-alignment distance.
 */
#include "gn/suggest.h"

#include <stdio.h>
#include <string.h>

/* Longer words are never typos of our short keys and commands. */
#define SUGGEST_MAX_LEN 64

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN) {
		return (size_t)-1;
	}
	for (size_t i = 0; i <= la; i++) {
		d[i][0] = i;
	}
	for (size_t j = 0; j <= lb; j++) {
		d[0][j] = j;
	}
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j]) {
				d[i][j] = d[i - 2][j - 2] + 1;
			}
		}
	}
	return d[la][lb];
}

static size_t
allowed_edits(const char *word)
{
	size_t n = strlen(word);

	return n <= 4 ? 1 : n <= 8 ? 2 : 3;
}

const char *
gn_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_distance = allowed_edits(word) + 1;

	for (size_t i = 0; n ? i < n : candidates[i] != NULL; i++) {
		size_t dist = distance(word, candidates[i]);

		if (dist > 0 && dist < best_distance) {
			best = candidates[i];
			best_distance = dist;
		}
	}
	return best;
}

const char *
gn_suggest_csv(const char *word, const char *csv, char *out, size_t out_len)
{
	const char *best = NULL;
	size_t best_distance = allowed_edits(word) + 1;

	while (*csv) {
		char one[SUGGEST_MAX_LEN + 1];
		size_t len;

		while (*csv == ',' || *csv == ' ') {
			csv++;
		}
		len = strcspn(csv, ", ");
		if (len == 0) {
			break;
		}
		if (len <= SUGGEST_MAX_LEN) {
			size_t dist;

			memcpy(one, csv, len);
			one[len] = '\0';
			dist = distance(word, one);
			if (dist > 0 && dist < best_distance) {
				snprintf(out, out_len, "%s", one);
				best = out;
				best_distance = dist;
			}
		}
		csv += len;
	}
	return best;
}
