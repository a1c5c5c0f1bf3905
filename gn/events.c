#include "gn/events.h"

#include <stdarg.h>
#include <stdio.h>

void
gn_emit(const struct gn_events *events, const struct gn_event *event)
{
	if (events && events->fn) {
		events->fn(events->user, event);
	}
}

void
gn_emitf(const struct gn_events *events, enum gn_event_kind kind, const char *fmt, ...)
{
	char message[2048];
	struct gn_event event = { .kind = kind, .message = message };
	va_list ap;

	if (!events || !events->fn) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	events->fn(events->user, &event);
}

bool
gn_cancelled(const struct gn_events *events)
{
	return events && events->cancelled && events->cancelled(events->user);
}
