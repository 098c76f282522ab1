/*
 * params.c - ESMTP parameters of MAIL and RCPT (see params.h).  Each value
 * is checked against its RFC's grammar and limit before it is kept: they
 * all end up in the delivery command's environment.
 */
#include "config.h"

#include "params.h"

#include <stdio.h>
#include <string.h>

#include "address.h"
#include "replies.h"
#include "util.h"


/*
 * MAIL parameters we implement: SIZE (RFC 1870), BODY (RFC 6152, 3030),
 * SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461).  Returns NULL or the
 * reply that refuses the command.
 */
const char *
params_mail(const struct session_config *cfg, bool esmtp,
    struct envelope *env, const char *p, size_t len)
{
	struct smtp_param params[LIMIT_PARAMS];
	unsigned seen = 0;
	size_t n, i;

	util_trim_blanks(p, &len);
	if (address_split_params(p, len, params, LIMIT_PARAMS, &n) != ADDR_OK)
		return R_PARAM_BAD;
	if (n > 0 && !esmtp)
		return R_PARAM_NO_EHLO;
	for (i = 0; i < n; i++) {
		const struct smtp_param *pm = &params[i];
		const char *v = pm->value;
		size_t vl = pm->valuelen;
		unsigned bit;

		if (util_word_eq(pm->key, pm->keylen, "size"))
			bit = 1;
		else if (util_word_eq(pm->key, pm->keylen, "body"))
			bit = 2;
		else if (util_word_eq(pm->key, pm->keylen, "smtputf8") &&
		    cfg->smtputf8)
			bit = 4;
		else if (util_word_eq(pm->key, pm->keylen, "ret") &&
		    cfg->dsn)
			bit = 8;
		else if (util_word_eq(pm->key, pm->keylen, "envid") &&
		    cfg->dsn)
			bit = 16;
		else
			return R_PARAM_UNKNOWN;
		if (seen & bit)
			return R_DUP_PARAM;
		seen |= bit;
		switch (bit) {
		case 1: {
			uint64_t size;

			if (v == NULL ||
			    !util_parse_u64(v, vl, UINT64_MAX, &size))
				return R_SIZE_BAD;
			/* RFC 1870 6.1: refuse at MAIL what we would
			 * refuse after the data. */
			if (size > cfg->max_size)
				return R_SIZE_TOO_BIG;
			env->declared_size = size;
			break;
		}
		case 2:
			if (v == NULL)
				return R_PARAM_BAD;
			if (util_word_eq(v, vl, "7bit"))
				env->body = BODY_7BIT;
			else if (util_word_eq(v, vl, "8bitmime"))
				env->body = BODY_8BITMIME;
			else if (util_word_eq(v, vl, "binarymime") &&
			    cfg->chunking)
				env->body = BODY_BINARYMIME;
			else
				return "555 5.5.4 Unsupported BODY type";
			break;
		case 4:
			/* RFC 6531 3.4: SMTPUTF8 takes no value. */
			if (v != NULL)
				return R_PARAM_BAD;
			env->smtputf8 = true;
			break;
		case 8:
			if (v != NULL && util_word_eq(v, vl, "full"))
				snprintf(env->dsn_ret, sizeof(env->dsn_ret),
				    "FULL");
			else if (v != NULL && util_word_eq(v, vl, "hdrs"))
				snprintf(env->dsn_ret, sizeof(env->dsn_ret),
				    "HDRS");
			else
				return "555 5.5.4 RET must be FULL or HDRS";
			break;
		case 16:
			/* RFC 3461 4.4: xtext, at most 100 characters. */
			if (v == NULL || vl > LIMIT_ENVID ||
			    !util_xtext_decode(v, vl, env->dsn_envid,
			    sizeof(env->dsn_envid)))
				return "555 5.5.4 Malformed ENVID";
			break;
		}
	}
	return NULL;
}

/* RFC 3461 4.1: NOTIFY=NEVER, or a list of SUCCESS, FAILURE, DELAY. */
static bool
notify_param(const char *v, size_t vl, char *out, size_t cap)
{
	static const char *const words[] = { "success", "failure", "delay" };
	unsigned seen = 0;
	size_t i = 0, o = 0;

	if (util_word_eq(v, vl, "never")) {
		snprintf(out, cap, "NEVER");
		return true;
	}
	while (i < vl) {
		size_t j = i, w;

		while (j < vl && v[j] != ',')
			j++;
		for (w = 0; w < 3; w++)
			if (util_word_eq(v + i, j - i, words[w]))
				break;
		if (w == 3 || (seen & (1u << w)))
			return false;
		seen |= 1u << w;
		o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "," : "",
		    w == 0 ? "SUCCESS" : w == 1 ? "FAILURE" : "DELAY");
		if (j == vl)
			return true;
		i = j + 1;
		if (i == vl)
			return false;	/* a trailing comma */
	}
	return false;
}

/* RFC 3461 4.2: ORCPT=addr-type ";" xtext. */
static bool
orcpt_param(const char *v, size_t vl, char *out, size_t cap)
{
	size_t semi, i;

	for (semi = 0; semi < vl && v[semi] != ';'; semi++)
		;
	if (semi == 0 || semi == vl || semi + 1 >= cap || vl > LIMIT_ORCPT)
		return false;
	for (i = 0; i < semi; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	memcpy(out, v, semi + 1);
	return util_xtext_decode(v + semi + 1, vl - semi - 1, out + semi + 1,
	    cap - semi - 1);
}

const char *
params_rcpt(const struct session_config *cfg, struct envelope *env,
    unsigned idx, const char *p, size_t len)
{
	struct smtp_param params[LIMIT_PARAMS];
	bool notify = false, orcpt = false;
	size_t n, i;

	env->dsn_notify[idx][0] = '\0';
	env->dsn_orcpt[idx][0] = '\0';
	util_trim_blanks(p, &len);
	if (address_split_params(p, len, params, LIMIT_PARAMS, &n) != ADDR_OK)
		return R_PARAM_BAD;
	for (i = 0; i < n; i++) {
		const struct smtp_param *pm = &params[i];

		/* RFC 5321 4.1.1.3: no RCPT parameter unless an extension
		 * we advertised defines it. */
		if (!cfg->dsn || pm->value == NULL)
			return R_PARAM_UNKNOWN;
		if (util_word_eq(pm->key, pm->keylen, "notify")) {
			if (notify)
				return R_DUP_PARAM;
			notify = true;
			if (!notify_param(pm->value, pm->valuelen,
			    env->dsn_notify[idx],
			    sizeof(env->dsn_notify[idx])))
				return "555 5.5.4 Malformed NOTIFY";
		} else if (util_word_eq(pm->key, pm->keylen, "orcpt")) {
			if (orcpt)
				return R_DUP_PARAM;
			orcpt = true;
			if (!orcpt_param(pm->value, pm->valuelen,
			    env->dsn_orcpt[idx],
			    sizeof(env->dsn_orcpt[idx])))
				return "555 5.5.4 Malformed ORCPT";
		} else {
			return R_PARAM_UNKNOWN;
		}
	}
	return NULL;
}

