/*
 * builder/pipeline.h - downloads on a thread of their own while the caller
 * merges: each archive is taken the moment its download is over, and only
 * then (size, sha256 and signature checked, renamed into the cache), so
 * nothing unverified is ever parsed (docs/design.md section 18).
 *
 * The caller owns reqs and opts for the pipeline's lifetime and must not
 * touch reqs[i] before pipeline_wait(i) returned.  While it runs, events go
 * through pipeline_events(): one callback at a time, and cancelled also
 * when the caller gave up (pipeline_finish with abandon).
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "builder/fetch.h"

#include <stdbool.h>
#include <stddef.h>

struct pipeline;

/* A pipeline for fetch_run(reqs, n, opts), not started yet; *out is owned
 * by the caller until pipeline_finish.  0 or -code. */
int pipeline_new(struct fetch_request *reqs, size_t n, const struct fetch_opts *opts,
		 struct pipeline **out, struct gn_error *err);

/* Start the downloads on their own thread.  On failure (no thread) pl is
 * freed and nothing was started.  0 or -code. */
int pipeline_start(struct pipeline *pl, struct gn_error *err);

/* The events to use while the pipeline runs (serialized, cancellable). */
const struct gn_events *pipeline_events(struct pipeline *pl);

/* Block until reqs[i] is over: 0, or its -code with its error in *err (or
 * the run's, when it ended before reqs[i] did). */
int pipeline_wait(struct pipeline *pl, size_t i, struct gn_error *err);

/* Wait for the thread and free pl.  abandon: stop the downloads first and
 * remove the parts of those not over.  Returns fetch_run's result, its
 * error in *err. */
int pipeline_finish(struct pipeline *pl, bool abandon, struct gn_error *err);

#endif
