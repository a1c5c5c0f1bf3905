/* builder/gpgv.c: a missing gpgv is named as such (the suite's
 * test_t03_gpg.py runs the real one). */
#include "builder/gpgv.h"
#include "tap.h"

#include <string.h>

int
main(void)
{
	struct gpgv_opts opts = { .gpgv = "/nonexistent/gpgv", .tmp = "/tmp" };
	struct gpgv_result res;
	struct gn_error err;

	gn_error_clear(&err);
	TAP_EQ_INT(gpgv_verify(&opts, "/dev/null", "/dev/null", &res, &err), -GN_E_IO,
		   "no gpgv: local error");
	TAP_OK(strstr(err.message, "gpgv is not installed") != NULL, "the error says so: %s",
	       err.message);
	return tap_done();
}
