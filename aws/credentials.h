/*
 * credentials: where AWS credentials, region and endpoint come from, as
 * the AWS CLI (botocore) finds them, read from the environment and the
 * shared files at once into a plan (lw_creds_plan) that aws/creds_provider.c
 * then runs on the loop: a base (static keys, the container endpoint,
 * instance metadata, a web identity token, credential_process, IAM
 * Identity Center) and the roles assumed on top of it, in order.
 *
 * botocore's order (credentials.py create_credential_resolver): the
 * environment's keys (skipped when a profile is named in the configuration
 * or on the command line; AWS_PROFILE does not skip them); the profile's
 * role_arn with source_profile (whose own static keys, web identity, SSO or
 * credential_process is the source, or its own role_arn: chains, with
 * botocore's loop detection) or credential_source (Environment,
 * Ec2InstanceMetadata, EcsContainer); web identity (AWS_WEB_IDENTITY_TOKEN_FILE,
 * AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME unless a profile is named, then the
 * profile's web_identity_token_file with role_arn); SSO (sso_session with
 * its [sso-session] section, or legacy sso_start_url/sso_region, plus
 * sso_account_id and sso_role_name); the credentials file's keys;
 * credential_process; the config file's keys; then the container endpoint
 * and IMDS (LW_CREDS_CHAIN_REST).
 *
 * Never another identity than the one asked for: a named profile that
 * exists in neither file (botocore's ProfileNotFound), a source profile
 * that is missing or has no credentials, a loop, an access key without its
 * secret, a half-configured SSO profile, is an error that ends the chain:
 * the container endpoint and the instance role are not tried in its place.
 * Region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region.
 * Endpoints: an explicit one, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
 * then AWS's. Error messages name the file, profile, setting or variable,
 * never a key.
 */
#ifndef LW_CREDENTIALS_H
#define LW_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/sigv4.h"

/* One role to assume, as a profile (or, later, an [account] section) says it. */
typedef struct lw_sts_role {
    char role_arn[2048];
    char external_id[1300];   /* "" = none (AWS allows up to 1224) */
    char session_name[72];    /* "" = "lambdaward-<unix seconds>" */
    int duration_s;           /* 0 = not sent (STS's default, 1 h) */
} lw_sts_role;

typedef enum lw_creds_base {
    LW_CREDS_CHAIN_REST,   /* nothing in env/files: the container endpoint, then IMDS */
    LW_CREDS_STATIC,       /* keys (environment or shared files) */
    LW_CREDS_CONTAINER,    /* credential_source = EcsContainer */
    LW_CREDS_IMDS,         /* credential_source = Ec2InstanceMetadata */
    LW_CREDS_WEB_IDENTITY, /* AssumeRoleWithWebIdentity with the token file */
    LW_CREDS_PROCESS,      /* credential_process */
    LW_CREDS_SSO,          /* GetRoleCredentials with the cached `aws sso login` token */
    LW_CREDS_PROVIDER,     /* another provider's credentials (creds_provider.h; never from files) */
} lw_creds_base;

#define LW_CREDS_MAX_HOPS 8

typedef struct lw_creds_plan {
    lw_creds_base base;
    char profile[128];          /* the profile resolved for */
    bool explicit_profile;      /* named (--profile, [aws] profile, AWS_PROFILE) */
    char base_src[300];         /* where the base comes from, for messages */
    lw_aws_creds keys;          /* STATIC: secret */
    char web_token_file[1024];  /* WEB_IDENTITY */
    lw_sts_role web_role;
    char process[4096];         /* PROCESS: the command line as written */
    char sso_start_url[1024], sso_region[64], sso_account_id[32], sso_role_name[130];
    char sso_cache_key[1024];   /* sso_session name or start URL: the token cache file is its SHA-1 */
    lw_sts_role hops[LW_CREDS_MAX_HOPS]; /* assumed in order on top of the base */
    char hop_profile[LW_CREDS_MAX_HOPS][128];
    int nhops;
} lw_creds_plan;

