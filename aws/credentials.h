/*
 * credentials: where AWS credentials, region and endpoint come from, in the
 * order the AWS SDKs and CLI use: environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the shared files
 * (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, AWS_CONFIG_FILE or
 * ~/.aws/config, with [profile NAME] sections there) for AWS_PROFILE or
 * "default" unless a profile is given. Those two are read here, at once;
 * the rest of the chain, the container endpoint and EC2 instance metadata
 * (IMDSv2), needs HTTP and runs on the loop in aws/creds_provider.c,
 * which parses their answers with lw_creds_parse_json below. Region: AWS_REGION,
 * AWS_DEFAULT_REGION, then the profile's region. Endpoint: an explicit
 * one, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL, then AWS's.
 * Error messages name the file, profile or variable, never a key.
 */
#ifndef LW_CREDENTIALS_H
#define LW_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/sigv4.h"

/* 0 on success; -1 with err set. profile may be NULL. */
int lw_creds_resolve(const char *profile, lw_aws_creds *out, char *err, size_t errlen);
/* Region for profile (NULL = default rules); "" when none is set. */
void lw_region_resolve(const char *explicit_region, const char *profile, char *out, size_t n);
/* The CloudWatch Logs endpoint URL (no trailing slash). */
void lw_logs_endpoint(const char *explicit_url, const char *region, char *out, size_t n);
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
