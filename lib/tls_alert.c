/* Names of TLS alerts (RFC 8446 section 6), for error messages of both the
 * HTTP client and the node API's connections. */
#include "tls_alert.h"

const char *tls_alert_name(int alert)
{
	switch (alert) {
	case 40:
		return "handshake_failure";
	case 42:
		return "bad_certificate";
	case 43:
		return "unsupported_certificate";
	case 44:
		return "certificate_revoked";
	case 45:
		return "certificate_expired";
	case 46:
		return "certificate_unknown";
	case 48:
		return "unknown_ca";
	case 70:
		return "protocol_version";
	case 116:
		return "certificate_required";
	default:
		return "alert";
	}
}
