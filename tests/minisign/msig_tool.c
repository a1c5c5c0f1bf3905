/*
 * tests/minisign/msig_tool.c - a thin command line over builder/minisign.h,
 * driven by interop.py against Debian's minisign binary.
 *
 *   msig_tool keyid PUBFILE
 *   msig_tool manifest-key ENTRY DIR
 *   msig_tool verify [--no-legacy] [--expect NAME] [--buffer] FILE SIGFILE PUBFILE...
 *   msig_tool sign [--password PW] [--tc TEXT] [--buffer] SECKEY FILE OUT
 *   msig_tool encrypted SECKEY
 *
 * Success prints "OK ..." and exits 0; a failure prints
 * "ERR <code name> <message...>" and exits with the code's exit status.
 */
#include "builder/minisign.h"
#include "gn/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
fail(const struct gn_error *err)
{
	char text[4096];

	gn_error_format(err, text, sizeof(text));
	printf("ERR %s %s\n", gn_code_name(err->code), text);
	return gn_code_exit(err->code);
}

static int
usage(void)
{
	fprintf(stderr, "usage: msig_tool keyid|manifest-key|verify|sign|encrypted ...\n");
	return 2;
}

static int
cmd_keyid(int argc, char **argv)
{
	struct minisign_pubkey key;
	struct gn_error err;
	char id[MINISIGN_KEYID_TEXT];

	gn_error_clear(&err);
	if (argc != 1) {
		return usage();
	}
	if (minisign_pubkey_load(argv[0], NULL, &key, &err) < 0) {
		return fail(&err);
	}
	minisign_keyid_format(key.keyid, id);
	printf("OK %s\n", id);
	return 0;
}

static int
cmd_manifest_key(int argc, char **argv)
{
	struct minisign_pubkey key;
	struct gn_error err;
	char id[MINISIGN_KEYID_TEXT];

	gn_error_clear(&err);
	if (argc != 2) {
		return usage();
	}
	if (minisign_pubkey_from_manifest(argv[0], argv[1], &key, &err) < 0) {
		return fail(&err);
	}
	minisign_keyid_format(key.keyid, id);
	printf("OK %s\n", id);
	return 0;
}

static int
cmd_verify(int argc, char **argv)
{
	struct minisign_verify_opts opts = {.allow_legacy = true};
	struct minisign_pubkey *keys;
	struct gn_error err;
	uint8_t signer[8];
	char id[MINISIGN_KEYID_TEXT];
	char *sig = NULL, *data = NULL;
	size_t sig_len = 0, data_len = 0;
	bool buffer = false;
	int i = 0, rc, n_keys;

	gn_error_clear(&err);
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--no-legacy") == 0) {
			opts.allow_legacy = false;
		} else if (strcmp(argv[i], "--buffer") == 0) {
			buffer = true;
		} else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc) {
			opts.expect_file = argv[++i];
		} else {
			return usage();
		}
	}
	if (argc - i < 2) {
		return usage();
	}
	n_keys = argc - i - 2;
	keys = calloc((size_t)n_keys + 1, sizeof(*keys));
	if (!keys) {
		return 5;
	}
	for (int k = 0; k < n_keys; k++) {
		if (minisign_pubkey_load(argv[i + 2 + k], NULL, &keys[k], &err) < 0) {
			free(keys);
			return fail(&err);
		}
	}
	opts.keys = keys;
	opts.n_keys = (size_t)n_keys;
	rc = gn_read_file(argv[i + 1], 1 << 20, &sig, &sig_len, &err);
	if (rc == 0 && buffer) {
		rc = gn_read_file(argv[i], 1 << 30, &data, &data_len, &err);
		if (rc == 0) {
			rc = minisign_verify_buffer(data, data_len, sig, sig_len,
						    gn_basename(argv[i + 1]), &opts, signer, &err);
		}
	} else if (rc == 0) {
		rc = minisign_verify_file(argv[i], sig, sig_len, gn_basename(argv[i + 1]), &opts,
					  signer, &err);
	}
	free(sig);
	free(data);
	free(keys);
	if (rc < 0) {
		return fail(&err);
	}
	minisign_keyid_format(signer, id);
	printf("OK %s\n", id);
	return 0;
}

static int
cmd_sign(int argc, char **argv)
{
	struct minisign_seckey key;
	struct gn_error err;
	const char *password = NULL, *tc = NULL;
	char *text = NULL, *data = NULL;
	size_t data_len = 0;
	bool buffer = false;
	int i = 0, rc;

	gn_error_clear(&err);
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--buffer") == 0) {
			buffer = true;
		} else if (strcmp(argv[i], "--password") == 0 && i + 1 < argc) {
			password = argv[++i];
		} else if (strcmp(argv[i], "--tc") == 0 && i + 1 < argc) {
			tc = argv[++i];
		} else {
			return usage();
		}
	}
	if (argc - i != 3) {
		return usage();
	}
	rc = minisign_seckey_load(argv[i], password, &key, &err);
	if (rc < 0) {
		return fail(&err);
	}
	if (buffer) {
		rc = gn_read_file(argv[i + 1], 1 << 30, &data, &data_len, &err);
		if (rc == 0) {
			rc = minisign_sign_buffer(data, data_len, gn_basename(argv[i + 1]), &key,
						  tc, &text, &err);
		}
	} else {
		rc = minisign_sign_file(argv[i + 1], &key, tc, &text, &err);
	}
	minisign_seckey_wipe(&key);
	free(data);
	if (rc == 0) {
		rc = gn_write_file_atomic(argv[i + 2], text, strlen(text), 0644, &err);
	}
	free(text);
	if (rc < 0) {
		return fail(&err);
	}
	printf("OK signed\n");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		return usage();
	}
	if (strcmp(argv[1], "keyid") == 0) {
		return cmd_keyid(argc - 2, argv + 2);
	}
	if (strcmp(argv[1], "manifest-key") == 0) {
		return cmd_manifest_key(argc - 2, argv + 2);
	}
	if (strcmp(argv[1], "verify") == 0) {
		return cmd_verify(argc - 2, argv + 2);
	}
	if (strcmp(argv[1], "sign") == 0) {
		return cmd_sign(argc - 2, argv + 2);
	}
	if (strcmp(argv[1], "encrypted") == 0 && argc == 3) {
		printf("OK %s\n", minisign_seckey_encrypted(argv[2]) ? "yes" : "no");
		return 0;
	}
	return usage();
}
