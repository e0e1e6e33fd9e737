/* PID 1's main loop: one poll() over a signalfd, a timerfd (restart
 * backoff, shutdown grace, power-button rescans, the update trial) and
 * the power button. */
#ifndef SK_INIT_LOOP_H
#define SK_INIT_LOOP_H

#include "init_config.h"

/* Blocks the signals the loop reads from its signalfd. Call before the
 * first fork so that none is lost; children unblock them. */
void loop_block_signals(void);
/* Creates the signalfd and timerfd and finds the power button; before the
 * services start, so that an early power-button press is seen. */
void loop_prepare(void);
void loop_run(const struct node_config *cfg) __attribute__((noreturn));

#endif
