#include "gn/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_MIN (64 * 1024)
#define ARENA_ALIGN 16

struct gn_arena_block {
	struct gn_arena_block *next;
	size_t used;
	size_t cap;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

void
gn_arena_init(struct gn_arena *arena)
{
	arena->head = NULL;
}

void
gn_arena_free(struct gn_arena *arena)
{
	struct gn_arena_block *block = arena->head;

	while (block) {
		struct gn_arena_block *next = block->next;
		free(block);
		block = next;
	}
	arena->head = NULL;
}

void *
gn_arena_alloc(struct gn_arena *arena, size_t size)
{
	struct gn_arena_block *block = arena->head;
	size_t rounded;
	void *p;

	if (size > SIZE_MAX - ARENA_ALIGN) {
		return NULL;
	}
	rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (rounded == 0) {
		rounded = ARENA_ALIGN;
	}
	if (!block || block->cap - block->used < rounded) {
		size_t cap = rounded > ARENA_BLOCK_MIN ? rounded : ARENA_BLOCK_MIN;
		block = malloc(sizeof(*block) + cap);
		if (!block) {
			return NULL;
		}
		block->used = 0;
		block->cap = cap;
		block->next = arena->head;
		arena->head = block;
	}
	p = block->data + block->used;
	block->used += rounded;
	memset(p, 0, rounded);
	return p;
}

void *
gn_arena_array(struct gn_arena *arena, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		return NULL;
	}
	return gn_arena_alloc(arena, n * size);
}

char *
gn_arena_strndup(struct gn_arena *arena, const char *s, size_t n)
{
	char *copy;

	if (!s) {
		return NULL;
	}
	copy = gn_arena_alloc(arena, n + 1);
	if (copy) {
		memcpy(copy, s, n);
		copy[n] = '\0';
	}
	return copy;
}

char *
gn_arena_strdup(struct gn_arena *arena, const char *s)
{
	return s ? gn_arena_strndup(arena, s, strlen(s)) : NULL;
}

char *
gn_arena_vprintf(struct gn_arena *arena, const char *fmt, va_list ap)
{
	va_list again;
	char *out;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		va_end(again);
		return NULL;
	}
	out = gn_arena_alloc(arena, (size_t)n + 1);
	if (out) {
		vsnprintf(out, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	return out;
}

char *
gn_arena_printf(struct gn_arena *arena, const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = gn_arena_vprintf(arena, fmt, ap);
	va_end(ap);
	return out;
}
