/* cmd/mirror.c - gonative mirror DIR */
#include "export/mirror.h"
#include "cmd/cmd.h"
#include "manifest/ociref.h"

#include <getopt.h>
#include <stdio.h>

static int
run_mirror(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "sign", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mirror_result res;
	struct project *project;
	struct minisign_seckey key;
	struct gn_error err;
	const char *sign = NULL;
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'S':
			sign = optarg;
			break;
		case 'h':
			return cli_help(&cmd_mirror);
		default:
			return cli_usage(cli, "unknown option %s", argv[optind - 1]);
		}
	}
	if (argc - optind != 1) {
		return cli_usage(cli, "mirror takes exactly one folder or oci:// repository");
	}
	if (sign && (rc = cli_load_seckey(cli, sign, &key)) != 0) {
		return rc;
	}
	if ((rc = cli_open_project(cli, &project, false, 0)) != 0) {
		goto wipe;
	}
	gn_error_clear(&err);
	rc = mirror_write(project, argv[optind], sign ? &key : NULL, &res, &err);
	cli_progress_end(cli);
	if (rc < 0) {
		rc = cli_fail(cli, rc, &err);
	} else if (oci_is_ref(argv[optind])) {
		cli_info(cli,
			 "%s: pushed %zu blobs, %zu already there; %s%s%s and %s %s", argv[optind],
			 res.n_uploaded, res.n_present, res.version_tag, res.cc_tag[0] ? ", " : "",
			 res.cc_tag, res.index_tag, res.n_tags_moved ? "tagged" : "unchanged");
	} else {
		cli_info(cli, "wrote %zu archives (%zu of Zig), %zu signatures and %s/%s",
			 res.n_files, res.n_cc_files, res.n_signed, argv[optind], MIRROR_INDEX_NAME);
	}
	project_close(project);
wipe:
	if (sign) {
		minisign_seckey_wipe(&key);
	}
	return rc;
}

const struct cmd cmd_mirror = {
	.name = "mirror",
	.summary = "copy every locked file and an index into a folder",
	.usage = "Usage: gonative mirror DIR|oci://HOST/REPO[:TAG] [--sign SECRET_KEY]\n"
		 "\n"
		 "Copy every archive in gonative.lock (fetched and verified through the\n"
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
		 "docker's config.json, or netrc.\n"
		 "\n"
		 "Options:\n"
		 "  --sign SECRET_KEY  minisign secret key (password from GONATIVE_PASSWORD\n"
		 "                     or the terminal)\n"
		 "  -h, --help         this help\n",
	.run = run_mirror,
};
