/* Reading a bootstrap token's text (see join_token.h). */
#include "join_token.h"

#include <string.h>

int token_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

int token_parse(const char *token, char id[TOKEN_ID_LEN + 1], char secret[TOKEN_SECRET_LEN + 1],
		struct sk_err *err)
{
	size_t len = strlen(token);
	if (len != TOKEN_LEN || token[TOKEN_ID_LEN] != '.')
		return sk_failc(
		    err, SK_ERR_USAGE, 0,
		    "token: expected ID.SECRET (6 and 16 of [a-z0-9]), got %zu characters", len);
	for (size_t i = 0; i < len; i++)
		if (i != TOKEN_ID_LEN && !token_char(token[i]))
			return sk_failc(err, SK_ERR_USAGE, 0,
					"token: character %zu is not one of [a-z0-9]", i + 1);
	memcpy(id, token, TOKEN_ID_LEN);
	id[TOKEN_ID_LEN] = '\0';
	memcpy(secret, token + TOKEN_ID_LEN + 1, TOKEN_SECRET_LEN);
	secret[TOKEN_SECRET_LEN] = '\0';
	return 0;
}
