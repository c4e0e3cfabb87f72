/*
 * logs_transport: the production transport of the CloudWatch Logs client:
 * each request signed with SigV4 (service "logs") and POSTed through the
 * libcurl/libuv client, Host taken from the endpoint URL exactly as curl
 * will send it. Credentials come from the chain in creds_provider.h:
 * environment and shared files at once, else container or instance
 * metadata fetched on the loop; requests made before they arrive are
 * queued, and fail with "RequestNotSent: no AWS credentials; tried ..."
 * when the chain finds none (worded so that the log's redaction, which
 * masks the value after a "...credential...:" key, leaves it readable). On ExpiredTokenException the chain runs again.
 */
#ifndef LW_LOGS_TRANSPORT_H
#define LW_LOGS_TRANSPORT_H

#include "aws/logs.h"
#include "daemon/net/curl_uv.h"

typedef struct lw_logs_transport_ctx lw_logs_transport_ctx;

/* NULL with err when no region can be found. */
lw_logs_transport_ctx *lw_logs_transport_new(lw_curl *curl, const char *region, const char *profile,
                                             const char *endpoint_url, double timeout_s, char *err, size_t errlen);
/* The CA certificates file for AWS endpoints: $AWS_CA_BUNDLE when set and
 * not empty (the AWS CLI's environment wins over its config file), else
 * configured ([aws] ca_bundle); NULL = the system's. For lw_curl_new. */
const char *lw_aws_ca_bundle(const char *configured);
lw_logs_transport lw_logs_transport_get(lw_logs_transport_ctx *t);
const char *lw_logs_transport_endpoint(const lw_logs_transport_ctx *t);
const char *lw_logs_transport_region(const lw_logs_transport_ctx *t);
/* Stops the credential provider (cancels a fetch, closes its timers); call
 * on the loop before lw_curl_close. lw_logs_transport_free calls it too. */
void lw_logs_transport_close(lw_logs_transport_ctx *t);
void lw_logs_transport_free(lw_logs_transport_ctx *t);

#endif
