/*
 * tests/fetch/test_fetch.c - builder/fetch.c against tests/faultserver.py.
 *
 * Run through run_fetch_tests.py, which serves a folder of random files and
 * sets FETCH_TEST_URL (base URL, or argv[1]), FETCH_TEST_ROOT (that folder),
 * FETCH_TEST_LOG (the server's request log) and FETCH_TEST_WORK (scratch).
 */
#include "builder/fetch.h"
#include "gn/error.h"
#include "gn/events.h"
#include "gn/fs.h"
#include "gn/sha256.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *base_url; /* ends in '/' */
static const char *root_dir;
static const char *log_path;
static const char *work_dir;

/* Short-lived strings for URLs and paths: a ring, so nothing leaks. */
static char ring[1024][2048];
static unsigned ring_next;

__attribute__((format(printf, 1, 2))) static const char *
S(const char *fmt, ...)
{
	char *out = ring[ring_next++ % 1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, sizeof(ring[0]), fmt, ap);
	va_end(ap);
	return out;
}

static const char *
U(const char *path)
{
	return S("%s%s", base_url, path);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct fixture {
	char sha[GN_SHA256_HEX];
	int64_t size;
};

static int
hash_file(const char *path, struct fixture *out)
{
	struct gn_error err;
	uint8_t digest[GN_SHA256_LEN];
	char *data;
	size_t len;

	if (gn_read_file(path, (size_t)64 << 20, &data, &len, &err) < 0) {
		return -1;
	}
	gn_sha256(data, len, digest);
	gn_hex_encode(digest, sizeof(digest), out->sha);
	out->size = (int64_t)len;
	free(data);
	return 0;
}

static struct fixture
fixture(const char *name)
{
	struct fixture f = {.size = -2};

	if (hash_file(S("%s/%s", root_dir, name), &f) < 0) {
		tap_diag("cannot read fixture %s", name);
	}
	return f;
}

struct recorder {
	int starts, dones, retries, progress;
	int active, max_active;
	int64_t last_done;
	char last_retry[1024];
};

static void
record(void *user, const struct gn_event *ev)
{
	struct recorder *r = user;

	switch (ev->kind) {
	case GN_EV_FETCH_START:
		r->starts++;
		r->active++;
		if (r->active > r->max_active) {
			r->max_active = r->active;
		}
		break;
	case GN_EV_FETCH_PROGRESS:
		r->progress++;
		break;
	case GN_EV_FETCH_DONE:
		r->dones++;
		r->active--;
		r->last_done = ev->done;
		break;
	case GN_EV_FETCH_RETRY:
		r->retries++;
		r->active--;
		snprintf(r->last_retry, sizeof(r->last_retry), "%s",
			 ev->message ? ev->message : "");
		break;
	default:
		break;
	}
}

/* A request for fixture `name` saved as work/<dest>. */
static struct fetch_request
request(const char *name, const char *dest, const char *const *urls, size_t n_urls)
{
	struct fixture f = fixture(name);
	struct fetch_request r;
	static char shas[32][GN_SHA256_HEX];
	static unsigned next;
	char *sha = shas[next++ % 32];

	memcpy(sha, f.sha, sizeof(f.sha));
	memset(&r, 0, sizeof(r));
	r.name = name;
	r.urls = urls;
	r.n_urls = n_urls;
	r.size = f.size;
	r.sha256 = sha;
	r.dest = S("%s/%s", work_dir, dest);
	return r;
}

static bool
exists(const char *path)
{
	return gn_path_exists(path);
}

static bool
no_leftovers(const struct fetch_request *r)
{
	return !exists(r->dest) && !exists(S("%s.part", r->dest));
}

/* dest holds exactly the fixture's bytes and no .part is left. */
static bool
landed(const struct fetch_request *r, const char *name)
{
	struct fixture want = fixture(name), got;

	if (exists(S("%s.part", r->dest)) || hash_file(r->dest, &got) < 0) {
		return false;
	}
	return got.size == want.size && strcmp(got.sha, want.sha) == 0;
}

/* Requests for `path` in the server log; waits a moment for the last line. */
static int
log_count(const char *path, int want)
{
	char needle[1024];
	int count = 0;

	snprintf(needle, sizeof(needle), "\t%s\t", path);
	for (int i = 0; i < 40; i++) {
		FILE *f = fopen(log_path, "r");
		char line[2048];

		count = 0;
		if (f) {
			while (fgets(line, sizeof(line), f)) {
				if (strstr(line, needle)) {
					count++;
				}
			}
			fclose(f);
		}
		if (count >= want) {
			break;
		}
		usleep(50 * 1000);
	}
	return count;
}

static int
run(struct fetch_request *reqs, size_t n, struct fetch_opts *opts, struct recorder *rec,
    struct gn_error *err)
{
	struct gn_events events = {.fn = record, .user = rec};

	memset(rec, 0, sizeof(*rec));
	opts->events = &events;
	return fetch_run(reqs, n, opts, err);
}

static void
show(const struct gn_error *err)
{
	char buf[4096];

	gn_error_format(err, buf, sizeof(buf));
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		tap_diag("  %s", line);
	}
}

