/* Pieces of the config.json parser shared between its files. */
#ifndef RT_OCI_INTERNAL_H
#define RT_OCI_INTERNAL_H

#include "oci_spec.h"
#include "util.h"

int oci_parse_mounts(cJSON *json, struct oci_spec *s, struct sk_err *err);
int oci_parse_linux(cJSON *json, struct oci_spec *s, struct sk_err *err);
/* With LINUX_ NULL, resets R to "nothing set". */
int oci_parse_resources(cJSON *linux_, struct oci_resources *r, struct sk_err *err);
/* MS_* propagation flags of "rslave", "private"...; 0 if unknown. */
unsigned long oci_propagation_flag(const char *name);

#endif
