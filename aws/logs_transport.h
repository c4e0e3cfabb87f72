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
#include "aws/sigv4.h"
#include "daemon/net/curl_uv.h"

typedef struct lw_logs_transport_ctx lw_logs_transport_ctx;

/* One signed awsJson 1.1 POST / of body with X-Amz-Target target to host
 * (host[:port] as curl sends it: signed, not listed, since curl sends
 * Host from the URL): the one signing path of the Logs client and of Live
 * Tail (livetail.h). headers[0..n) go to curl; the token is wiped when
 * freed. */
typedef struct lw_logs_signed {
    const char *headers[6];
    int n;
    char target[128];
    char date[64];
    lw_buf authz, token;
} lw_logs_signed;
void lw_logs_sign(const char *host, const char *region, const lw_aws_creds *creds, const char *target,
                  const char *body, size_t n, int64_t time_s, lw_logs_signed *out);
void lw_logs_signed_free(lw_logs_signed *s);
/* host[:port] of an endpoint URL, as the request's Host header carries it. */
void lw_logs_url_host(const char *url, char *out, size_t n);

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
/* The credentials requests are signed with now, or NULL while the chain
 * is still fetching them (Live Tail signs its own streaming request). */
const lw_aws_creds *lw_logs_transport_creds(lw_logs_transport_ctx *t);
/* The client the transport sends through. */
lw_curl *lw_logs_transport_curl(lw_logs_transport_ctx *t);
/* Stops the credential provider (cancels a fetch, closes its timers); call
 * on the loop before lw_curl_close. lw_logs_transport_free calls it too. */
void lw_logs_transport_close(lw_logs_transport_ctx *t);
void lw_logs_transport_free(lw_logs_transport_ctx *t);

#endif