/* A 127.0.0.1 port nobody listens on (bound, then closed). */
static int
dead_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
		port = ntohs(sa.sin_port);
	}
	if (fd >= 0) {
		close(fd);
	}
	return port;
}

static void
test_plain(void)
{
	const char *urls[] = {U("big.bin")};
	struct fetch_request r = request("big.bin", "plain.bin", urls, 1);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;
	FILE *stale;
	int rc;

	/* A stale .part from an earlier run must not leak into the result. */
	stale = fopen(S("%s.part", r.dest), "w");
	if (stale) {
		fputs("junk from a crashed run", stale);
		fclose(stale);
	}
	rc = run(&r, 1, &opts, &rec, &err);
	TAP_EQ_INT(rc, 0, "plain: fetch_run succeeds");
	TAP_EQ_INT(r.result, 0, "plain: request result 0");
	TAP_OK(landed(&r, "big.bin"), "plain: dest has the exact bytes, no .part left");
	TAP_EQ_STR(r.url_used, urls[0], "plain: url_used");
	TAP_OK(rec.starts == 1 && rec.dones == 1 && rec.retries == 0,
	       "plain: one start, one done, no retry (%d/%d/%d)", rec.starts, rec.dones,
	       rec.retries);
	TAP_OK(rec.progress >= 1, "plain: progress reported (%d)", rec.progress);
	TAP_EQ_INT(rec.last_done, r.size, "plain: done event carries the size");
}

static void
test_parallel(void)
{
	const char *urls[6][1];
	struct fetch_request r[6];
	struct fetch_opts opts = {.jobs = 2};
	struct recorder rec;
	struct gn_error err;
	int rc, ok = 0;

	for (int i = 0; i < 6; i++) {
		const char *name = S("p%d.bin", i);
		urls[i][0] = U(name);
		r[i] = request(name, S("par%d.bin", i), urls[i], 1);
	}
	rc = run(r, 6, &opts, &rec, &err);
	TAP_EQ_INT(rc, 0, "parallel: all six succeed");
	for (int i = 0; i < 6; i++) {
		ok += r[i].result == 0 && landed(&r[i], r[i].name);
	}
	TAP_EQ_INT(ok, 6, "parallel: six files landed intact");
	TAP_OK(rec.max_active >= 1 && rec.max_active <= 2,
	       "parallel: at most 2 transfers at once (saw %d)", rec.max_active);
	TAP_EQ_INT(rec.starts, 6, "parallel: six starts");
}

