/*
 * tests/gn/test_suggest.c - "did you mean": likely typos only.
 */
#include "gn/suggest.h"

#include "tap.h"

int
main(void)
{
	static const char *const commands[] = {"init", "lock",	 "sync", "check", "verify",
					       "env",  "hash",	 "exec", "mirror", NULL};
	char out[64];

	TAP_EQ_STR(gn_suggest("snyc", commands, 0), "sync", "a swap of two letters");
	TAP_EQ_STR(gn_suggest("lok", commands, 0), "lock", "a missing letter");
	TAP_EQ_STR(gn_suggest("verfy", commands, 0), "verify", "a missing letter in a longer word");
	TAP_EQ_STR(gn_suggest("mirorr", commands, 0), "mirror", "two edits in six letters");
	TAP_OK(gn_suggest("sync", commands, 0) == NULL, "an exact match is no suggestion");
	TAP_OK(gn_suggest("frobnicate", commands, 0) == NULL, "nothing close: no suggestion");
	TAP_OK(gn_suggest("xy", commands, 0) == NULL, "short words need a close match");
	TAP_EQ_STR(gn_suggest("exce", commands, 9), "exec", "counted candidates");
	TAP_EQ_STR(gn_suggest_csv("plaforms", "go, hosts, platforms, index", out, sizeof(out)),
		   "platforms", "from a comma-separated list");
	TAP_EQ_STR(gn_suggest_csv("kyes", "keys, require, legacy", out, sizeof(out)), "keys",
		   "a swap in a short key");
	TAP_OK(gn_suggest_csv("zzzzzz", "keys, require, legacy", out, sizeof(out)) == NULL,
	       "no suggestion from the list when nothing is close");
	{
		char longword[200];

		memset(longword, 'a', sizeof(longword) - 1);
		longword[sizeof(longword) - 1] = '\0';
		TAP_OK(gn_suggest(longword, commands, 0) == NULL, "a very long word is no typo");
	}
	return tap_done();
}
