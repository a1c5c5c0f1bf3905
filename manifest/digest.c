/*
 * manifest/digest.c - manifest-digest: what the lock was resolved from.
 *
 * The digest is SHA-256 over this canonical text (LF line ends, every line
 * present, in this order):
 *
 *     gonative-manifest 1
 *     go <stable | the parsed version as the index spells it: go1.21, go1.21.5, go1.22rc1>
 *     hosts <"-" when absent | os/arch,os/arch,...>       sorted
 *     platforms <os/arch,os/arch,...>                      sorted, empty when none
 *     index <len>:<url>
 *     checksum <len>:<file> <lowercase hex>                one line per pin, sorted by file
 *     key <len>:<key as written>                           one line per key, sorted
 *     require <index,archives | index | archives | ->
 *     legacy <true | false>
 *     base <binary | source>
 *
 * With a cc: section (and only then, so older locks stay fresh) these follow:
 *
 *     cc-zig <version>
 *     cc-index <len>:<url>
 *     cc-key <len>:<key as written>                        sorted (the default key when absent)
 *     cc-glibc <version>
 *     cc-musl <os/arch,...>                                sorted
 *     cc-skip <os/arch,...>                                sorted
 *
 * cc.mirrors are left out, like mirrors.
 *
 * <len> is the byte length of the text after the colon, so no value (a URL,
 * a key, a file name) can forge a line break or a separator.  mirrors,
 * install and bootstrap are left out: they say where things are on this
 * machine or network, not what the lock contains.  Lists are sorted and the
 * go spec normalized, so item order, key order, quoting, comments and a "go"
 * prefix never change the digest.
 */
#include "manifest/manifest.h"

#include "gn/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
cmp_platform(const void *a, const void *b)
{
	return gn_platform_cmp(a, b);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
cmp_pin(const void *a, const void *b)
{
	const struct manifest_checksum *x = *(const struct manifest_checksum *const *)a;
	const struct manifest_checksum *y = *(const struct manifest_checksum *const *)b;

	return strcmp(x->file, y->file);
}

static void
put_sized(struct gn_buf *buf, const char *s)
{
	gn_buf_printf(buf, "%zu:%s", strlen(s), s);
}

/* Sorted copy of a platform list, printed comma-separated. */
static bool
put_platforms(struct gn_buf *buf, const struct gn_platform *list, size_t n)
{
	struct gn_platform *sorted;
	char text[GN_PLATFORM_TEXT];

	if (n == 0) {
		return true;
	}
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted) {
		return false;
	}
	memcpy(sorted, list, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_platform);
	for (size_t i = 0; i < n; i++) {
		gn_platform_format(&sorted[i], text, sizeof(text));
		gn_buf_printf(buf, "%s%s", i ? "," : "", text);
	}
	free(sorted);
	return true;
}

static bool
canonical_cc(const struct manifest *m, struct gn_buf *buf)
{
	const struct manifest_cc *cc = &m->cc;
	const char **keys = malloc((cc->n_keys ? cc->n_keys : 1) * sizeof(*keys));

	if (!keys) {
		return false;
	}
	gn_buf_printf(buf, "cc-zig %s\ncc-index ", cc->zig);
	put_sized(buf, cc->index ? cc->index : "");
	gn_buf_puts(buf, "\n");
	if (cc->n_keys) {
		memcpy(keys, cc->keys, cc->n_keys * sizeof(*keys));
		qsort(keys, cc->n_keys, sizeof(*keys), cmp_str);
	}
	for (size_t i = 0; i < cc->n_keys; i++) {
		gn_buf_puts(buf, "cc-key ");
		put_sized(buf, keys[i]);
		gn_buf_puts(buf, "\n");
	}
	free(keys);
	gn_buf_printf(buf, "cc-glibc %s\ncc-musl ", cc->glibc);
	if (!put_platforms(buf, cc->musl, cc->n_musl)) {
		return false;
	}
	gn_buf_puts(buf, "\ncc-skip ");
	if (!put_platforms(buf, cc->skip, cc->n_skip)) {
		return false;
	}
	gn_buf_puts(buf, "\n");
	return !buf->failed;
}