static void
test_file_url(void)
{
	const char *urls[] = {S("file://%s/small.txt", root_dir)};
	const char *missing[] = {S("file://%s/no-such-file", root_dir)};
	struct fetch_request r = request("small.txt", "file.txt", urls, 1);
	struct fetch_request m = request("small.txt", "file-missing.txt", missing, 1);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;

	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), 0, "file://: succeeds");
	TAP_OK(landed(&r, "small.txt"), "file://: dest intact");
	TAP_EQ_INT(run(&m, 1, &opts, &rec, &err), -GN_E_FETCH, "file:// missing: GN_E_FETCH");
	TAP_OK(no_leftovers(&m), "file:// missing: no dest, no .part");
}

static void
test_404_then_good(void)
{
	const char *urls[] = {U("_fault/404/small.txt"), U("small.txt")};
	struct fetch_request r = request("small.txt", "n404.txt", urls, 2);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;

	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), 0, "404 then good: succeeds");
	TAP_OK(landed(&r, "small.txt"), "404 then good: dest intact");
	TAP_EQ_STR(r.url_used, urls[1], "404 then good: second mirror used");
	TAP_EQ_INT(rec.retries, 1, "404 then good: one retry event");
	TAP_OK(strstr(rec.last_retry, "HTTP 404") && strstr(rec.last_retry, "next mirror"),
	       "404 then good: retry says why (%s)", rec.last_retry);
	TAP_EQ_INT(log_count("/_fault/404/small.txt", 1), 1, "404 then good: 404 not retried");
}

static void
test_all_404(void)
{
	const char *urls[] = {U("_fault/404/big.bin"), U("_fault/403/big.bin")};
	struct fetch_request r = request("big.bin", "all404.bin", urls, 2);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;
	int rc;

	rc = run(&r, 1, &opts, &rec, &err);
	TAP_EQ_INT(rc, -GN_E_FETCH, "all fail: GN_E_FETCH");
	TAP_EQ_INT(gn_code_exit(gn_code_of(rc)), 3, "all fail: exit code 3");
	TAP_EQ_INT(err.code, GN_E_FETCH, "all fail: err copied");
	TAP_OK(strstr(err.message, "big.bin: every mirror failed") &&
		   strstr(err.message, "HTTP 403"),
	       "all fail: message names file and last cause (%s)", err.message);
	TAP_EQ_STR(err.url, urls[1], "all fail: url is the last one tried");
	TAP_OK(no_leftovers(&r), "all fail: no dest, no .part");
}

static void
test_corrupt(void)
{
	const char *urls[] = {U("_fault/corrupt/big.bin")};
	struct fetch_request r = request("big.bin", "corrupt.bin", urls, 1);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;
	int rc;

	rc = run(&r, 1, &opts, &rec, &err);
	TAP_EQ_INT(rc, -GN_E_INTEGRITY, "corrupt: GN_E_INTEGRITY");
	TAP_EQ_INT(gn_code_exit(gn_code_of(rc)), 4, "corrupt: exit code 4");
	TAP_EQ_STR(err.expected, r.sha256, "corrupt: expected is the pinned sha256");
	TAP_OK(gn_is_sha256_hex(err.got) && strcmp(err.got, r.sha256) != 0,
	       "corrupt: got is another sha256 (%s)", err.got);
	TAP_EQ_STR(err.url, urls[0], "corrupt: url set");
	TAP_OK(no_leftovers(&r), "corrupt: no dest, no .part");
	if (rc != -GN_E_INTEGRITY) {
		show(&err);
	}
}

static void
test_corrupt_then_good(void)
{
	const char *urls[] = {U("_fault/corrupt/big.bin"), U("big.bin")};
	struct fetch_request r = request("big.bin", "corrupt2.bin", urls, 2);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;

	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), 0, "corrupt then good: succeeds");
	TAP_OK(landed(&r, "big.bin"), "corrupt then good: dest intact");
	TAP_OK(strstr(rec.last_retry, "sha256 mismatch") != NULL,
	       "corrupt then good: retry says sha256 mismatch (%s)", rec.last_retry);
}

