/* Small scanners for the shapes the node parses out of /proc, state
 * files, headers and configuration: each does what one scanf conversion
 * did, without sscanf, which links musl's whole vfscanf into the node
 * binary. Each advances *S past what it consumed. */
#ifndef SK_SCAN_H
#define SK_SCAN_H

#include <stddef.h>

/* "%llu" / "%lld": white space, an optional sign, decimal digits, as
 * strtoull/strtoll read them (out of range clamps). Returns 1, or 0 with
 * *S and *OUT untouched when no digit follows. */
int sk_scan_ull(const char **s, unsigned long long *out);
int sk_scan_ll(const char **s, long long *out);

/* "%Ns" with N = CAP - 1: skips white space, copies the word that follows
 * (at most CAP - 1 bytes of it) to OUT. Returns the bytes copied; 0, with
 * OUT empty, when no word follows. A longer word is cut: *S then stops
 * inside it, as scanf's does. */
size_t sk_scan_word(const char **s, char *out, size_t cap);

/* "%N[^REJECT]": copies the run of bytes holding none of REJECT (at most
 * CAP - 1 of them) to OUT, skipping nothing first. Returns the bytes
 * copied (0: the run is empty, OUT is empty). */
size_t sk_scan_until(const char **s, const char *reject, char *out, size_t cap);

#endif
