/* Scope-bound cleanup: a variable declared with one of these is released
 * when it goes out of scope. Hand ownership on with `*out = p; p = NULL;`. */
#ifndef SK_CLEANUP_H
#define SK_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void sk_freep(void *p)
{
	free(*(void **)p);
}
static inline void sk_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void sk_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define SK_AUTOFREE   __attribute__((cleanup(sk_freep)))
#define SK_AUTOCLOSE  __attribute__((cleanup(sk_closep)))
#define SK_AUTOFCLOSE __attribute__((cleanup(sk_fclosep)))

#endif
