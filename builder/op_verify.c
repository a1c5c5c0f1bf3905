/*
 * builder/op_verify.c - `gonative verify`: every byte of the installed
 * GOROOT and Zig tree re-hashed against the lock.
 */
#include "builder/project_private.h"

#include "builder/tree.h"
#include "gn/fs.h"

#include <string.h>

/* verify: every byte of the installed Zig tree against the lock. */
static int
verify_cc(struct project *p, struct project_verify_result *res, struct gn_error *err)
{
	const struct lock_cc_host *h = lock_cc_host_for(&p->lock, &p->host);
	uint8_t id[GN_SHA256_LEN];
	int rc;

	if (!h || !h->tree[0]) {
		return 0;
	}
	res->cc = true;
	snprintf(res->cc_expected_tree, sizeof(res->cc_expected_tree), "%s", h->tree);
	if (!gn_is_dir(p->zig_install.root)) {
		return 0;
	}
	res->cc_installed = true;
	if ((rc = tree_hash_dir(p->zig_install.root, id, err)) < 0) {
		return rc;
	}
	tree_format_id(id, res->cc_actual_tree);
	res->cc_match = strcmp(res->cc_actual_tree, h->tree) == 0;
	return 0;
}

int
project_verify(struct project *p, struct project_verify_result *res, struct gn_error *err)
{
	const struct lock_goroot *goroot;
	uint8_t id[GN_SHA256_LEN];
	int rc;

	memset(res, 0, sizeof(*res));
	if (!p->have_lock) {
		return gn_error_set(err, GN_E_LOCK, "%s does not exist (run `gonative lock`)",
				    p->lock_path);
	}
	if ((rc = project_host_goroot(p, &goroot, err)) < 0) {
		return rc;
	}
	snprintf(res->expected_tree, sizeof(res->expected_tree), "%s", goroot->tree);
	if (!gn_is_dir(p->install.root)) {
		return verify_cc(p, res, err);
	}
	res->installed = true;
	if ((rc = tree_hash_dir(p->install.root, id, err)) < 0) {
		return rc;
	}
	tree_format_id(id, res->actual_tree);
	res->match = strcmp(res->actual_tree, goroot->tree) == 0;
	if (!res->match) {
		install_check(&p->install, NULL, &res->changed);
	}
	return verify_cc(p, res, err);
}