/* "go ...", "hosts ...", "platforms ...", "index ...". */
static bool
canonical_release(const struct manifest *m, struct gn_buf *buf)
{
	char go[64];

	if (m->go_kind == MANIFEST_GO_STABLE) {
		snprintf(go, sizeof(go), "stable");
	} else if (m->go_kind == MANIFEST_GO_FILE) {
		/* not read yet (manifest_parse alone): the path stands in */
		snprintf(go, sizeof(go), "file %.58s", m->go_file);
	} else {
		gn_goversion_format(&m->go_version, go, sizeof(go));
	}
	gn_buf_printf(buf, "gonative-manifest 1\ngo %s\nhosts ", go);
	if (m->hosts_default) {
		gn_buf_puts(buf, "-");
	} else if (!put_platforms(buf, m->hosts, m->n_hosts)) {
		return false;
	}
	gn_buf_puts(buf, "\nplatforms ");
	if (!put_platforms(buf, m->platforms, m->n_platforms)) {
		return false;
	}
	gn_buf_puts(buf, "\nindex ");
	put_sized(buf, m->index ? m->index : "");
	gn_buf_puts(buf, "\n");
	return true;
}

/* Pinned checksums and signature keys, sorted; what signatures require. */
static bool
canonical_trust(const struct manifest *m, struct gn_buf *buf)
{
	const struct manifest_checksum **pins = NULL;
	const char **keys = NULL;
	const char *require = "-";
	bool ok = false;

	if (m->n_checksums && !(pins = malloc(m->n_checksums * sizeof(*pins)))) {
		goto out;
	}
	for (size_t i = 0; i < m->n_checksums; i++) {
		pins[i] = &m->checksums[i];
	}
	if (pins) {
		qsort(pins, m->n_checksums, sizeof(*pins), cmp_pin);
	}
	for (size_t i = 0; i < m->n_checksums; i++) {
		gn_buf_puts(buf, "checksum ");
		put_sized(buf, pins[i]->file);
		gn_buf_printf(buf, " %s\n", pins[i]->sha256);
	}
	if (m->signatures.n_keys && !(keys = malloc(m->signatures.n_keys * sizeof(*keys)))) {
		goto out;
	}
	if (keys) {
		memcpy(keys, m->signatures.keys, m->signatures.n_keys * sizeof(*keys));
		qsort(keys, m->signatures.n_keys, sizeof(*keys), cmp_str);
	}
	for (size_t i = 0; i < m->signatures.n_keys; i++) {
		gn_buf_puts(buf, "key ");
		put_sized(buf, keys[i]);
		gn_buf_puts(buf, "\n");
	}
	if (m->signatures.require_index && m->signatures.require_archives) {
		require = "index,archives";
	} else if (m->signatures.require_index) {
		require = "index";
	} else if (m->signatures.require_archives) {
		require = "archives";
	}
	gn_buf_printf(buf, "require %s\nlegacy %s\nbase %s\n", require,
		      m->signatures.allow_legacy ? "true" : "false",
		      m->base == MANIFEST_BASE_SOURCE ? "source" : "binary");
	ok = true;
out:
	free(pins);
	free(keys);
	return ok;
}

/* Go's trust roots, only when set: older manifests keep their digest. */
static void
canonical_roots(const struct manifest *m, struct gn_buf *buf)
{
	if (m->source == MANIFEST_SOURCE_PROXY) {
		gn_buf_puts(buf, "source proxy\n");
	}
	if (m->sumdb) {
		size_t key_len = strcspn(m->sumdb, " ");
		gn_buf_printf(buf, "sumdb %zu:%.*s\n", key_len, (int)key_len, m->sumdb);
	}
	for (size_t i = 0; i < m->n_gpg_keyrings; i++) {
		gn_buf_puts(buf, "gpg ");
		put_sized(buf, m->gpg_keyrings[i]);
		gn_buf_puts(buf, "\n");
	}
	for (size_t i = 0; i < m->n_gpg_fingerprints; i++) {
		gn_buf_printf(buf, "gpg-fingerprint %s\n", m->gpg_fingerprints[i]);
	}
}

static bool
canonical(const struct manifest *m, struct gn_buf *buf)
{
	if (!canonical_release(m, buf) || !canonical_trust(m, buf) ||
	    (m->cc.enabled && !canonical_cc(m, buf))) {
		return false;
	}
	canonical_roots(m, buf);
	return !buf->failed;
}

void
manifest_digest(const struct manifest *m, char hex[GN_SHA256_HEX])
{
	struct gn_buf buf;
	uint8_t sum[GN_SHA256_LEN];

	gn_buf_init(&buf);
	if (!canonical(m, &buf)) {
		/* Out of memory: an empty digest never matches a lock, so the
		 * worst outcome is a re-lock, never a wrong "fresh". */
		hex[0] = '\0';
		gn_buf_free(&buf);
		return;
	}
	gn_sha256(buf.data, buf.len, sum);
	gn_hex_encode(sum, sizeof(sum), hex);
	gn_buf_free(&buf);
}
