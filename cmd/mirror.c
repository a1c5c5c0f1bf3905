/* cmd/mirror.c - gonative mirror DIR */
#include "export/mirror.h"
#include "cmd/cmd.h"
#include "manifest/ociref.h"

#include <stdio.h>

static struct cli_key sign;

static const struct cli_option options[] = {
	{ .long_name = "sign", .arg = "SECRET_KEY", .kind = CLI_STRING, .target = &sign.path,
	  .help = "minisign secret key (password from GONATIVE_PASSWORD\nor the terminal)" },
	CLI_OPTION_END,
};

static int
run_mirror(struct cli *cli, struct project *project)
{
	struct mirror_result res;
	struct gn_error err;
	int rc;

	gn_error_clear(&err);
	rc = mirror_write(project, cli->operands[0], sign.path ? &sign.key : NULL, &res, &err);
	cli_progress_end(cli);
	if (rc < 0) {
		rc = cli_fail(cli, rc, &err);
	} else if (oci_is_ref(cli->operands[0])) {
		cli_info(cli,
			 "%s: pushed %zu blobs, %zu already there; %s%s%s and %s %s", cli->operands[0],
			 res.n_uploaded, res.n_present, res.version_tag, res.cc_tag[0] ? ", " : "",
			 res.cc_tag, res.index_tag, res.n_tags_moved ? "tagged" : "unchanged");
	} else {
		cli_info(cli, "wrote %zu archives (%zu of Zig), %zu signatures and %s/%s",
			 res.n_files, res.n_cc_files, res.n_signed, cli->operands[0],
			 MIRROR_INDEX_NAME);
	}
	return rc;
}

const struct cmd cmd_mirror = {
	.name = "mirror",
	.summary = "copy every locked file and an index into a folder",
	.synopsis = "DIR|oci://HOST/REPO[:TAG] [--sign SECRET_KEY]",
	.description = "Copy every archive in gonative.lock (fetched and verified through the\n"
		       "cache) into DIR, with DIR/index.json in go.dev's shape for the locked\n"
		       "release.  Serve DIR over HTTP or use it as file://DIR/ to sync without\n"
		       "the internet.  Cached upstream .minisig files are copied along; with\n"
		       "--sign, index.json and every archive are signed with your key instead.\n"
		       "\n"
		       "oci://HOST/REPO[:TAG] pushes the same files to an OCI registry as blobs\n"
		       "(skipping those it has), tags a manifest listing them with the release\n"
		       "(go1.21.5), and keeps an index of every pushed release under TAG\n"
		       "(default: index).  Use it as mirrors: [oci://HOST/REPO] and\n"
		       "index: oci://HOST/REPO.  Logins: GONATIVE_REGISTRY_AUTH=user:password,\n"
		       "docker's config.json, or netrc.\n",
	.options = options,
	.min_operands = 1,
	.max_operands = 1,
	.operand_error = "mirror takes exactly one folder or oci:// repository",
	.cleans_up = true,
	.project = true,
	.key = &sign,
	.run = run_mirror,
};