static void
test_500x2(void)
{
	const char *urls[] = {U("_fault/500x2/small.txt")};
	struct fetch_request r = request("small.txt", "r500.txt", urls, 1);
	struct fetch_opts opts = {0}; /* default: 2 retries */
	struct recorder rec;
	struct gn_error err;

	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), 0, "500x2: succeeds on the third try");
	TAP_OK(landed(&r, "small.txt"), "500x2: dest intact");
	TAP_EQ_INT(log_count("/_fault/500x2/small.txt", 3), 3, "500x2: server saw 3 requests");
	TAP_EQ_INT(rec.retries, 2, "500x2: two retry events");
	TAP_OK(strstr(rec.last_retry, "HTTP 500, retrying in 400 ms") != NULL,
	       "500x2: backoff grows (%s)", rec.last_retry);
}

static void
test_503_exhausted(void)
{
	const char *one[] = {U("_fault/503/small.txt")};
	const char *two[] = {U("_fault/500x5/small.txt"), U("small.txt")};
	struct fetch_request r = request("small.txt", "r503.txt", one, 1);
	struct fetch_request s = request("small.txt", "r500x5.txt", two, 2);
	struct fetch_opts opts = {.retries = 1};
	struct recorder rec;
	struct gn_error err;

	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), -GN_E_FETCH, "503 always: GN_E_FETCH");
	TAP_OK(strstr(err.message, "HTTP 503") != NULL, "503 always: says HTTP 503 (%s)",
	       err.message);
	TAP_EQ_INT(log_count("/_fault/503/small.txt", 2), 2,
		   "503 always: retries=1 means 2 requests");
	TAP_EQ_INT(run(&s, 1, &opts, &rec, &err), 0, "500x5: retries spent, next mirror");
	TAP_EQ_STR(s.url_used, two[1], "500x5: second mirror used");

	/* retries = -1: no retry at all. */
	{
		const char *u[] = {U("_fault/500x1/p0.bin"), U("p0.bin")};
		struct fetch_request t = request("p0.bin", "r500x1.bin", u, 2);
		struct fetch_opts none = {.retries = -1};

		TAP_EQ_INT(run(&t, 1, &none, &rec, &err), 0, "retries -1: next mirror");
		TAP_EQ_STR(t.url_used, u[1], "retries -1: no retry on the same URL");
	}
}

static void
test_truncate(void)
{
	const char *urls[] = {U("_fault/truncate/big.bin"), U("big.bin")};
	struct fetch_request r = request("big.bin", "trunc.bin", urls, 2);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;

	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), 0, "truncate then good: succeeds");
	TAP_OK(landed(&r, "big.bin"), "truncate then good: dest intact");
	TAP_EQ_INT(log_count("/_fault/truncate/big.bin", 3), 3,
		   "truncate: a cut-off body is retried");
}

static void
test_oversize(void)
{
	const char *bigger[] = {U("_fault/bigger/small.txt")};
	const char *endless[] = {U("_fault/endless/big.bin")};
	struct fetch_request r = request("small.txt", "bigger.txt", bigger, 1);
	struct fetch_request e = request("big.bin", "endless.bin", endless, 1);
	struct fetch_request u = request("big.bin", "endless-unknown.bin", endless, 1);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;
	double t0;
	int rc;

	rc = run(&r, 1, &opts, &rec, &err);
	TAP_EQ_INT(rc, -GN_E_INTEGRITY, "bigger: GN_E_INTEGRITY");
	TAP_OK(strstr(err.message,
		      S("served more than the expected %lld bytes", (long long)r.size)) != NULL,
	       "bigger: says so (%s)", err.message);
	TAP_OK(no_leftovers(&r), "bigger: no dest, no .part");

	t0 = now_s();
	rc = run(&e, 1, &opts, &rec, &err);
	TAP_EQ_INT(rc, -GN_E_INTEGRITY, "endless: GN_E_INTEGRITY");
	TAP_OK(now_s() - t0 < 10.0, "endless: aborted quickly (%.1f s)", now_s() - t0);
	TAP_OK(no_leftovers(&e), "endless: no dest, no .part");

	/* Unknown size and hash: max_size is the cap. */
	u.size = -1;
	u.sha256 = NULL;
	u.max_size = 4096;
	rc = run(&u, 1, &opts, &rec, &err);
	TAP_EQ_INT(rc, -GN_E_INTEGRITY, "endless, size unknown: capped by max_size");
	TAP_OK(strstr(err.message, "more than the expected 4096 bytes") != NULL,
	       "endless, size unknown: names the cap (%s)", err.message);
}