/* The plan for profile (NULL or "" = none named): 0 with out filled, or
 * -1 with err (an error that ends the chain). Reads only the environment
 * and the shared files. out is wiped on error. */
int lw_creds_plan_resolve(const char *profile, lw_creds_plan *out, char *err, size_t errlen);
void lw_creds_plan_wipe(lw_creds_plan *p);
/* The synchronous part alone: 0 static credentials in out (src says where
 * from); 1 the container endpoint / IMDS are next; 2 the plan needs the
 * loop (STS, a process, SSO); -1 an error, in err. out is wiped unless 0. */
int lw_creds_resolve(const char *profile, lw_aws_creds *out, char *src, size_t srclen, char *err, size_t errlen);
/* Region for profile (NULL = default rules); "" when none is set. */
void lw_region_resolve(const char *explicit_region, const char *profile, char *out, size_t n);
/* The CloudWatch Logs endpoint URL (no trailing slash). */
void lw_logs_endpoint(const char *explicit_url, const char *region, char *out, size_t n);
/* The STS endpoint: explicit_url, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL,
 * https://sts.REGION.amazonaws.com, or https://sts.amazonaws.com with no
 * region. No trailing slash. */
void lw_sts_endpoint(const char *explicit_url, const char *region, char *out, size_t n);
/* The IAM Identity Center portal: explicit_url, AWS_ENDPOINT_URL_SSO,
 * AWS_ENDPOINT_URL, https://portal.sso.REGION.amazonaws.com. */
void lw_sso_endpoint(const char *explicit_url, const char *region, char *out, size_t n);
/* The same, with a service model's host prefix ("stream-" for Live Tail)
 * on the default host only: an explicit endpoint is used as given. */
void lw_logs_endpoint_prefixed(const char *explicit_url, const char *region, const char *host_prefix, char *out,
                               size_t n);
/* The profile the shared files are read for: profile, AWS_PROFILE, "default". */
const char *lw_creds_profile_name(const char *profile);
/* Parses the JSON credential_process prints (AWS "Sourcing credentials
 * with an external process"): {"Version": 1, "AccessKeyId",
 * "SecretAccessKey", "SessionToken" (optional), "Expiration" (optional,
 * ISO 8601; none = never expires)}. 0, or -1 with err naming the field. */
int lw_creds_parse_process_json(const char *json, size_t n, lw_aws_creds *out, char *err, size_t errlen);
/* Parses a GetRoleCredentials answer: {"roleCredentials": {"accessKeyId",
 * "secretAccessKey", "sessionToken", "expiration": ms}}. */
int lw_creds_parse_sso_json(const char *json, size_t n, lw_aws_creds *out, char *err, size_t errlen);
/* Parses an `aws sso login` token cache file: {"accessToken", "expiresAt":
 * ISO 8601}; token (NUL-terminated) and *expires_ms. */
int lw_creds_parse_sso_token(const char *json, size_t n, char *token, size_t cap, int64_t *expires_ms, char *err,
                             size_t errlen);
/* Splits a credential_process command line as botocore does on POSIX
 * (shlex.split): blanks separate words, single quotes are literal, double
 * quotes allow \" and \\, a backslash outside quotes escapes any
 * character. argv points into buf (its size cap); NULL-terminated. Returns
 * the word count, or -1 (unbalanced quote, too many words, too long). */
int lw_shell_split(const char *cmd, char *buf, size_t cap, char **argv, int maxargs);
/* Parses a container-credentials or IMDS security-credentials answer:
 * {"Code": "Success" (IMDS only; any other value is refused), "AccessKeyId",
 * "SecretAccessKey", "Token", "Expiration": ISO 8601}; all four required, as
 * botocore requires them. 0, or -1 with err (which names the field, never a
 * value) and *out wiped. Pure: no I/O. */
int lw_creds_parse_json(const char *json, size_t n, lw_aws_creds *out, char *err, size_t errlen);
/* Overwrites the secret parts with zeros. */
void lw_creds_wipe(lw_aws_creds *c);

#endif
