/*
 * gn/events.h - how the core tells cmd/ what is happening.
 *
 * The core never prints: it calls the callback that cmd/ supplies (libalpm's
 * event and download callbacks).  Strings in an event live only for the
 * duration of the call.
 */
#ifndef GN_EVENTS_H
#define GN_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

enum gn_event_kind {
	GN_EV_INFO,          /* a step: "resolved go1.21.5", "installed ..." */
	GN_EV_DEBUG,         /* detail shown with -v */
	GN_EV_WARNING,       /* something the user should read; not a failure */
	GN_EV_FETCH_START,   /* name, url, total (-1 unknown) */
	GN_EV_FETCH_PROGRESS,/* name, done, total */
	GN_EV_FETCH_DONE,    /* name, url, done */
	GN_EV_FETCH_RETRY,   /* name, url, message: why it moves on */
};

struct gn_event {
	enum gn_event_kind kind;
	const char *name;    /* file name, or NULL */
	const char *url;     /* or NULL */
	const char *message; /* or NULL */
	int64_t done;
	int64_t total;
};

typedef void (*gn_event_fn)(void *user, const struct gn_event *event);

/* Polled by long loops (downloads, extraction, copies, lock waits): true
 * stops the work with GN_E_INTERRUPTED through the normal error path. */
typedef bool (*gn_cancelled_fn)(void *user);

struct gn_events {
	gn_event_fn fn; /* NULL: events are dropped */
	void *user;
	gn_cancelled_fn cancelled; /* NULL: never cancelled */
};

void gn_emit(const struct gn_events *events, const struct gn_event *event);
/* Emits a message event of the given kind, printf-style. */
void gn_emitf(const struct gn_events *events, enum gn_event_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Has the caller asked to stop?  events may be NULL. */
bool gn_cancelled(const struct gn_events *events);

#endif
