/*
 * builder/pipeline.c - fetch_run on its own thread, readiness per request.
 */
#include "builder/pipeline.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

struct pipeline {
	struct fetch_request *reqs;
	size_t n;
	struct fetch_opts opts; /* the caller's, with on_done and events ours */
	const struct gn_events *outer;
	struct gn_events events;

	pthread_t thread;
	pthread_mutex_t lock;   /* guards everything below */
	pthread_cond_t changed;
	pthread_mutex_t emit_lock; /* one event callback at a time */
	struct fetch_waker waker;  /* abandon wakes the download loop */
	bool *over;             /* parallel to reqs */
	bool finished;          /* fetch_run returned */
	bool abandoned;
	int rc;
	struct gn_error err;
};

static void
serialized_emit(void *user, const struct gn_event *event)
{
	struct pipeline *pl = user;

	pthread_mutex_lock(&pl->emit_lock);
	gn_emit(pl->outer, event);
	pthread_mutex_unlock(&pl->emit_lock);
}

static bool
cancelled(void *user)
{
	struct pipeline *pl = user;
	bool stop;

	pthread_mutex_lock(&pl->lock);
	stop = pl->abandoned;
	pthread_mutex_unlock(&pl->lock);
	return stop || gn_cancelled(pl->outer);
}

static void
request_over(void *user, const struct fetch_request *req)
{
	struct pipeline *pl = user;

	pthread_mutex_lock(&pl->lock);
	pl->over[req - pl->reqs] = true;
	pthread_cond_broadcast(&pl->changed);
	pthread_mutex_unlock(&pl->lock);
}

static void *
run(void *arg)
{
	struct pipeline *pl = arg;
	struct gn_error err;
	int rc;

	gn_error_clear(&err);
	rc = fetch_run(pl->reqs, pl->n, &pl->opts, &err);
	pthread_mutex_lock(&pl->lock);
	pl->rc = rc;
	pl->err = err;
	pl->finished = true;
	pthread_cond_broadcast(&pl->changed);
	pthread_mutex_unlock(&pl->lock);
	return NULL;
}

static void
pipeline_free(struct pipeline *pl)
{
	fetch_waker_destroy(&pl->waker);
	pthread_cond_destroy(&pl->changed);
	pthread_mutex_destroy(&pl->emit_lock);
	pthread_mutex_destroy(&pl->lock);
	free(pl->over);
	free(pl);
}

int
pipeline_new(struct fetch_request *reqs, size_t n, const struct fetch_opts *opts,
	     struct pipeline **out, struct gn_error *err)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));

	if (!pl || !(pl->over = calloc(n ? n : 1, sizeof(*pl->over)))) {
		free(pl);
		return gn_error_nomem(err);
	}
	pl->reqs = reqs;
	pl->n = n;
	pl->opts = *opts;
	pl->outer = opts->events;
	pl->events = (struct gn_events){
		.fn = serialized_emit,
		.user = pl,
		.cancelled = cancelled,
	};
	pl->opts.events = &pl->events;
	pl->opts.on_done = request_over;
	pl->opts.on_done_user = pl;
	pl->opts.waker = &pl->waker;
	fetch_waker_init(&pl->waker);
	pthread_mutex_init(&pl->lock, NULL);
	pthread_mutex_init(&pl->emit_lock, NULL);
	pthread_cond_init(&pl->changed, NULL);
	*out = pl;
	return 0;
}

int
pipeline_start(struct pipeline *pl, struct gn_error *err)
{
	sigset_t quiet, old;
	int rc;

	/* The caller's thread alone takes signals (SIGINT and its kind): the
	 * download thread sees them through cancelled(), woken by
	 * pipeline_wait.  Faults still reach the thread that made them. */
	sigfillset(&quiet);
	sigdelset(&quiet, SIGSEGV);
	sigdelset(&quiet, SIGBUS);
	sigdelset(&quiet, SIGFPE);
	sigdelset(&quiet, SIGILL);
	sigdelset(&quiet, SIGABRT);
	sigdelset(&quiet, SIGTRAP);
	pthread_sigmask(SIG_SETMASK, &quiet, &old);
	rc = pthread_create(&pl->thread, NULL, run, pl);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (rc != 0) {
		pipeline_free(pl);
		return gn_error_set(err, GN_E_IO, "cannot start the download thread: %s",
				    strerror(rc));
	}
	return 0;
}

const struct gn_events *
pipeline_events(struct pipeline *pl)
{
	return &pl->events;
}

int
pipeline_wait(struct pipeline *pl, size_t i, struct gn_error *err)
{
	int rc;

	pthread_mutex_lock(&pl->lock);
	while (!pl->over[i] && !pl->finished) {
		struct timespec until;

		/* A signal reached this thread only: pass it on at once. */
		if (gn_cancelled(pl->outer)) {
			fetch_wake(&pl->waker);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000 * 1000;
		if (until.tv_nsec >= 1000 * 1000 * 1000) {
			until.tv_sec++;
			until.tv_nsec -= 1000 * 1000 * 1000;
		}
		pthread_cond_timedwait(&pl->changed, &pl->lock, &until);
	}
	if (pl->over[i]) {
		rc = pl->reqs[i].result;
		if (rc < 0) {
			*err = pl->reqs[i].error;
		}
	} else {
		/* The run ended without this request (interrupted, curl failed). */
		rc = pl->rc < 0 ? pl->rc : gn_error_set(err, GN_E_FETCH, "%s was not downloaded",
							 pl->reqs[i].name);
		if (pl->rc < 0) {
			*err = pl->err;
		}
	}
	pthread_mutex_unlock(&pl->lock);
	return rc;
}

int
pipeline_finish(struct pipeline *pl, bool abandon, struct gn_error *err)
{
	int rc;

	pthread_mutex_lock(&pl->lock);
	pl->abandoned = pl->abandoned || abandon;
	pthread_mutex_unlock(&pl->lock);
	if (abandon || gn_cancelled(pl->outer)) {
		fetch_wake(&pl->waker);
	}
	pthread_join(pl->thread, NULL);
	/* Given up: a part cut short here is no resume point worth keeping. */
	for (size_t i = 0; abandon && i < pl->n; i++) {
		const struct fetch_request *req = &pl->reqs[i];

		/* Stopped by us, not failed by itself (fetch keeps what a
		 * signal interrupts, for the next run to resume). */
		if (pl->over[i] && req->result != -GN_E_INTERRUPTED) {
			continue;
		}
		if (req->part_name) {
			unlinkat(req->part_dir, req->part_name, 0);
		} else if (req->part) {
			unlink(req->part);
		}
	}
	rc = pl->rc;
	if (rc < 0) {
		*err = pl->err;
	}
	pipeline_free(pl);
	return rc;
}
