/*
 * builder/gpgv.h - OpenPGP signatures (.asc beside go.dev's .tar.gz) checked
 * the way apt does: gpgv as a subprocess (posix_spawn, no shell, a minimal
 * environment, an empty --homedir), pinned keyrings only, and a verdict read
 * from --status-fd, never from gpgv's exit code or text.
 *
 * Accepted: VALIDSIG whose primary key fingerprint is pinned (or, with no
 * pins, any key of the keyrings), with GOODSIG, or with EXPKEYSIG when the
 * key expired after the signature was made (KEYEXPIRED > signature time).
 * Refused: BADSIG, ERRSIG, REVKEYSIG, EXPSIG, NO_PUBKEY, no VALIDSIG.
 */
#ifndef GPGV_H
#define GPGV_H

#include "gn/error.h"

#include <stddef.h>

#define GPGV_FPR_LEN 41 /* 40 hex + NUL */

struct gpgv_opts {
	const char *gpgv;	     /* program; NULL = first of the usual paths */
	const char *const *keyrings; /* absolute paths */
	size_t n_keyrings;
	const char *const *fingerprints; /* pinned primary keys, 40 uppercase hex */
	size_t n_fingerprints;
	const char *tmp; /* folder for gpgv's scratch home */
};

struct gpgv_result {
	char signer[GPGV_FPR_LEN];  /* the (sub)key that signed */
	char primary[GPGV_FPR_LEN]; /* its primary key */
	long long sig_time;
	int key_expired; /* accepted as EXPKEYSIG (expired after signing) */
};

/* 0, -GN_E_SIGNATURE (with gpgv's status in the message), or -GN_E_IO when
 * gpgv cannot run ("gpgv is not installed" when missing). */
int gpgv_verify(const struct gpgv_opts *opts, const char *data, const char *sig,
		struct gpgv_result *res, struct gn_error *err);

#endif