static void
test_unknown_size_ok(void)
{
	const char *urls[] = {U("small.txt")};
	struct fetch_request r = request("small.txt", "unknown.txt", urls, 1);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;

	r.size = -1;
	r.sha256 = NULL;
	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), 0, "size and sha unknown: succeeds");
	TAP_OK(landed(&r, "small.txt"), "size and sha unknown: dest intact");
}

static void
test_stall(void)
{
	const char *urls[] = {U("_fault/stall/big.bin"), U("big.bin")};
	const char *turls[] = {U("_fault/trickle/small.txt"), U("small.txt")};
	struct fetch_request r = request("big.bin", "stall.bin", urls, 2);
	struct fetch_request t = request("small.txt", "trickle.txt", turls, 2);
	/* The machine's setting (cmd/ reads GONATIVE_STALL_TIMEOUT into it). */
	struct fetch_net net = {.stall_timeout = 2};
	struct fetch_opts opts = {.retries = -1, .net = &net};
	struct recorder rec;
	struct gn_error err;
	double t0, dt;

	t0 = now_s();
	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), 0, "stall: next mirror succeeds");
	dt = now_s() - t0;
	TAP_OK(dt >= 1.5 && dt < 5.5, "stall: gave up after the 2 s stall timeout (%.1f s)", dt);
	TAP_EQ_STR(r.url_used, urls[1], "stall: second mirror used");
	TAP_OK(landed(&r, "big.bin"), "stall: dest intact");

	t0 = now_s();
	TAP_EQ_INT(run(&t, 1, &opts, &rec, &err), 0, "trickle: next mirror succeeds");
	dt = now_s() - t0;
	TAP_OK(dt < 8.0, "trickle: below 1 byte/s counts as a stall (%.1f s)", dt);
	TAP_EQ_STR(t.url_used, turls[1], "trickle: second mirror used");
}

static void
test_html(void)
{
	const char *urls[] = {U("_fault/html/big.bin")};
	struct fetch_request r = request("big.bin", "html.bin", urls, 1);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;

	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), -GN_E_INTEGRITY,
		   "html page: GN_E_INTEGRITY (size)");
	TAP_OK(strstr(err.message, "size mismatch") != NULL && err.expected[0] && err.got[0],
	       "html page: size mismatch with expected/got (%s)", err.message);
	TAP_OK(no_leftovers(&r), "html page: no dest, no .part");
}

static void
test_redirects(void)
{
	const char *bad[] = {U("_fault/redirect-file/small.txt")};
	const char *good[] = {U("_fault/redirect/small.txt")};
	struct fetch_request r = request("small.txt", "redir-file.txt", bad, 1);
	struct fetch_request g = request("small.txt", "redir.txt", good, 1);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;

	/* No size or sha: only the protocol rule can stop /etc/passwd. */
	r.size = -1;
	r.sha256 = NULL;
	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), -GN_E_FETCH, "redirect to file://: refused");
	TAP_OK(no_leftovers(&r), "redirect to file://: nothing written");
	TAP_OK(strstr(err.message, "file") != NULL, "redirect to file://: curl says why (%s)",
	       err.message);
	TAP_EQ_INT(run(&g, 1, &opts, &rec, &err), 0, "redirect to http: followed");
	TAP_OK(landed(&g, "small.txt"), "redirect to http: dest intact");
}

