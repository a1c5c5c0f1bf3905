/*
 * gn/arena.h - bump allocator for data parsed for one run.
 *
 * Manifest, lock and index models point into an arena; gn_arena_free()
 * releases everything at once.  Allocation never fails softly: on OOM the
 * functions return NULL and callers report GN_E_NOMEM.
 */
#ifndef GN_ARENA_H
#define GN_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct gn_arena_block;

struct gn_arena {
	struct gn_arena_block *head;
};

/* Zero-initialised struct gn_arena is a valid empty arena. */
void gn_arena_init(struct gn_arena *arena);
/* Frees every block; the arena is empty and reusable afterwards. */
void gn_arena_free(struct gn_arena *arena);

/* Zeroed memory owned by the arena, aligned for any type. */
void *gn_arena_alloc(struct gn_arena *arena, size_t size);
/* Zeroed array of n elements; NULL on overflow/OOM. */
void *gn_arena_array(struct gn_arena *arena, size_t n, size_t size);
/* NUL-terminated copies owned by the arena. s may be NULL (returns NULL). */
char *gn_arena_strdup(struct gn_arena *arena, const char *s);
char *gn_arena_strndup(struct gn_arena *arena, const char *s, size_t n);
char *gn_arena_printf(struct gn_arena *arena, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *gn_arena_vprintf(struct gn_arena *arena, const char *fmt, va_list ap);

#endif
