/* The name of a TLS alert number, or "alert" for one not listed. */
#ifndef SK_TLS_ALERT_H
#define SK_TLS_ALERT_H

const char *tls_alert_name(int alert);

#endif
