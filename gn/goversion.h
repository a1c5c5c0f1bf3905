/*
 * gn/goversion.h - Go release versions: "go1.21.5", "1.21", "1.22rc1".
 */
#ifndef GN_GOVERSION_H
#define GN_GOVERSION_H

#include <stdbool.h>
#include <stddef.h>

enum gn_prerelease {
	GN_PRE_BETA = 1,
	GN_PRE_RC = 2,
	GN_PRE_NONE = 3, /* a release sorts after its betas and rcs */
};

struct gn_goversion {
	int major;
	int minor;
	int patch;      /* 0 when absent */
	bool has_patch; /* "1.21.5" yes, "1.21" no */
	enum gn_prerelease pre;
	int pre_num; /* K in betaK / rcK */
};

/* Accepts an optional "go" prefix.  0, or -1 for anything else. */
int gn_goversion_parse(const char *s, struct gn_goversion *out);
/* <0, 0, >0.  "1.21" and "1.21.0" compare equal. */
int gn_goversion_cmp(const struct gn_goversion *a, const struct gn_goversion *b);
/* "go1.21.5" style, as the index spells it, into out. */
void gn_goversion_format(const struct gn_goversion *v, char *out, size_t len);
/* True when v is at least major.minor (ignores patch and prerelease). */
bool gn_goversion_at_least(const struct gn_goversion *v, int major, int minor);

#endif
