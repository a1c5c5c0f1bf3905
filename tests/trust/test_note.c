/* builder/note.c against golang.org/x/mod/sumdb/note's own vectors
 * (note_test.go) and a real sum.golang.org answer (docs/design.md section 17). */
#include "builder/note.h"
#include "builder/tlog.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static const char peter_key[] =
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char enoch_key[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char text[] = "If you think cryptography is the answer to your problem,\n"
			   "then you don't know what your problem is.\n";
static const char peter_sig[] =
	"\xe2\x80\x94 PeterNeumann "
	"x08go/ZJkuBS9UG/"
	"SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_sig[] = "\xe2\x80\x94 EnochRoot "
				"rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
				"5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/* sum.golang.org's signed head from a real lookup (docs/design.md section 17). */
static const char golang_key[] =
	"sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
static const char golang_note[] =
	"go.sum database tree\n28905453\nf3f8U0MoQmXkWAgAEKDtXcaI3c2y6N9+55KNSRefF/w=\n\n"
	"\xe2\x80\x94 sum.golang.org "
	"Az3grr4J9x4SApup87osjthKONInbYdbN37ZskrLF12HIbhDuxOBTzt8Z2jUKbCvxYWrw0yNgshddOzt7pZEl7aSCw"
	"8=\n";

static int
open_msg(const char *msg, const struct note_verifier *v, size_t *text_len, struct gn_error *err)
{
	gn_error_clear(err);
	return note_open(msg, strlen(msg), v, text_len, err);
}

int
main(void)
{
	struct note_verifier peter, enoch, golang, bad;
	struct gn_error err;
	char msg[1024];
	size_t text_len = 0;
	struct tlog_tree tree;

	TAP_OK(note_verifier_parse(peter_key, strlen(peter_key), &peter, &err) == 0, "parse key");
	TAP_EQ_STR(peter.name, "PeterNeumann", "key name");
	TAP_EQ_INT(peter.hash, 0xc74f20a3, "key hash");
	TAP_OK(note_verifier_parse(enoch_key, strlen(enoch_key), &enoch, &err) == 0, "parse key 2");
	TAP_OK(note_verifier_parse(golang_key, strlen(golang_key), &golang, &err) == 0,
	       "parse sum.golang.org key");
	TAP_EQ_INT(golang.hash, 0x033de0ae, "sum.golang.org key hash");
	{
		static const char wrong_hash[] =
			"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
		static const char no_alg[] = "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq";
		TAP_OK(note_verifier_parse(wrong_hash, strlen(wrong_hash), &bad, &err) ==
			       -GN_E_USAGE,
		       "a key hash that does not match is refused");
		TAP_OK(note_verifier_parse(no_alg, strlen(no_alg), &bad, &err) == -GN_E_USAGE,
		       "a short key is refused");
		TAP_OK(note_verifier_parse("sum.golang.org", 14, &bad, &err) == -GN_E_USAGE,
		       "a bare name is refused");
	}

	snprintf(msg, sizeof(msg), "%s\n%s%s", text, peter_sig, enoch_sig);
	TAP_OK(open_msg(msg, &peter, &text_len, &err) == 0, "peter's signature verifies");
	TAP_EQ_INT(text_len, strlen(text), "signed text ends at the blank line");
	TAP_OK(open_msg(msg, &enoch, &text_len, &err) == 0, "enoch's signature verifies");

	snprintf(msg, sizeof(msg), "%s\n%s", text, enoch_sig);
	TAP_OK(open_msg(msg, &peter, &text_len, &err) == -GN_E_SIGNATURE,
	       "a note without the key's signature is refused");
	TAP_OK(strstr(err.got, "EnochRoot") != NULL, "the error names the signer found");

	snprintf(msg, sizeof(msg), "%s\n%s", text, peter_sig);
	msg[3] ^= 1; /* the text changes under the signature */
	TAP_OK(open_msg(msg, &peter, &text_len, &err) == -GN_E_SIGNATURE,
	       "changed text: the signature does not verify");

	snprintf(msg, sizeof(msg), "%s%s", text, peter_sig);
	TAP_OK(open_msg(msg, &peter, &text_len, &err) == -GN_E_INTEGRITY,
	       "no blank line: malformed");
	snprintf(msg, sizeof(msg), "%s\n%s", "hello\x01world\n", peter_sig);
	TAP_OK(open_msg(msg, &peter, &text_len, &err) == -GN_E_INTEGRITY,
	       "control character: malformed");
	snprintf(msg, sizeof(msg), "%s\n%s", "hello\xffworld\n", peter_sig);
	TAP_OK(open_msg(msg, &peter, &text_len, &err) == -GN_E_INTEGRITY, "bad UTF-8: malformed");
	snprintf(msg, sizeof(msg), "%s\n- PeterNeumann AAAA\n", text);
	TAP_OK(open_msg(msg, &peter, &text_len, &err) == -GN_E_INTEGRITY,
	       "signature line without the em dash: malformed");

	TAP_OK(open_msg(golang_note, &golang, &text_len, &err) == 0,
	       "a real sum.golang.org tree head verifies");
	TAP_OK(tlog_parse_tree(golang_note, text_len, &tree, &err) == 0, "and parses");
	TAP_EQ_INT(tree.n, 28905453, "tree size");
	TAP_OK(open_msg(golang_note, &peter, &text_len, &err) == -GN_E_SIGNATURE,
	       "the same head is refused under another key");
	return tap_done();
}
