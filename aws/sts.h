/*
 * sts: AWS Security Token Service, the two calls the credential chain
 * needs: AssumeRole (SigV4-signed with the source credentials, service
 * "sts") and AssumeRoleWithWebIdentity (unsigned: the web identity token is
 * the proof), awsQuery protocol (form POST to "/", Version 2011-06-15, XML
 * answers), over lw_curl on the loop. The XML is read with expat
 * (lw_sts_parse, pure, fuzzed in tests/fuzz/fuzz_sts.c): no DTD, no
 * entities, every field bounded.
 *
 * Endpoint (lw_sts_endpoint in aws/credentials.h): an explicit one,
 * AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, then the regional
 * https://sts.REGION.amazonaws.com (the global sts.amazonaws.com, signed
 * for us-east-1, only when no region is known).
 *
 * Errors name the action, the role ARN, the endpoint's origin and AWS's
 * code and message (e.g. "AccessDenied: User: ... is not authorized to
 * perform: sts:AssumeRole on resource: ARN"), never a key, secret, session
 * token or web identity token.
 *
 * Design note for the per-account work (issue 17, [account] sections):
 * an account is one more hop on top of a base identity. creds_provider.h
 * has lw_creds_provider_new_role(loop, curl, base, &role), which builds a
 * provider whose source is another provider (the daemon's own chain) and
 * which assumes lw_sts_role on top; it refreshes on its own timer and
 * asks the base for fresh credentials each time, so N accounts share one
 * base chain and each keeps its own credentials, errors and expiry. The
 * region and endpoint of the STS call are per role (an account's
 * regional endpoint), not global. Nothing here knows about accounts.
 */
#ifndef LW_STS_H
#define LW_STS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "daemon/net/curl_uv.h"

/* What an STS answer said. */
typedef struct lw_sts_result {
    lw_aws_creds creds;
    char assumed_arn[2048];   /* AssumedRoleUser/Arn, "" when absent */
    char code[128];           /* ErrorResponse/Error/Code */
    char message[1024];       /* ErrorResponse/Error/Message, control characters replaced */
} lw_sts_result;

/* Parses the body of an answer to action ("AssumeRole" or
 * "AssumeRoleWithWebIdentity"). 0: <ActionResponse><ActionResult>
 * <Credentials> with all four fields (Expiration ISO 8601) in out->creds;
 * 1: an <ErrorResponse> (code and message set, creds wiped); -1: neither
 * (malformed, truncated, a DTD, a field too long), with err naming what
 * (never a value). out is always fully initialised. */
int lw_sts_parse(const char *action, const char *body, size_t n, lw_sts_result *out, char *err, size_t errlen);
/* Wipes the secrets of r. */
void lw_sts_result_wipe(lw_sts_result *r);

typedef struct lw_sts_call lw_sts_call;

/* creds is NULL on failure (err set); on success err is NULL and creds is
 * valid only during the call (wiped after it). Called once, from the loop,
 * never from inside lw_sts_assume, unless the call is cancelled first. */
typedef void (*lw_sts_cb)(void *ud, const lw_aws_creds *creds, const char *err);

typedef struct lw_sts_request {
    const char *endpoint;           /* from lw_sts_endpoint, no trailing slash */
    const char *region;             /* signing region ("us-east-1" when empty) */
    const lw_sts_role *role;
    const lw_aws_creds *source;     /* AssumeRole: signs the request; copied */
    const char *web_identity_token; /* non-NULL: AssumeRoleWithWebIdentity (unsigned); copied */
    double timeout_s;               /* 0 = 30 s */
} lw_sts_request;

/* Starts the call (everything in r is copied). Transport failures, 5xx
 * and Throttling are retried twice, a second apart. */
lw_sts_call *lw_sts_assume(lw_curl *curl, const lw_sts_request *r, lw_sts_cb cb, void *ud);
/* Abandons a call that has not answered; cb is never called. */
void lw_sts_cancel(lw_sts_call *c);

#endif
