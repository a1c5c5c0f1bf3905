#include "gn/goversion.h"

#include <stdio.h>
#include <string.h>

static const char *
parse_number(const char *s, int *out)
{
	long value = 0;

	if (*s < '0' || *s > '9') {
		return NULL;
	}
	/* No leading zeros: "1.021" is not a Go version. */
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9') {
		return NULL;
	}
	while (*s >= '0' && *s <= '9') {
		value = value * 10 + (*s - '0');
		if (value > 1000000) {
			return NULL;
		}
		s++;
	}
	*out = (int)value;
	return s;
}

int
gn_goversion_parse(const char *s, struct gn_goversion *out)
{
	memset(out, 0, sizeof(*out));
	out->pre = GN_PRE_NONE;
	if (strncmp(s, "go", 2) == 0) {
		s += 2;
	}
	s = parse_number(s, &out->major);
	if (!s || *s != '.') {
		return -1;
	}
	s = parse_number(s + 1, &out->minor);
	if (!s) {
		return -1;
	}
	if (*s == '.') {
		s = parse_number(s + 1, &out->patch);
		if (!s) {
			return -1;
		}
		out->has_patch = true;
	}
	if (strncmp(s, "beta", 4) == 0 || strncmp(s, "rc", 2) == 0) {
		if (out->has_patch) {
			return -1;
		}
		out->pre = s[0] == 'b' ? GN_PRE_BETA : GN_PRE_RC;
		s += s[0] == 'b' ? 4 : 2;
		s = parse_number(s, &out->pre_num);
		if (!s) {
			return -1;
		}
	}
	return *s == '\0' ? 0 : -1;
}

int
gn_goversion_cmp(const struct gn_goversion *a, const struct gn_goversion *b)
{
	if (a->major != b->major) {
		return a->major < b->major ? -1 : 1;
	}
	if (a->minor != b->minor) {
		return a->minor < b->minor ? -1 : 1;
	}
	if (a->patch != b->patch) {
		return a->patch < b->patch ? -1 : 1;
	}
	if (a->pre != b->pre) {
		return a->pre < b->pre ? -1 : 1;
	}
	if (a->pre_num != b->pre_num) {
		return a->pre_num < b->pre_num ? -1 : 1;
	}
	return 0;
}

void
gn_goversion_format(const struct gn_goversion *v, char *out, size_t len)
{
	char pre[24] = "";

	if (v->pre == GN_PRE_BETA) {
		snprintf(pre, sizeof(pre), "beta%d", v->pre_num);
	} else if (v->pre == GN_PRE_RC) {
		snprintf(pre, sizeof(pre), "rc%d", v->pre_num);
	}
	if (v->has_patch) {
		snprintf(out, len, "go%d.%d.%d%s", v->major, v->minor, v->patch, pre);
	} else {
		snprintf(out, len, "go%d.%d%s", v->major, v->minor, pre);
	}
}

bool
gn_goversion_at_least(const struct gn_goversion *v, int major, int minor)
{
	return v->major > major || (v->major == major && v->minor >= minor);
}
