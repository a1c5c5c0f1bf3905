/* builder/dirhash.c: Hash1 vectors (the toolchain module's go.mod hash on
 * sum.golang.org, docs/design.md section 17) and the newline refusal. */
#include "builder/dirhash.h"
#include "tap.h"

#include <string.h>

int
main(void)
{
	static const char mod[] = "module golang.org/toolchain\n";
	struct dirhash_file files[2];
	struct gn_error err;
	char h1[DIRHASH_H1_LEN];

	files[0].name = "go.mod";
	gn_sha256(mod, strlen(mod), files[0].sha256);
	TAP_OK(dirhash_hash1(files, 1, h1, &err) == 0, "hash1 of go.mod");
	TAP_EQ_STR(h1, "h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0=",
		   "golang.org/toolchain go.mod hash as on sum.golang.org");
	TAP_OK(dirhash_valid_h1(h1), "valid h1");
	TAP_OK(!dirhash_valid_h1("h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0"), "short h1");
	TAP_OK(!dirhash_valid_h1("h2:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0="), "h2");

	/* `sha256sum a b | sha256sum` shape: order-independent input. */
	{
		char h_ab[DIRHASH_H1_LEN], h_ba[DIRHASH_H1_LEN];
		files[0].name = "b";
		gn_sha256("B", 1, files[0].sha256);
		files[1].name = "a";
		gn_sha256("A", 1, files[1].sha256);
		dirhash_hash1(files, 2, h_ba, &err);
		files[0].name = "a";
		gn_sha256("A", 1, files[0].sha256);
		files[1].name = "b";
		gn_sha256("B", 1, files[1].sha256);
		dirhash_hash1(files, 2, h_ab, &err);
		TAP_EQ_STR(h_ab, h_ba, "files are sorted before hashing");
		/* printf 'A' | sha256sum; printf 'B' | sha256sum; then the summary. */
		TAP_EQ_STR(h_ab,
			   "h1:qbAmSbnQ7yALwDYC9SKMIukW6jHUH0tYUqy9eEVULRg=", "two-file vector");
	}
	files[0].name = "a\nb";
	TAP_OK(dirhash_hash1(files, 1, h1, &err) == -GN_E_INTEGRITY, "newline in a name refused");
	return tap_done();
}
