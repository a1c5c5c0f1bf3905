/*
 * builder/netrc.h - credentials for a host from a netrc file (the format
 * curl, ftp and Go read: "machine HOST login USER password SECRET", a
 * "default" entry, "macdef" blocks skipped, "quoted \"tokens\"").
 */
#ifndef NETRC_H
#define NETRC_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The first "machine" entry for host (case-insensitive), else the
 * "default" entry.  true when one was found with a login; password may be
 * "".  A file that is missing or unreadable finds nothing.  Values longer
 * than the buffers are not found (never cut short).
 */
bool netrc_lookup(const char *path, const char *host, char *login, size_t login_len,
		  char *password, size_t password_len);

#endif