/* A mirror that redirects to a second path serving wrong bytes: the error
 * names both the URL asked for and the one that served the bytes. */
static void
test_redirect_corrupt(void)
{
	const char *urls[] = {U("_fault/redirect/_fault/corrupt/big.bin")};
	const char *served = U("_fault/corrupt/big.bin");
	struct fetch_request r = request("big.bin", "redir-corrupt.bin", urls, 1);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;
	char text[4096];
	int rc;

	rc = run(&r, 1, &opts, &rec, &err);
	TAP_EQ_INT(rc, -GN_E_INTEGRITY, "redirect to wrong bytes: GN_E_INTEGRITY");
	TAP_EQ_STR(err.url, urls[0], "redirect to wrong bytes: url is the one requested");
	gn_error_format(&err, text, sizeof(text));
	if (!tap_ok(strstr(text, urls[0]) != NULL && strstr(err.message, served) != NULL,
		    "redirect to wrong bytes: the message names both URLs")) {
		tap_diag("%s", text);
	}
	TAP_OK(strstr(err.message, "sha256 mismatch") != NULL, "... and says what was wrong (%s)",
	       err.message);
	TAP_OK(no_leftovers(&r), "redirect to wrong bytes: no dest, no .part");

	/* No redirect: nothing about one. */
	urls[0] = U("_fault/corrupt/big.bin");
	r = request("big.bin", "plain-corrupt.bin", urls, 1);
	run(&r, 1, &opts, &rec, &err);
	TAP_OK(!strstr(err.message, "redirect"), "no redirect: the message says none (%s)",
	       err.message);
}

static void
test_schemes(void)
{
	const char *urls[] = {"ftp://127.0.0.1:21/small.txt"};
	const char *refused[] = {S("http://127.0.0.1:%d/small.txt", dead_port()), U("small.txt")};
	struct fetch_request r = request("small.txt", "ftp.txt", urls, 1);
	struct fetch_request c = request("small.txt", "refused.txt", refused, 2);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;
	double t0;

	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), -GN_E_FETCH, "ftp://: refused");
	TAP_OK(strstr(err.message, "ftp") != NULL, "ftp://: curl's reason kept (%s)", err.message);
	TAP_EQ_STR(err.url, urls[0], "ftp://: url set");
	TAP_OK(no_leftovers(&r), "ftp://: nothing written");

	t0 = now_s();
	TAP_EQ_INT(run(&c, 1, &opts, &rec, &err), 0, "connection refused: next mirror");
	TAP_OK(now_s() - t0 < 2.0 && rec.retries == 1,
	       "connection refused: not retried on the same URL (%d retry events)", rec.retries);
}

struct hook {
	int calls;
	const char *reject; /* substring of URLs to reject */
	int64_t part_size;
};

static int
verify_hook(void *user, const struct fetch_request *req, const char *part, const char *url,
	    struct gn_error *err)
{
	struct hook *h = user;
	struct stat st;

	h->calls++;
	h->part_size = stat(part, &st) == 0 ? (int64_t)st.st_size : -1;
	if (h->reject && strstr(url, h->reject)) {
		return gn_error_set(err, GN_E_SIGNATURE, "%s: bad signature", req->name);
	}
	return 0;
}

