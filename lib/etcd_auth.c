/* etcd's role-based access control through the JSON gateway: users,
 * roles, key-range permissions, turning auth on. etcd lets only a user of
 * the root role manage these. Names come back in errors as etcd words
 * them ("etcdserver: user name already exists"), wrapped with the name. */
#include <errno.h>
#include <string.h>

#include "etcd_internal.h"

static int auth_call(struct etcd *e, const char *path, cJSON *body, struct sk_err *err)
{
	cJSON *ans = NULL;
	int rc = body ? etcd_call(e, path, body, &ans, err) : sk_fail(err, ENOMEM, "%s", path);
	cJSON_Delete(body);
	cJSON_Delete(ans);
	return rc;
}

/* {"a":"x","b":"y"} from two name/value pairs (the second may be NULL). */
static cJSON *pair_body(const char *k1, const char *v1, const char *k2, const char *v2)
{
	cJSON *j = cJSON_CreateObject();
	if (j &&
	    (!cJSON_AddStringToObject(j, k1, v1) || (k2 && !cJSON_AddStringToObject(j, k2, v2)))) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

int etcd_user_add(struct etcd *e, const char *user, const char *password, struct sk_err *err)
{
	if (auth_call(e, "/v3/auth/user/add", pair_body("name", user, "password", password), err) <
	    0)
		return sk_wrap(err, "add etcd user %s", user);
	return 0;
}

int etcd_user_delete(struct etcd *e, const char *user, struct sk_err *err)
{
	if (auth_call(e, "/v3/auth/user/delete", pair_body("name", user, NULL, NULL), err) < 0)
		return sk_wrap(err, "delete etcd user %s", user);
	return 0;
}

int etcd_user_password(struct etcd *e, const char *user, const char *password, struct sk_err *err)
{
	if (auth_call(e, "/v3/auth/user/changepw", pair_body("name", user, "password", password),
		      err) < 0)
		return sk_wrap(err, "change the password of etcd user %s", user);
	return 0;
}

int etcd_user_grant_role(struct etcd *e, const char *user, const char *role, struct sk_err *err)
{
	if (auth_call(e, "/v3/auth/user/grant", pair_body("user", user, "role", role), err) < 0)
		return sk_wrap(err, "grant role %s to etcd user %s", role, user);
	return 0;
}

int etcd_role_add(struct etcd *e, const char *role, struct sk_err *err)
{
	if (auth_call(e, "/v3/auth/role/add", pair_body("name", role, NULL, NULL), err) < 0)
		return sk_wrap(err, "add etcd role %s", role);
	return 0;
}

int etcd_role_delete(struct etcd *e, const char *role, struct sk_err *err)
{
	if (auth_call(e, "/v3/auth/role/delete", pair_body("role", role, NULL, NULL), err) < 0)
		return sk_wrap(err, "delete etcd role %s", role);
	return 0;
}

static const char *const perm_names[] = {
    [ETCD_PERM_READ] = "READ", [ETCD_PERM_WRITE] = "WRITE", [ETCD_PERM_READWRITE] = "READWRITE"};

int etcd_role_grant(struct etcd *e, const char *role, enum etcd_perm perm, const char *key,
		    int prefix, struct sk_err *err)
{
	cJSON *body = pair_body("name", role, NULL, NULL), *p = cJSON_CreateObject();
	if (!body || !p || !cJSON_AddStringToObject(p, "permType", perm_names[perm]) ||
	    etcd_json_add_range(p, key, NULL, prefix) < 0) {
		cJSON_Delete(body);
		cJSON_Delete(p);
		return sk_fail(err, ENOMEM, "grant %s", role);
	}
	cJSON_AddItemToObject(body, "perm", p);
	if (auth_call(e, "/v3/auth/role/grant", body, err) < 0)
		return sk_wrap(err, "grant %s on %s%s to etcd role %s", perm_names[perm], key,
			       prefix ? "*" : "", role);
	return 0;
}

int etcd_auth_enable(struct etcd *e, struct sk_err *err)
{
	if (auth_call(e, "/v3/auth/enable", cJSON_CreateObject(), err) < 0)
		return sk_wrap(err, "enable etcd auth");
	return 0;
}
