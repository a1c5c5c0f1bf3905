/*
 * builder/note.h - signed notes (the checksum database's signed tree heads),
 * verified the way golang.org/x/mod/sumdb/note does (docs/design.md section 17):
 *
 *   <text ending in \n>\n
 *   — <name> <base64(4-byte key hash || 64-byte Ed25519 signature)>\n ...
 *
 * A verifier key is "<name>+<8 hex key hash>+<base64(0x01 || pubkey)>".
 */
#ifndef NOTE_H
#define NOTE_H

#include "gn/error.h"

#include <stddef.h>
#include <stdint.h>

#define NOTE_NAME_MAX 256

struct note_verifier {
	char name[NOTE_NAME_MAX];
	uint32_t hash;
	uint8_t pub[32];
};

/* Parse a verifier key; its key hash must match name and key.  On a bad key:
 * -GN_E_USAGE with the reason (callers add a position). */
int note_verifier_parse(const char *vkey, size_t len, struct note_verifier *out,
			struct gn_error *err);

/*
 * Check that msg is a well-formed note signed by v.  On success *text_len is
 * the length of the signed text (msg[0..*text_len), ending in '\n').
 * Malformed note: -GN_E_INTEGRITY.  No signature by v, or one that does not
 * verify: -GN_E_SIGNATURE naming the key.
 */
int note_open(const char *msg, size_t len, const struct note_verifier *v, size_t *text_len,
	      struct gn_error *err);

#endif
