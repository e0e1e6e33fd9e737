/* The agent's log (agent_log.c): every file of the agent writes through it,
 * so it calls nothing of theirs. */
#ifndef SK_AGENT_LOG_H
#define SK_AGENT_LOG_H

void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
