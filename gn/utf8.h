/*
 * gn/utf8.h - strict UTF-8 decoding for the writers that must escape text
 * (the lock's YAML quoting, the index's Go-style JSON).
 */
#ifndef GN_UTF8_H
#define GN_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one sequence at s into *cp; returns its length in bytes, or 0 for
 * an invalid, overlong or surrogate sequence (s must be NUL-terminated). */
size_t gn_utf8_decode(const unsigned char *s, uint32_t *cp);

#endif
