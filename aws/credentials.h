/*
 * credentials: where AWS credentials, region and endpoint come from, as
 * the AWS CLI (botocore) finds them. With no profile named: environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the
 * shared files (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, then
 * AWS_CONFIG_FILE or ~/.aws/config with [profile NAME] sections) for
 * AWS_PROFILE or "default". A profile named in the configuration or on the
 * command line skips the environment's keys (botocore's explicit profile);
 * AWS_PROFILE does not, but like them it must exist. Those two steps are
 * read here, at once; the rest of the chain, the container endpoint and
 * EC2 instance metadata (IMDSv2), needs HTTP and runs on the loop in
 * aws/creds_provider.c, which parses their answers with lw_creds_parse_json
 * below.
 *
 * Never another identity than the one asked for: a named profile that
 * exists in neither file (botocore's ProfileNotFound), a profile that gets
 * its credentials in a way not implemented here (role_arn, web identity,
 * SSO, credential_process), an access key without its secret, or
 * AWS_WEB_IDENTITY_TOKEN_FILE, is an error that ends the chain: the
 * container endpoint and the instance role are not tried in its place.
 * Region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region.
 * Endpoint: an explicit one, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS,
 * AWS_ENDPOINT_URL, then AWS's. Error messages name the file, profile or
 * variable, never a key.
 */
#ifndef LW_CREDENTIALS_H
#define LW_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/sigv4.h"

/* The environment and shared-files part of the chain for profile (NULL or
 * "" = none named). 0: credentials in out, src says where from
 * ("environment", "shared files (profile NAME)"); 1: none there, the
 * chain goes on (container, instance metadata); -1: an error that ends
 * the chain, in err. out is wiped unless 0. */
int lw_creds_resolve(const char *profile, lw_aws_creds *out, char *src, size_t srclen, char *err, size_t errlen);
/* Region for profile (NULL = default rules); "" when none is set. */
void lw_region_resolve(const char *explicit_region, const char *profile, char *out, size_t n);
/* The CloudWatch Logs endpoint URL (no trailing slash). */
void lw_logs_endpoint(const char *explicit_url, const char *region, char *out, size_t n);
/* The same, with a service model's host prefix ("stream-" for Live Tail)
 * on the default host only: an explicit endpoint is used as given. */
void lw_logs_endpoint_prefixed(const char *explicit_url, const char *region, const char *host_prefix, char *out,
                               size_t n);
/* The profile the shared files are read for: profile, AWS_PROFILE, "default". */
const char *lw_creds_profile_name(const char *profile);
/* Parses a container-credentials or IMDS security-credentials answer:
 * {"Code": "Success" (IMDS only; any other value is refused), "AccessKeyId",
 * "SecretAccessKey", "Token", "Expiration": ISO 8601}; all four required, as
 * botocore requires them. 0, or -1 with err (which names the field, never a
 * value) and *out wiped. Pure: no I/O. */
int lw_creds_parse_json(const char *json, size_t n, lw_aws_creds *out, char *err, size_t errlen);
/* Overwrites the secret parts with zeros. */
void lw_creds_wipe(lw_aws_creds *c);

#endif
