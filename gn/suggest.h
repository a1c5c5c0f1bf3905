/*
 * gn/suggest.h - "did you mean ...?": the closest of a few known words.
 */
#ifndef GN_SUGGEST_H
#define GN_SUGGEST_H

#include <stddef.h>

/*
 * The candidate closest to word by edit distance (insertions, deletions,
 * substitutions and swaps of two neighbours each count 1), if it is close
 * enough to be a likely typo: at most 1 edit for words up to 4 letters, 2
 * up to 8, 3 beyond.  Ties go to the earlier candidate.  NULL when none is.
 * Returns one of the candidates (not a copy); candidates may be
 * NULL-terminated (n = 0) or counted.
 */
const char *gn_suggest(const char *word, const char *const *candidates, size_t n);

/* The same over a comma-separated list ("go, hosts, platforms"); the
 * suggestion is written into out (out_len bytes); NULL when none. */
const char *gn_suggest_csv(const char *word, const char *csv, char *out, size_t out_len);

#endif