static void
test_verify_hook(void)
{
	const char *urls[] = {U("small.txt?mirror=bad"), U("small.txt?mirror=good")};
	struct fetch_request r = request("small.txt", "hook.txt", urls, 2);
	struct fetch_request all = request("small.txt", "hook-all.txt", urls, 2);
	struct hook h = {.reject = "mirror=bad"};
	struct hook h2 = {.reject = "mirror="};
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;
	int rc;

	r.verify = verify_hook;
	r.verify_user = &h;
	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), 0, "hook: second URL accepted");
	TAP_EQ_INT(h.calls, 2, "hook: called for both URLs");
	TAP_EQ_INT(h.part_size, r.size, "hook: sees the complete part file");
	TAP_EQ_STR(r.url_used, urls[1], "hook: url_used is the accepted one");
	TAP_OK(landed(&r, "small.txt"), "hook: dest intact");

	all.verify = verify_hook;
	all.verify_user = &h2;
	rc = run(&all, 1, &opts, &rec, &err);
	TAP_EQ_INT(rc, -GN_E_SIGNATURE, "hook rejects all: the hook's code is kept");
	TAP_OK(strstr(err.message, "bad signature") != NULL, "hook rejects all: its message (%s)",
	       err.message);
	TAP_OK(no_leftovers(&all), "hook rejects all: no dest, no .part");
}

static void
test_mixed(void)
{
	const char *ok[] = {U("p1.bin")};
	const char *nf[] = {U("_fault/404/p2.bin")};
	const char *bad[] = {U("_fault/corrupt/p3.bin")};
	struct fetch_request r[3];
	struct fetch_opts opts = {.jobs = 3};
	struct recorder rec;
	struct gn_error err;
	int rc;

	r[0] = request("p1.bin", "mixed1.bin", ok, 1);
	r[1] = request("p2.bin", "mixed2.bin", nf, 1);
	r[2] = request("p3.bin", "mixed3.bin", bad, 1);
	rc = run(r, 3, &opts, &rec, &err);
	TAP_EQ_INT(rc, -GN_E_FETCH, "mixed: first failed request's code");
	TAP_OK(strstr(err.message, "p2.bin") != NULL, "mixed: its error (%s)", err.message);
	TAP_OK(r[0].result == 0 && landed(&r[0], "p1.bin"), "mixed: the good one landed");
	TAP_EQ_INT(r[2].result, -GN_E_INTEGRITY, "mixed: corrupt one has its own result");
	TAP_EQ_INT(r[2].error.code, GN_E_INTEGRITY, "mixed: and its own error");
}

static void
test_bad_request(void)
{
	const char *urls[] = {U("small.txt")};
	struct fetch_request r = request("small.txt", "badsha.txt", urls, 1);
	struct fetch_request none = request("small.txt", "nourl.txt", urls, 0);
	struct fetch_opts opts = {0};
	struct recorder rec;
	struct gn_error err;

	r.sha256 = "ABC";
	TAP_EQ_INT(run(&r, 1, &opts, &rec, &err), -GN_E_USAGE, "malformed sha256: refused");
	TAP_EQ_INT(run(&none, 1, &opts, &rec, &err), -GN_E_FETCH, "no URLs: GN_E_FETCH");
	TAP_EQ_INT(rec.starts, 0, "bad requests: nothing started");
}

int
main(int argc, char **argv)
{
	struct gn_error err;

	base_url = argc > 1 ? argv[1] : getenv("FETCH_TEST_URL");
	root_dir = getenv("FETCH_TEST_ROOT");
	log_path = getenv("FETCH_TEST_LOG");
	work_dir = getenv("FETCH_TEST_WORK");
	if (!base_url || !root_dir || !log_path || !work_dir) {
		printf("1..0 # SKIP run through run_fetch_tests.py (needs FETCH_TEST_*)\n");
		return 0;
	}
	if (fetch_global_init(&err) < 0) {
		TAP_OK(0, "fetch_global_init: %s", err.message);
		return tap_done();
	}
	test_plain();
	test_parallel();
	test_file_url();
	test_404_then_good();
	test_all_404();
	test_corrupt();
	test_corrupt_then_good();
	test_500x2();
	test_503_exhausted();
	test_truncate();
	test_oversize();
	test_unknown_size_ok();
	test_stall();
	test_html();
	test_redirects();
	test_redirect_corrupt();
	test_schemes();
	test_verify_hook();
	test_mixed();
	test_bad_request();

	fetch_global_cleanup();
	return tap_done();
}
