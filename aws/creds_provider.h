/*
 * creds_provider: the AWS credential chain run on the loop, in botocore's
 * order (aws/credentials.h has the whole of it): environment, the
 * profile's role, web identity, SSO, keys and credential_process in the
 * shared files, then the container endpoint
 * (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, with
 * AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE), then EC2 instance
 * metadata (IMDSv2: a session token PUT, the role name, the role's
 * credentials; v1 only when the token PUT is refused with 403/404/405).
 * A profile asked for by name that is missing or unusable ends the chain
 * with its error (aws/credentials.h): no other source stands in for it.
 *
 * Owns the current credentials (wiped when replaced or freed), the one
 * chain run in flight (callers asking meanwhile join it) and a timer that
 * refreshes expiring credentials in the background 5 minutes before they
 * expire (never sooner than 60 s ahead). HTTP goes through lw_curl, so
 * nothing blocks the loop but reading small local files (shared files,
 * the container token file), as the SDKs do. Errors name sources, URLs,
 * files and variables, never a key, secret, session or authorization token.
 */
#ifndef LW_CREDS_PROVIDER_H
#define LW_CREDS_PROVIDER_H

#include <stdbool.h>
#include <uv.h>

#include "aws/credentials.h"
#include "aws/sigv4.h"
#include "daemon/net/curl_uv.h"

typedef struct lw_creds_provider lw_creds_provider;

/* err is NULL on success. Always called later from the loop, never from
 * inside the call that asked. */
typedef void (*lw_creds_done_cb)(void *ud, const char *err);

typedef struct lw_creds_options {
    const char *profile;       /* NULL = none named */
    const char *region;        /* STS's region for assumed roles (NULL: the profile's / AWS_REGION) */
    const char *sts_endpoint;  /* NULL: lw_sts_endpoint's precedence */
} lw_creds_options;

/* Resolves environment and shared files at once into a plan
 * (aws/credentials.h), and runs what needs the loop: the container
 * endpoint, IMDS, STS for role_arn and web identity, credential_process
 * (uv_spawn, no shell, 60 s and 64 KiB at most), IAM Identity Center. */
lw_creds_provider *lw_creds_provider_new_opts(uv_loop_t *loop, lw_curl *curl, const lw_creds_options *o);
/* lw_creds_provider_new_opts with only a profile (may be NULL). */
lw_creds_provider *lw_creds_provider_new(uv_loop_t *loop, lw_curl *curl, const char *profile);
/* A provider that assumes role with base's credentials (the per-account
 * shape: one base chain, one such provider per account). It asks base on
 * every run and refreshes on its own. Close it before base. */
lw_creds_provider *lw_creds_provider_new_role(uv_loop_t *loop, lw_curl *curl, lw_creds_provider *base,
                                              const lw_sts_role *role, const char *region, const char *sts_endpoint);
/* Credentials to sign with now; NULL when there are none yet or they
 * expire within 5 seconds. */
const lw_aws_creds *lw_creds_provider_current(const lw_creds_provider *p);
/* The credentials the last successful run produced, even if expiring
 * (NULL when no run succeeded). */
const lw_aws_creds *lw_creds_provider_latest(const lw_creds_provider *p);
/* Makes sure there are credentials, then cb. Without force, answers at
 * once (still asynchronously) when current credentials are valid, or with
 * the last error when a run failed less than 30 s ago. With force (the
 * service said the credentials expired) the chain runs again. */
void lw_creds_provider_get(lw_creds_provider *p, bool force, lw_creds_done_cb cb, void *ud);
/* Where the latest credentials came from ("environment", "container",
 * "instance metadata (role NAME)", ...), "" when none. */
const char *lw_creds_provider_source(const lw_creds_provider *p);
/* Cancels a run in flight (waiters are told "cancelled"), stops the timers
 * and frees p once libuv has closed them. Call before lw_curl_close. */
void lw_creds_provider_close(lw_creds_provider *p);

#endif
