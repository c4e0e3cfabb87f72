/*
 * catalog: see catalog.h. The table first, then the matcher, the
 * validators and the sample generator.
 *
 * The vendor rows were drafted by gen_vendors.py from gitleaks'
 * config/gitleaks.toml (MIT License, Copyright (c) 2019 Zachary Rice; at
 * commit b58d3f1) and reviewed; the context rows at the end are ours. A
 * row's order matters only on a tie in lw_secret_resolve (the earlier
 * row wins), so the specific vendor rows come first.
 */
#include "secrets/catalog.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/pattern.h"

static const lw_secret_format rows[] = {
    /* ---- vendor token formats (from gitleaks' rules) --------------------- */
    {"1password_secret_key", "1password Secret Key", LW_SC_CLOUD, true, "(\\bA3-[A-Z0-9]{6}-(?:(?:[A-Z0-9]{11})|(?:[A-Z0-9]{6}-[A-Z0-9]{5}))-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\\b)",
     {"a3-"}, 3, 3.8, 0, "A3-[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{6}-[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{11}-[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{5}-[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{5}-[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{5}", NULL},
    {"1password_service_account_token", "1password Service Account Token", LW_SC_CLOUD, true, "(ops_eyJ[a-zA-Z0-9+/]{250,}={0,3})",
     {"ops_"}, 7, 4.0, 0, "ops_eyJ[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/]{250}", NULL},
    {"adafruit_api_key", "Adafruit API Key", LW_SC_SAAS, false, "(?i)(?:adafruit)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"adafruit"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789_-]{32}", "adafruit"},
    {"adobe_client_id", "Adobe Client ID", LW_SC_SAAS, false, "(?i)(?:adobe)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"adobe"}, 0, 2.0, 0, "[abcdef0123456789]{32}", "adobe"},
    {"adobe_client_secret", "Adobe Client Secret", LW_SC_SAAS, false, "\\b(p8e-(?i)[a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"p8e-"}, 4, 2.0, 0, "p8e-[abcdefghijklmnopqrstuvwxyz0123456789]{32}", NULL},
    {"age_secret_key", "Age Secret Key", LW_SC_CLOUD, true, "(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
     {"age-secret-key-1"}, 16, 0.0, 0, "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", NULL},
    {"airtable_api_key", "Airtable API Key", LW_SC_SAAS, false, "(?i)(?:airtable)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{17})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"airtable"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{17}", "airtable"},
    {"airtable_personnal_access_token", "Airtable Personnal Access Token", LW_SC_SAAS, false, "\\b(pat[[:alnum:]]{14}\\.[a-f0-9]{64})\\b",
     {"=pat"}, 3, 0.0, 0, "pat[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{14}.[abcdef0123456789]{64}", NULL},
    {"algolia_api_key", "Algolia API Key", LW_SC_SAAS, false, "(?i)(?:algolia)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"algolia"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{32}", "algolia"},
    {"alibaba_access_key_id", "Alibaba Access Key ID", LW_SC_CLOUD, true, "\\b(LTAI(?i)[a-z0-9]{20})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"ltai"}, 4, 2.0, 0, "LTAI[abcdefghijklmnopqrstuvwxyz0123456789]{20}", NULL},
    {"alibaba_secret_key", "Alibaba Secret Key", LW_SC_CLOUD, true, "(?i)(?:alibaba)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{30})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"alibaba"}, 0, 2.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{30}", "alibaba"},
    {"anthropic_admin_api_key", "Anthropic Admin API Key", LW_SC_AI, false, "\\b(sk-ant-admin01-[a-zA-Z0-9_\\-]{93}AA)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sk-ant-admin01"}, 15, 0.0, 0, "sk-ant-admin01-[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{93}AA", NULL},
    {"anthropic_api_key", "Anthropic API Key", LW_SC_AI, false, "\\b(sk-ant-api03-[a-zA-Z0-9_\\-]{93}AA)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sk-ant-api03"}, 13, 0.0, 0, "sk-ant-api03-[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{93}AA", NULL},
    {"artifactory_api_key", "Artifactory API Key", LW_SC_SAAS, false, "(\\bAKCp[A-Za-z0-9]{69}\\b)",
     {"akcp"}, 4, 4.5, 0, "AKCp[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{69}", NULL},
    {"artifactory_reference_token", "Artifactory Reference Token", LW_SC_SAAS, false, "(\\bcmVmd[A-Za-z0-9]{59}\\b)",
     {"cmvmd"}, 5, 4.5, 0, "cmVmd[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{59}", NULL},
    {"asana_client_id", "Asana Client ID", LW_SC_SAAS, false, "(?i)(?:asana)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"asana"}, 0, 0.0, 0, "[0123456789]{16}", "asana"},
    {"asana_client_secret", "Asana Client Secret", LW_SC_SAAS, false, "(?i)(?:asana)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"asana"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{32}", "asana"},
    {"atlassian_api_token", "Atlassian API Token", LW_SC_SAAS, false, "(?i)(?:(?-i:ATLASSIAN|[Aa]tlassian)|(?-i:CONFLUENCE|[Cc]onfluence)|(?-i:JIRA|[Jj]ira))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{20}[a-f0-9]{4})(?:[\\x60'\"\\s;]|\\\\[nr]|$)|\\b(?:ATATT3[A-Za-z0-9_\\-=]{186})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"atlassian", "confluence", "jira", "atatt3"}, 0, 3.5, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{20}[abcdef0123456789]{4}", "ATLASSIAN"},
    {"authress_service_client_access_key", "Authress Service Client Access Key", LW_SC_CLOUD, true, "\\b((?:sc|ext|scauth|authress)_(?i)[a-z0-9]{5,30}\\.[a-z0-9]{4,6}\\.(?-i:acc)[_-][a-z0-9-]{10,32}\\.[a-z0-9+/_=-]{30,120})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sc_", "ext_", "scauth_", "authress_"}, 3, 2.0, 0, "sc_[abcdefghijklmnopqrstuvwxyz0123456789]{5}.[abcdefghijklmnopqrstuvwxyz0123456789]{4}.acc[_-][abcdefghijklmnopqrstuvwxyz0123456789-]{10}.[abcdefghijklmnopqrstuvwxyz0123456789+/_=-]{30}", NULL},
    {"aws_amazon_bedrock_api_key_long_lived", "AWS Amazon Bedrock API Key Long Lived", LW_SC_CLOUD, true, "\\b(ABSK[A-Za-z0-9+/]{109,269}={0,2})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"absk"}, 4, 3.0, 0, "ABSK[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/]{109}", NULL},
    {"aws_amazon_bedrock_api_key_short_lived", "AWS Amazon Bedrock API Key Short Lived", LW_SC_CLOUD, true, "(bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t)",
     {"bedrock-api-key-"}, 16, 3.0, 0, "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t", NULL},
    {"azure_ad_client_secret", "Azure AD Client Secret", LW_SC_CLOUD, true, "(?:^|[\\\\'\"\\x60\\s>=:(,)])([a-zA-Z0-9_~.]{3}\\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\\\'\"\\x60\\s<),])",
     {"Q~"}, 0, 3.0, 0, "[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~.]{3}[0123456789]Q~[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~.-]{31}", NULL},
    {"beamer_api_token", "Beamer API Token", LW_SC_SAAS, false, "(?i)(?:beamer)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(b_[a-z0-9=_\\-]{44})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"beamer"}, 0, 0.0, 0, "b_[abcdefghijklmnopqrstuvwxyz0123456789=_-]{44}", "beamer"},
    {"bitbucket_client_id", "Bitbucket Client ID", LW_SC_VCS, true, "(?i)(?:bitbucket)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"bitbucket"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{32}", "bitbucket"},
    {"bitbucket_client_secret", "Bitbucket Client Secret", LW_SC_VCS, true, "(?i)(?:bitbucket)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"bitbucket"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789=_-]{64}", "bitbucket"},
    {"bittrex_access_key", "Bittrex Access Key", LW_SC_PAYMENT, true, "(?i)(?:bittrex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"bittrex"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{32}", "bittrex"},
    {"bittrex_secret_key", "Bittrex Secret Key", LW_SC_PAYMENT, true, "(?i)(?:bittrex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"bittrex"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{32}", "bittrex"},
    {"cisco_meraki_api_key", "Cisco Meraki API Key", LW_SC_SAAS, false, "(?i:(?:(?-i:[Mm]eraki|MERAKI))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"meraki"}, 0, 3.0, 0, "[0123456789abcdef]{40}", "Meraki"},
    {"clickhouse_cloud_api_secret_key", "Clickhouse Cloud API Secret Key", LW_SC_CLOUD, true, "\\b(4b1d[A-Za-z0-9]{38})\\b",
     {"4b1d"}, 4, 3.0, 0, "4b1d[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{38}", NULL},
    {"clojars_api_token", "Clojars API Token", LW_SC_SAAS, false, "(?i)(CLOJARS_[a-z0-9]{60})",
     {"clojars_"}, 8, 2.0, 0, "CLOJARS_[abcdefghijklmnopqrstuvwxyz0123456789]{60}", NULL},
    {"cloudflare_api_key", "Cloudflare API Key", LW_SC_CLOUD, true, "(?i)(?:cloudflare)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"cloudflare"}, 0, 2.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789_-]{40}", "cloudflare"},
    {"cloudflare_global_api_key", "Cloudflare Global API Key", LW_SC_CLOUD, true, "(?i)(?:cloudflare)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{37})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"cloudflare"}, 0, 2.0, 0, "[abcdef0123456789]{37}", "cloudflare"},
    {"cloudflare_origin_ca_key", "Cloudflare Origin CA Key", LW_SC_CLOUD, true, "\\b(v1\\.0-[a-f0-9]{24}-[a-f0-9]{146})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"cloudflare", "v1.0-"}, 5, 2.0, 0, "v1.0-[abcdef0123456789]{24}-[abcdef0123456789]{146}", NULL},
    {"codecov_access_token", "Codecov Access Token", LW_SC_CLOUD, true, "(?i)(?:codecov)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"codecov"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{32}", "codecov"},
    {"cohere_api_token", "Cohere API Token", LW_SC_AI, false, "(?i:(?:cohere|CO_API_KEY)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-zA-Z0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"cohere", "co_api_key"}, 0, 4.0, 0, "[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{40}", "cohere"},
    {"coinbase_access_token", "Coinbase Access Token", LW_SC_PAYMENT, true, "(?i)(?:coinbase)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"coinbase"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789_-]{64}", "coinbase"},
    {"confluent_access_token", "Confluent Access Token", LW_SC_CLOUD, true, "(?i)(?:confluent)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"confluent"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{16}", "confluent"},
    {"confluent_secret_key", "Confluent Secret Key", LW_SC_CLOUD, true, "(?i)(?:confluent)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"confluent"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{64}", "confluent"},
    {"contentful_delivery_api_token", "Contentful Delivery API Token", LW_SC_SAAS, false, "(?i)(?:contentful)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{43})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"contentful"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789=_-]{43}", "contentful"},
    {"databricks_api_token", "Databricks API Token", LW_SC_CLOUD, true, "\\b(dapi[a-f0-9]{32}(?:-\\d)?)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"dapi"}, 4, 3.0, 0, "dapi[abcdef0123456789]{32}", NULL},
    {"datadog_access_token", "Datadog Access Token", LW_SC_SAAS, false, "(?i)(?:datadog)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"datadog"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{40}", "datadog"},
    {"defined_networking_api_token", "Defined Networking API Token", LW_SC_CLOUD, true, "(?i)(?:dnkey)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(dnkey-[a-z0-9=_\\-]{26}-[a-z0-9=_\\-]{52})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"dnkey"}, 0, 0.0, 0, "dnkey-[abcdefghijklmnopqrstuvwxyz0123456789=_-]{26}-[abcdefghijklmnopqrstuvwxyz0123456789=_-]{52}", "dnkey"},
    {"digitalocean_access_token", "Digitalocean Access Token", LW_SC_CLOUD, true, "\\b(doo_v1_[a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"doo_v1_"}, 7, 3.0, 0, "doo_v1_[abcdef0123456789]{64}", NULL},
    {"digitalocean_pat", "Digitalocean PAT", LW_SC_CLOUD, true, "\\b(dop_v1_[a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"dop_v1_"}, 7, 3.0, 0, "dop_v1_[abcdef0123456789]{64}", NULL},
    {"digitalocean_refresh_token", "Digitalocean Refresh Token", LW_SC_CLOUD, true, "(?i)\\b(dor_v1_[a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"dor_v1_"}, 7, 0.0, 0, "dor_v1_[abcdef0123456789]{64}", NULL},
    {"discord_api_token", "Discord API Token", LW_SC_CHAT, true, "(?i)(?:discord)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"discord"}, 0, 0.0, 0, "[abcdef0123456789]{64}", "discord"},
    {"discord_client_id", "Discord Client ID", LW_SC_CHAT, true, "(?i)(?:discord)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9]{18})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"discord"}, 0, 2.0, 0, "[0123456789]{18}", "discord"},
    {"discord_client_secret", "Discord Client Secret", LW_SC_CHAT, true, "(?i)(?:discord)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"discord"}, 0, 2.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789=_-]{32}", "discord"},
    {"doppler_api_token", "Doppler API Token", LW_SC_CLOUD, true, "(dp\\.pt\\.(?i)[a-z0-9]{43})",
     {"dp.pt."}, 6, 2.0, 0, "dp.pt.[abcdefghijklmnopqrstuvwxyz0123456789]{43}", NULL},
    {"droneci_access_token", "Droneci Access Token", LW_SC_CLOUD, true, "(?i)(?:droneci)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"droneci"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{32}", "droneci"},
    {"dropbox_api_token", "Dropbox API Token", LW_SC_SAAS, false, "(?i)(?:dropbox)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{15})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"dropbox"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{15}", "dropbox"},
    {"dropbox_long_lived_api_token", "Dropbox Long Lived API Token", LW_SC_SAAS, false, "(?i)(?:dropbox)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{11}(?:AAAAAAAAAA)[a-z0-9\\-_=]{43})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"dropbox"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{11}AAAAAAAAAA[abcdefghijklmnopqrstuvwxyz0123456789-_=]{43}", "dropbox"},
    {"dropbox_short_lived_api_token", "Dropbox Short Lived API Token", LW_SC_SAAS, false, "(?i)(?:dropbox)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(sl\\.[a-z0-9\\-=_]{135})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"dropbox"}, 0, 0.0, 0, "sl.[abcdefghijklmnopqrstuvwxyz0123456789-=_]{135}", "dropbox"},
    {"duffel_api_token", "Duffel API Token", LW_SC_PAYMENT, true, "(duffel_(?:test|live)_(?i)[a-z0-9_\\-=]{43})",
     {"duffel_"}, 12, 2.0, 0, "duffel_test_[abcdefghijklmnopqrstuvwxyz0123456789_-=]{43}", NULL},
    {"dynatrace_api_token", "Dynatrace API Token", LW_SC_SAAS, false, "(dt0c01\\.(?i)[a-z0-9]{24}\\.[a-z0-9]{64})",
     {"dt0c01."}, 7, 4.0, 0, "dt0c01.[abcdefghijklmnopqrstuvwxyz0123456789]{24}.[abcdefghijklmnopqrstuvwxyz0123456789]{64}", NULL},
    {"easypost_api_token", "Easypost API Token", LW_SC_PAYMENT, true, "(\\bEZAK(?i)[a-z0-9]{54}\\b)",
     {"ezak"}, 4, 2.0, 0, "EZAK[abcdefghijklmnopqrstuvwxyz0123456789]{54}", NULL},
    {"easypost_test_api_token", "Easypost Test API Token", LW_SC_PAYMENT, true, "(\\bEZTK(?i)[a-z0-9]{54}\\b)",
     {"eztk"}, 4, 2.0, 0, "EZTK[abcdefghijklmnopqrstuvwxyz0123456789]{54}", NULL},
    {"etsy_access_token", "Etsy Access Token", LW_SC_SAAS, false, "(?i)(?:(?-i:ETSY|[Ee]tsy))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{24})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"etsy"}, 0, 3.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{24}", "ETSY"},
    {"facebook_access_token", "Facebook Access Token", LW_SC_SAAS, false, "(?i)\\b(\\d{15,16}(?:\\||%)[0-9a-z\\-_]{27,40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"=|", "=%"}, 0, 3.0, 0, "[0123456789]{15}[|%][0123456789abcdefghijklmnopqrstuvwxyz-_]{27}", NULL},
    {"facebook_page_access_token", "Facebook Page Access Token", LW_SC_SAAS, false, "\\b(EAA[MC](?i)[a-z0-9]{100,})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"eaam", "eaac"}, 3, 4.0, 0, "EAA[MC][abcdefghijklmnopqrstuvwxyz0123456789]{100}", NULL},
    {"facebook_secret", "Facebook Secret", LW_SC_SAAS, false, "(?i)(?:facebook)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"facebook"}, 0, 3.0, 0, "[abcdef0123456789]{32}", "facebook"},
    {"fastly_api_token", "Fastly API Token", LW_SC_CLOUD, true, "(?i)(?:fastly)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"fastly"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789=_-]{32}", "fastly"},
    {"finicity_api_token", "Finicity API Token", LW_SC_PAYMENT, true, "(?i)(?:finicity)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"finicity"}, 0, 0.0, 0, "[abcdef0123456789]{32}", "finicity"},
    {"finicity_client_secret", "Finicity Client Secret", LW_SC_PAYMENT, true, "(?i)(?:finicity)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{20})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"finicity"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{20}", "finicity"},
    {"finnhub_access_token", "Finnhub Access Token", LW_SC_SAAS, false, "(?i)(?:finnhub)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{20})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"finnhub"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{20}", "finnhub"},
    {"flickr_access_token", "Flickr Access Token", LW_SC_SAAS, false, "(?i)(?:flickr)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"flickr"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{32}", "flickr"},
    {"flutterwave_encryption_key", "Flutterwave Encryption Key", LW_SC_PAYMENT, true, "(FLWSECK_TEST-(?i)[a-h0-9]{12})",
     {"flwseck_test"}, 13, 2.0, 0, "FLWSECK_TEST-[abcdefgh0123456789]{12}", NULL},
    {"flutterwave_public_key", "Flutterwave Public Key", LW_SC_PAYMENT, true, "(FLWPUBK_TEST-(?i)[a-h0-9]{32}-X)",
     {"flwpubk_test"}, 13, 2.0, 0, "FLWPUBK_TEST-[abcdefgh0123456789]{32}-X", NULL},
    {"flutterwave_secret_key", "Flutterwave Secret Key", LW_SC_PAYMENT, true, "(FLWSECK_TEST-(?i)[a-h0-9]{32}-X)",
     {"flwseck_test"}, 13, 2.0, 0, "FLWSECK_TEST-[abcdefgh0123456789]{32}-X", NULL},
    {"flyio_access_token", "Flyio Access Token", LW_SC_CLOUD, true, "\\b((?:fo1_[\\w-]{43}|fm1[ar]_[a-zA-Z0-9+\\/]{100,}={0,3}|fm2_[a-zA-Z0-9+\\/]{100,}={0,3}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"fo1_", "fm1", "fm2_"}, 4, 4.0, 0, "fo1_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{43}", NULL},
    {"frameio_api_token", "Frameio API Token", LW_SC_SAAS, false, "(fio-u-(?i)[a-z0-9\\-_=]{64})",
     {"fio-u-"}, 6, 0.0, 0, "fio-u-[abcdefghijklmnopqrstuvwxyz0123456789-_=]{64}", NULL},
    {"freshbooks_access_token", "Freshbooks Access Token", LW_SC_SAAS, false, "(?i)(?:freshbooks)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"freshbooks"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{64}", "freshbooks"},
    {"gcp_api_key", "GCP API Key", LW_SC_CLOUD, true, "\\b(AIza[\\w-]{35})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"aiza"}, 4, 4.0, 0, "AIza[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{35}", NULL},
    {"github_app_token", "GitHub App Token", LW_SC_VCS, true, "((?:ghu|ghs)_[0-9a-zA-Z]{36})",
     {"ghu_", "ghs_"}, 2, 3.0, 0, "gh[us]_[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]{36}", NULL},
    {"github_fine_grained_pat", "GitHub Fine Grained PAT", LW_SC_VCS, true, "(github_pat_\\w{82})",
     {"github_pat_"}, 11, 3.0, 0, "github_pat_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_]{82}", NULL},
    {"github_oauth", "GitHub OAuth", LW_SC_VCS, true, "(gho_[0-9a-zA-Z]{36})",
     {"gho_"}, 4, 3.0, 0, "gho_[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]{36}", NULL},
    {"github_pat", "GitHub PAT", LW_SC_VCS, true, "(ghp_[0-9a-zA-Z]{36})",
     {"ghp_"}, 4, 3.0, 0, "ghp_[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]{36}", NULL},
    {"github_refresh_token", "GitHub Refresh Token", LW_SC_VCS, true, "(ghr_[0-9a-zA-Z]{36})",
     {"ghr_"}, 4, 3.0, 0, "ghr_[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]{36}", NULL},
    {"gitlab_cicd_job_token", "GitLab CI/CD Job Token", LW_SC_VCS, true, "(glcbt-[0-9a-zA-Z]{1,5}_[0-9a-zA-Z_-]{20})",
     {"glcbt-"}, 6, 3.0, 0, "glcbt-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]_[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{20}", NULL},
    {"gitlab_deploy_token", "GitLab Deploy Token", LW_SC_VCS, true, "(gldt-[0-9a-zA-Z_\\-]{20})",
     {"gldt-"}, 5, 3.0, 0, "gldt-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{20}", NULL},
    {"gitlab_feature_flag_client_token", "GitLab Feature Flag Client Token", LW_SC_VCS, true, "(glffct-[0-9a-zA-Z_\\-]{20})",
     {"glffct-"}, 7, 3.0, 0, "glffct-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{20}", NULL},
    {"gitlab_feed_token", "GitLab Feed Token", LW_SC_VCS, true, "(glft-[0-9a-zA-Z_\\-]{20})",
     {"glft-"}, 5, 3.0, 0, "glft-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{20}", NULL},
    {"gitlab_incoming_mail_token", "GitLab Incoming Mail Token", LW_SC_VCS, true, "(glimt-[0-9a-zA-Z_\\-]{25})",
     {"glimt-"}, 6, 3.0, 0, "glimt-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{25}", NULL},
    {"gitlab_kubernetes_agent_token", "GitLab Kubernetes Agent Token", LW_SC_VCS, true, "(glagent-[0-9a-zA-Z_\\-]{50})",
     {"glagent-"}, 8, 3.0, 0, "glagent-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{50}", NULL},
    {"gitlab_oauth_app_secret", "GitLab OAuth App Secret", LW_SC_VCS, true, "(gloas-[0-9a-zA-Z_\\-]{64})",
     {"gloas-"}, 6, 3.0, 0, "gloas-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{64}", NULL},
    {"gitlab_pat", "GitLab PAT", LW_SC_VCS, true, "(glpat-[\\w-]{20})",
     {"glpat-"}, 6, 3.0, 0, "glpat-[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{20}", NULL},
    {"gitlab_pat_routable", "GitLab PAT Routable", LW_SC_VCS, true, "(\\bglpat-[0-9a-zA-Z_-]{27,300}\\.[0-9a-z]{2}[0-9a-z]{7}\\b)",
     {"glpat-"}, 6, 4.0, 0, "glpat-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{27}.[0123456789abcdefghijklmnopqrstuvwxyz]{2}[0123456789abcdefghijklmnopqrstuvwxyz]{7}", NULL},
    {"gitlab_ptt", "GitLab PTT", LW_SC_VCS, true, "(glptt-[0-9a-f]{40})",
     {"glptt-"}, 6, 3.0, 0, "glptt-[0123456789abcdef]{40}", NULL},
    {"gitlab_rrt", "GitLab RRT", LW_SC_VCS, true, "(GR1348941[\\w-]{20})",
     {"gr1348941"}, 9, 3.0, 0, "GR1348941[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{20}", NULL},
    {"gitlab_runner_authentication_token", "GitLab Runner Authentication Token", LW_SC_VCS, true, "(glrt-[0-9a-zA-Z_\\-]{20})",
     {"glrt-"}, 5, 3.0, 0, "glrt-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{20}", NULL},
    {"gitlab_runner_authentication_token_routable", "GitLab Runner Authentication Token Routable", LW_SC_VCS, true, "(\\bglrt-t\\d_[0-9a-zA-Z_\\-]{27,300}\\.[0-9a-z]{2}[0-9a-z]{7}\\b)",
     {"glrt-"}, 6, 4.0, 0, "glrt-t[0123456789]_[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{27}.[0123456789abcdefghijklmnopqrstuvwxyz]{2}[0123456789abcdefghijklmnopqrstuvwxyz]{7}", NULL},
    {"gitlab_scim_token", "GitLab SCIM Token", LW_SC_VCS, true, "(glsoat-[0-9a-zA-Z_\\-]{20})",
     {"glsoat-"}, 7, 3.0, 0, "glsoat-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{20}", NULL},
    {"gitlab_session_cookie", "GitLab Session Cookie", LW_SC_VCS, true, "(_gitlab_session=[0-9a-z]{32})",
     {"_gitlab_session="}, 15, 3.0, 0, "_gitlab_session=[0123456789abcdefghijklmnopqrstuvwxyz]{32}", NULL},
    {"gitter_access_token", "Gitter Access Token", LW_SC_VCS, true, "(?i)(?:gitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"gitter"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789_-]{40}", "gitter"},
    {"gocardless_api_token", "Gocardless API Token", LW_SC_PAYMENT, true, "(?i)(?:gocardless)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(live_(?i)[a-z0-9\\-_=]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"live_", "gocardless"}, 0, 0.0, 0, "live_[abcdefghijklmnopqrstuvwxyz0123456789-_=]{40}", "gocardless"},
    {"grafana_api_key", "Grafana API Key", LW_SC_SAAS, false, "(?i)\\b(eyJrIjoi[A-Za-z0-9]{70,400}={0,3})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"eyjrijoi"}, 8, 3.0, 0, "eyJrIjoi[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{70}", NULL},
    {"grafana_cloud_api_token", "Grafana Cloud API Token", LW_SC_SAAS, false, "(?i)\\b(glc_[A-Za-z0-9+/]{32,400}={0,3})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"glc_"}, 4, 3.0, 0, "glc_[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/]{32}", NULL},
    {"grafana_service_account_token", "Grafana Service Account Token", LW_SC_SAAS, false, "(?i)\\b(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"glsa_"}, 5, 3.0, 0, "glsa_[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{32}_[ABCDEFabcdef0123456789]{8}", NULL},
    {"harness_api_key", "Harness API Key", LW_SC_CLOUD, true, "((?:pat|sat)\\.[a-zA-Z0-9_-]{22}\\.[a-zA-Z0-9]{24}\\.[a-zA-Z0-9]{20})",
     {"pat.", "sat."}, 4, 0.0, 0, "pat.[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{22}.[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{24}.[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{20}", NULL},
    {"hashicorp_tf_api_token", "Hashicorp TF API Token", LW_SC_CLOUD, true, "(?i)([a-z0-9]{14}\\.(?-i:atlasv1)\\.[a-z0-9\\-_=]{60,70})",
     {"atlasv1"}, 0, 3.5, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{14}.atlasv1.[abcdefghijklmnopqrstuvwxyz0123456789-_=]{60}", NULL},
    {"heroku_api_key", "Heroku API Key", LW_SC_CLOUD, true, "(?i)(?:heroku)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"heroku"}, 0, 0.0, 0, "[0123456789abcdef]{8}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{12}", "heroku"},
    {"heroku_api_key_v2", "Heroku API Key V2", LW_SC_CLOUD, true, "\\b((?:HRKU-AA[0-9a-zA-Z_-]{58}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"hrku-aa"}, 7, 4.0, 0, "HRKU-AA[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-]{58}", NULL},
    {"hubspot_api_key", "Hubspot API Key", LW_SC_SAAS, false, "(?i)(?:hubspot)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"hubspot"}, 0, 0.0, 0, "[0123456789ABCDEF]{8}-[0123456789ABCDEF]{4}-[0123456789ABCDEF]{4}-[0123456789ABCDEF]{4}-[0123456789ABCDEF]{12}", "hubspot"},
    {"huggingface_access_token", "Huggingface Access Token", LW_SC_AI, false, "\\b(hf_(?i:[a-z]{34}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"hf_"}, 3, 2.0, 0, "hf_[abcdefghijklmnopqrstuvwxyz]{34}", NULL},
    {"huggingface_organization_api_token", "Huggingface Organization API Token", LW_SC_AI, false, "\\b(api_org_(?i:[a-z]{34}))(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"api_org_"}, 8, 2.0, 0, "api_org_[abcdefghijklmnopqrstuvwxyz]{34}", NULL},
    {"infracost_api_token", "Infracost API Token", LW_SC_CLOUD, true, "\\b(ico-[a-zA-Z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"ico-"}, 4, 3.0, 0, "ico-[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{32}", NULL},
    {"intercom_api_key", "Intercom API Key", LW_SC_CHAT, true, "(?i)(?:intercom)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{60})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"intercom"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789=_-]{60}", "intercom"},
    {"intra42_client_secret", "Intra42 Client Secret", LW_SC_SAAS, false, "\\b(s-s4t2(?:ud|af)-(?i)[abcdef0123456789]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"intra", "s-s4t2ud-", "s-s4t2af-"}, 9, 3.0, 0, "s-s4t2ud-[abcdef0123456789]{64}", NULL},
    {"jfrog_api_key", "Jfrog API Key", LW_SC_SAAS, false, "(?i)(?:jfrog|artifactory|bintray|xray)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{73})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"jfrog", "artifactory", "bintray", "xray"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{73}", "jfrog"},
    {"jfrog_identity_token", "Jfrog Identity Token", LW_SC_SAAS, false, "(?i)(?:jfrog|artifactory|bintray|xray)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"jfrog", "artifactory", "bintray", "xray"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{64}", "jfrog"},
    {"kraken_access_token", "Kraken Access Token", LW_SC_PAYMENT, true, "(?i)(?:kraken)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9\\/=_\\+\\-]{80,90})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"kraken"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789/=_+-]{80}", "kraken"},
    {"kucoin_access_token", "Kucoin Access Token", LW_SC_PAYMENT, true, "(?i)(?:kucoin)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{24})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"kucoin"}, 0, 0.0, 0, "[abcdef0123456789]{24}", "kucoin"},
    {"kucoin_secret_key", "Kucoin Secret Key", LW_SC_PAYMENT, true, "(?i)(?:kucoin)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"kucoin"}, 0, 0.0, 0, "[0123456789abcdef]{8}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{12}", "kucoin"},
    {"launchdarkly_access_token", "Launchdarkly Access Token", LW_SC_SAAS, false, "(?i)(?:launchdarkly)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"launchdarkly"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789=_-]{40}", "launchdarkly"},
    {"linear_api_key", "Linear API Key", LW_SC_SAAS, false, "(lin_api_(?i)[a-z0-9]{40})",
     {"lin_api_"}, 8, 2.0, 0, "lin_api_[abcdefghijklmnopqrstuvwxyz0123456789]{40}", NULL},
    {"linear_client_secret", "Linear Client Secret", LW_SC_SAAS, false, "(?i)(?:linear)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"linear"}, 0, 2.0, 0, "[abcdef0123456789]{32}", "linear"},
    {"linkedin_client_id", "Linkedin Client ID", LW_SC_SAAS, false, "(?i)(?:linked[_-]?in)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{14})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"linkedin", "linked_in", "linked-in"}, 0, 2.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{14}", "linkedin"},
    {"linkedin_client_secret", "Linkedin Client Secret", LW_SC_SAAS, false, "(?i)(?:linked[_-]?in)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"linkedin", "linked_in", "linked-in"}, 0, 2.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{16}", "linkedin"},
    {"lob_api_key", "Lob API Key", LW_SC_SAAS, false, "(?i)(?:lob)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}((?:live|test)_[a-f0-9]{35})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"test_", "live_"}, 0, 0.0, 0, "live_[abcdef0123456789]{35}", "lob"},
    {"lob_pub_api_key", "Lob Pub API Key", LW_SC_SAAS, false, "(?i)(?:lob)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}((?:test|live)_pub_[a-f0-9]{31})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"test_pub", "live_pub", "_pub"}, 0, 0.0, 0, "test_pub_[abcdef0123456789]{31}", "lob"},
    {"looker_client_id", "Looker Client ID", LW_SC_SAAS, false, "(?i)(?:looker)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{20})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"looker"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{20}", "looker"},
    {"looker_client_secret", "Looker Client Secret", LW_SC_SAAS, false, "(?i)(?:looker)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{24})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"looker"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{24}", "looker"},
    {"mailgun_private_api_token", "Mailgun Private API Token", LW_SC_SAAS, false, "(?i)(?:mailgun)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(key-[a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"mailgun"}, 0, 0.0, 0, "key-[abcdef0123456789]{32}", "mailgun"},
    {"mailgun_pub_key", "Mailgun Pub Key", LW_SC_SAAS, false, "(?i)(?:mailgun)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(pubkey-[a-f0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"mailgun"}, 0, 0.0, 0, "pubkey-[abcdef0123456789]{32}", "mailgun"},
    {"mailgun_signing_key", "Mailgun Signing Key", LW_SC_SAAS, false, "(?i)(?:mailgun)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"mailgun"}, 0, 0.0, 0, "[abcdefgh0123456789]{32}-[abcdefgh0123456789]{8}-[abcdefgh0123456789]{8}", "mailgun"},
    {"mapbox_api_token", "Mapbox API Token", LW_SC_SAAS, false, "(?i)(?:mapbox)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(pk\\.[a-z0-9]{60}\\.[a-z0-9]{22})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"mapbox"}, 0, 0.0, 0, "pk.[abcdefghijklmnopqrstuvwxyz0123456789]{60}.[abcdefghijklmnopqrstuvwxyz0123456789]{22}", "mapbox"},
    {"mattermost_access_token", "Mattermost Access Token", LW_SC_CHAT, true, "(?i)(?:mattermost)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{26})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"mattermost"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{26}", "mattermost"},
    {"maxmind_license_key", "Maxmind License Key", LW_SC_SAAS, false, "\\b([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"_mmk"}, 0, 4.0, 0, "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{6}_[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{29}_mmk", NULL},
    {"messagebird_api_token", "Messagebird API Token", LW_SC_CHAT, true, "(?i)(?:message[_-]?bird)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{25})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"messagebird", "message-bird", "message_bird"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{25}", "messagebird"},
    {"messagebird_client_id", "Messagebird Client ID", LW_SC_CHAT, true, "(?i)(?:message[_-]?bird)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"messagebird", "message-bird", "message_bird"}, 0, 0.0, 0, "[0123456789abcdef]{8}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{12}", "messagebird"},
    {"microsoft_teams_webhook", "Microsoft Teams Webhook", LW_SC_CHAT, true, "(https://[a-z0-9]+\\.webhook\\.office\\.com/webhookb2/[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}@[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12})",
     {"webhook.office.com", "webhookb2", "incomingwebhook"}, 5, 0.0, 0, "https://[abcdefghijklmnopqrstuvwxyz0123456789].webhook.office.com/webhookb2/[abcdefghijklmnopqrstuvwxyz0123456789]{8}-[abcdefghijklmnopqrstuvwxyz0123456789]{4}-[abcdefghijklmnopqrstuvwxyz0123456789]{4}-[abcdefghijklmnopqrstuvwxyz0123456789]{4}-[abcdefghijklmnopqrstuvwxyz0123456789]{12}@[abcdefghijklmnopqrstuvwxyz0123456789]{8}-[abcdefghijklmnopqrstuvwxyz0123456789]{4}-[abcdefghijklmnopqrstuvwxyz0123456789]{4}-[abcdefghijklmnopqrstuvwxyz0123456789]{4}-[abcdefghijklmnopqrstuvwxyz0123456789]{12}/IncomingWebhook/[abcdefghijklmnopqrstuvwxyz0123456789]{32}/[abcdefghijklmnopqrstuvwxyz0123456789]{8}-[abcdefghijklmnopqrstuvwxyz0123456789]{4}-[abcdefghijklmnopqrstuvwxyz0123456789]{4}-[abcdefghijklmnopqrstuvwxyz0123456789]{4}-[abcdefghijklmnopqrstuvwxyz0123456789]{12}", NULL},
    {"netlify_access_token", "Netlify Access Token", LW_SC_CLOUD, true, "(?i)(?:netlify)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{40,46})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"netlify"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789=_-]{40}", "netlify"},
    {"new_relic_browser_api_token", "New Relic Browser API Token", LW_SC_SAAS, false, "(?i)(?:new-relic|newrelic|new_relic)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(NRJS-[a-f0-9]{19})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"nrjs-"}, 0, 0.0, 0, "NRJS-[abcdef0123456789]{19}", "new-relic"},
    {"new_relic_insert_key", "New Relic Insert Key", LW_SC_SAAS, false, "(?i)(?:new-relic|newrelic|new_relic)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(NRII-[a-z0-9-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"nrii-"}, 0, 0.0, 0, "NRII-[abcdefghijklmnopqrstuvwxyz0123456789-]{32}", "new-relic"},
    {"new_relic_user_api_id", "New Relic User API ID", LW_SC_SAAS, false, "(?i)(?:new-relic|newrelic|new_relic)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"new-relic", "newrelic", "new_relic"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{64}", "new-relic"},
    {"new_relic_user_api_key", "New Relic User API Key", LW_SC_SAAS, false, "(?i)(?:new-relic|newrelic|new_relic)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(NRAK-[a-z0-9]{27})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"nrak"}, 0, 0.0, 0, "NRAK-[abcdefghijklmnopqrstuvwxyz0123456789]{27}", "new-relic"},
    {"notion_api_token", "Notion API Token", LW_SC_SAAS, false, "\\b(ntn_[0-9]{11}[A-Za-z0-9]{32}[A-Za-z0-9]{3})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"ntn_"}, 4, 4.0, 0, "ntn_[0123456789]{11}[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{32}[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{3}", NULL},
    {"npm_access_token", "npm Access Token", LW_SC_SAAS, false, "(?i)\\b(npm_[a-z0-9]{36})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"npm_"}, 4, 2.0, 0, "npm_[abcdefghijklmnopqrstuvwxyz0123456789]{36}", NULL},
    {"nytimes_access_token", "Nytimes Access Token", LW_SC_SAAS, false, "(?i)(?:nytimes|new-york-times,|newyorktimes)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9=_\\-]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"nytimes", "new-york-times", "newyorktimes"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789=_-]{32}", "nytimes"},
    {"octopus_deploy_api_key", "Octopus Deploy API Key", LW_SC_CLOUD, true, "\\b(API-[A-Z0-9]{26})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"api-"}, 4, 3.0, 0, "API-[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{26}", NULL},
    {"okta_access_token", "Okta Access Token", LW_SC_CLOUD, true, "(?i:(?:(?-i:[Oo]kta|OKTA))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(00[\\w=\\-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"okta"}, 2, 4.0, 0, "00[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=-]{40}", "Okta"},
    {"openai_api_key", "OpenAI API Key", LW_SC_AI, false, "\\b(sk-(?:proj|svcacct|admin)-(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})T3BlbkFJ(?:[A-Za-z0-9_-]{74}|[A-Za-z0-9_-]{58})\\b|sk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"t3blbkfj"}, 8, 3.0, 0, "sk-proj-[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-]{74}T3BlbkFJ[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-]{74}", NULL},
    {"openshift_user_token", "Openshift User Token", LW_SC_CLOUD, true, "\\b(sha256~[\\w-]{43})(?:[^\\w-]|\\z)",
     {"sha256~"}, 6, 3.5, 0, "sha256~[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{43}", NULL},
    {"perplexity_api_key", "Perplexity API Key", LW_SC_AI, false, "\\b(pplx-[a-zA-Z0-9]{48})(?:[\\x60'\"\\s;]|\\\\[nr]|$|\\b)",
     {"pplx-"}, 5, 4.0, 0, "pplx-[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{48}", NULL},
    {"plaid_api_token", "Plaid API Token", LW_SC_PAYMENT, true, "(?i)(?:plaid)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"plaid"}, 0, 0.0, 0, "access-sandbox-[0123456789abcdef]{8}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{12}", "plaid"},
    {"plaid_client_id", "Plaid Client ID", LW_SC_PAYMENT, true, "(?i)(?:plaid)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{24})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"plaid"}, 0, 3.5, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{24}", "plaid"},
    {"plaid_secret_key", "Plaid Secret Key", LW_SC_PAYMENT, true, "(?i)(?:plaid)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{30})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"plaid"}, 0, 3.5, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{30}", "plaid"},
    {"planetscale_api_token", "Planetscale API Token", LW_SC_CLOUD, true, "\\b(pscale_tkn_(?i)[\\w=\\.-]{32,64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"pscale_tkn_"}, 11, 3.0, 0, "pscale_tkn_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=.-]{32}", NULL},
    {"planetscale_oauth_token", "Planetscale OAuth Token", LW_SC_CLOUD, true, "\\b(pscale_oauth_[\\w=\\.-]{32,64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"pscale_oauth_"}, 13, 3.0, 0, "pscale_oauth_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=.-]{32}", NULL},
    {"planetscale_password", "Planetscale Password", LW_SC_CLOUD, true, "(?i)\\b(pscale_pw_(?i)[\\w=\\.-]{32,64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"pscale_pw_"}, 10, 3.0, 0, "pscale_pw_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=.-]{32}", NULL},
    {"postman_api_token", "Postman API Token", LW_SC_SAAS, false, "\\b(PMAK-(?i)[a-f0-9]{24}\\-[a-f0-9]{34})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"pmak-"}, 5, 3.0, 0, "PMAK-[abcdef0123456789]{24}-[abcdef0123456789]{34}", NULL},
    {"prefect_api_token", "Prefect API Token", LW_SC_CLOUD, true, "\\b(pnu_[a-zA-Z0-9]{36})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"pnu_"}, 4, 2.0, 0, "pnu_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{36}", NULL},
    {"privateai_api_token", "Privateai API Token", LW_SC_AI, false, "(?i:(?:private[_-]?ai)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"privateai", "private_ai", "private-ai"}, 0, 3.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{32}", "privateai"},
    {"pulumi_api_token", "Pulumi API Token", LW_SC_CLOUD, true, "\\b(pul-[a-f0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"pul-"}, 4, 2.0, 0, "pul-[abcdef0123456789]{40}", NULL},
    {"pypi_upload_token", "PyPI Upload Token", LW_SC_SAAS, false, "(pypi-AgEIcHlwaS5vcmc[\\w-]{50,1000})",
     {"pypi-ageichlwas5vcmc"}, 16, 3.0, 0, "pypi-AgEIcHlwaS5vcmc[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{50}", NULL},
    {"rapidapi_access_token", "Rapidapi Access Token", LW_SC_SAAS, false, "(?i)(?:rapidapi)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9_-]{50})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"rapidapi"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789_-]{50}", "rapidapi"},
    {"readme_api_token", "Readme API Token", LW_SC_SAAS, false, "\\b(rdme_[a-z0-9]{70})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"rdme_"}, 5, 2.0, 0, "rdme_[abcdefghijklmnopqrstuvwxyz0123456789]{70}", NULL},
    {"rubygems_api_token", "Rubygems API Token", LW_SC_SAAS, false, "\\b(rubygems_[a-f0-9]{48})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"rubygems_"}, 9, 2.0, 0, "rubygems_[abcdef0123456789]{48}", NULL},
    {"scalingo_api_token", "Scalingo API Token", LW_SC_CLOUD, true, "\\b(tk-us-[\\w-]{48})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"tk-us-"}, 6, 2.0, 0, "tk-us-[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{48}", NULL},
    {"sendbird_access_id", "Sendbird Access ID", LW_SC_CHAT, true, "(?i)(?:sendbird)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sendbird"}, 0, 0.0, 0, "[0123456789abcdef]{8}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{12}", "sendbird"},
    {"sendbird_access_token", "Sendbird Access Token", LW_SC_CHAT, true, "(?i)(?:sendbird)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sendbird"}, 0, 0.0, 0, "[abcdef0123456789]{40}", "sendbird"},
    {"sendgrid_api_token", "Sendgrid API Token", LW_SC_SAAS, false, "\\b(SG\\.(?i)[a-z0-9=_\\-\\.]{66})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sg."}, 3, 2.0, 0, "SG.[abcdefghijklmnopqrstuvwxyz0123456789=_-.]{66}", NULL},
    {"sendinblue_api_token", "Sendinblue API Token", LW_SC_SAAS, false, "\\b(xkeysib-[a-f0-9]{64}\\-(?i)[a-z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"xkeysib-"}, 8, 2.0, 0, "xkeysib-[abcdef0123456789]{64}-[abcdefghijklmnopqrstuvwxyz0123456789]{16}", NULL},
    {"sentry_access_token", "Sentry Access Token", LW_SC_SAAS, false, "(?i)(?:sentry)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sentry"}, 0, 3.0, 0, "[abcdef0123456789]{64}", "sentry"},
    {"sentry_org_token", "Sentry Org Token", LW_SC_SAAS, false, "\\b(sntrys_eyJpYXQiO[a-zA-Z0-9+/]{10,200}(?:LCJyZWdpb25fdXJs|InJlZ2lvbl91cmwi|cmVnaW9uX3VybCI6)[a-zA-Z0-9+/]{10,200}={0,2}_[a-zA-Z0-9+/]{43})(?![a-zA-Z0-9+/])",
     {"sntrys_eyjpyxqio"}, 16, 4.5, 0, "sntrys_eyJpYXQiO[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/]{10}LCJyZWdpb25fdXJs[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/]{10}_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/]{43}", NULL},
    {"sentry_user_token", "Sentry User Token", LW_SC_SAAS, false, "\\b(sntryu_[a-f0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sntryu_"}, 7, 3.5, 0, "sntryu_[abcdef0123456789]{64}", NULL},
    {"settlemint_application_access_token", "Settlemint Application Access Token", LW_SC_SAAS, false, "\\b(sm_aat_[a-zA-Z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sm_aat"}, 7, 3.0, 0, "sm_aat_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{16}", NULL},
    {"settlemint_personal_access_token", "Settlemint Personal Access Token", LW_SC_SAAS, false, "\\b(sm_pat_[a-zA-Z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sm_pat"}, 7, 3.0, 0, "sm_pat_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{16}", NULL},
    {"settlemint_service_access_token", "Settlemint Service Access Token", LW_SC_SAAS, false, "\\b(sm_sat_[a-zA-Z0-9]{16})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sm_sat"}, 7, 3.0, 0, "sm_sat_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{16}", NULL},
    {"shippo_api_token", "Shippo API Token", LW_SC_PAYMENT, true, "\\b(shippo_(?:live|test)_[a-fA-F0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"shippo_"}, 12, 2.0, 0, "shippo_live_[abcdefABCDEF0123456789]{40}", NULL},
    {"shopify_access_token", "Shopify Access Token", LW_SC_SAAS, false, "(shpat_[a-fA-F0-9]{32})",
     {"shpat_"}, 6, 2.0, 0, "shpat_[abcdefABCDEF0123456789]{32}", NULL},
    {"shopify_custom_access_token", "Shopify Custom Access Token", LW_SC_SAAS, false, "(shpca_[a-fA-F0-9]{32})",
     {"shpca_"}, 6, 2.0, 0, "shpca_[abcdefABCDEF0123456789]{32}", NULL},
    {"shopify_private_app_access_token", "Shopify Private App Access Token", LW_SC_SAAS, false, "(shppa_[a-fA-F0-9]{32})",
     {"shppa_"}, 6, 2.0, 0, "shppa_[abcdefABCDEF0123456789]{32}", NULL},
    {"shopify_shared_secret", "Shopify Shared Secret", LW_SC_SAAS, false, "(shpss_[a-fA-F0-9]{32})",
     {"shpss_"}, 6, 2.0, 0, "shpss_[abcdefABCDEF0123456789]{32}", NULL},
    {"sidekiq_secret", "Sidekiq Secret", LW_SC_SAAS, false, "(?i)(?:BUNDLE_ENTERPRISE__CONTRIBSYS__COM|BUNDLE_GEMS__CONTRIBSYS__COM)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-f0-9]{8}:[a-f0-9]{8})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"bundle_enterprise__contribsys__com", "bundle_gems__contribsys__com"}, 0, 0.0, 0, "[abcdef0123456789]{8}:[abcdef0123456789]{8}", "BUNDLE_ENTERPRISE__CONTRIBSYS__COM"},
    {"slack_app_token", "Slack App Token", LW_SC_CHAT, true, "(?i)(xapp-\\d-[A-Z0-9]+-\\d+-[a-z0-9]+)",
     {"xapp"}, 5, 2.0, 0, "xapp-[0123456789]-[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]-[0123456789]-[abcdefghijklmnopqrstuvwxyz0123456789]", NULL},
    {"slack_bot_token", "Slack Bot Token", LW_SC_CHAT, true, "(xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*)",
     {"xoxb"}, 5, 3.0, 0, "xoxb-[0123456789]{10}-[0123456789]{10}", NULL},
    {"slack_config_access_token", "Slack Config Access Token", LW_SC_CHAT, true, "(?i)(xoxe.xox[bp]-\\d-[A-Z0-9]{163,166})",
     {"xoxe.xoxb-", "xoxe.xoxp-"}, 8, 2.0, 0, "xoxe.xox[bp]-[0123456789]-[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{163}", NULL},
    {"slack_config_refresh_token", "Slack Config Refresh Token", LW_SC_CHAT, true, "(?i)(xoxe-\\d-[A-Z0-9]{146})",
     {"xoxe-"}, 5, 2.0, 0, "xoxe-[0123456789]-[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{146}", NULL},
    {"slack_legacy_bot_token", "Slack Legacy Bot Token", LW_SC_CHAT, true, "(xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26})",
     {"xoxb"}, 5, 2.0, 0, "xoxb-[0123456789]{8}-[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{18}", NULL},
    {"slack_legacy_token", "Slack Legacy Token", LW_SC_CHAT, true, "(xox[os]-\\d+-\\d+-\\d+-[a-fA-F\\d]+)",
     {"xoxo", "xoxs"}, 3, 2.0, 0, "xox[os]-[0123456789]-[0123456789]-[0123456789]-[abcdefABCDEF0123456789]", NULL},
    {"slack_legacy_workspace_token", "Slack Legacy Workspace Token", LW_SC_CHAT, true, "(xox[ar]-(?:\\d-)?[0-9a-zA-Z]{8,48})",
     {"xoxa", "xoxr"}, 3, 2.0, 0, "xox[ar]-[0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]{8}", NULL},
    {"slack_user_token", "Slack User Token", LW_SC_CHAT, true, "(xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34})",
     {"xoxp-", "xoxe-"}, 3, 2.0, 0, "xox[pe]-[0123456789]{10}-[0123456789]{10}-[0123456789]{10}-[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-]{28}", NULL},
    {"slack_webhook_url", "Slack Webhook URL", LW_SC_CHAT, true, "((?:https?://)?hooks.slack.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})",
     {"hooks.slack.com"}, 15, 0.0, 0, "hooks.slack.com/services/[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/]{43}", NULL},
    {"snyk_api_token", "Snyk API Token", LW_SC_SAAS, false, "(?i)(?:snyk[_.-]?(?:(?:api|oauth)[_.-]?)?(?:key|token))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"snyk"}, 0, 0.0, 0, "[0123456789abcdef]{8}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{12}", "snykkey"},
    {"sonar_api_token", "Sonar API Token", LW_SC_SAAS, false, "(?i)(?:sonar[_.-]?(?:login|token))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}((?:squ_|sqp_|sqa_)?[a-z0-9=_\\-]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sonar"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789=_-]{40}", "sonarlogin"},
    {"sourcegraph_access_token", "Sourcegraph Access Token", LW_SC_VCS, true, "(?i)\\b(\\b(?:sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40}|[a-fA-F0-9]{40})\\b)(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sgp_", "sourcegraph"}, 4, 3.0, 0, "sgp_[abcdefABCDEF0123456789]{16}_[abcdefABCDEF0123456789]{40}", NULL},
    {"square_access_token", "Square Access Token", LW_SC_PAYMENT, true, "\\b((?:EAAA|sq0atp-)[\\w-]{22,60})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sq0atp-", "eaaa"}, 4, 2.0, 0, "EAAA[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{22}", NULL},
    {"squarespace_access_token", "Squarespace Access Token", LW_SC_PAYMENT, true, "(?i)(?:squarespace)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"squarespace"}, 0, 0.0, 0, "[0123456789abcdef]{8}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{4}-[0123456789abcdef]{12}", "squarespace"},
    {"stripe_access_token", "Stripe Access Token", LW_SC_PAYMENT, true, "\\b((?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10,99})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sk_test", "sk_live", "sk_prod", "rk_test", "rk_live", "rk_prod"}, 8, 2.0, 0, "sk_test_[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{10}", NULL},
    {"sumologic_access_id", "Sumologic Access ID", LW_SC_SAAS, false, "(?i:(?:(?-i:[Ss]umo|SUMO))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3})(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(su[a-zA-Z0-9]{12})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sumo"}, 2, 3.0, 0, "su[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{12}", "Sumo"},
    {"sumologic_access_token", "Sumologic Access Token", LW_SC_SAAS, false, "(?i)(?:(?-i:[Ss]umo|SUMO))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{64})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"sumo"}, 0, 3.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{64}", "Sumo"},
    {"telegram_bot_api_token", "Telegram Bot API Token", LW_SC_CHAT, true, "(?i)(?:telegr)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9]{5,16}:(?-i:A)[a-z0-9_\\-]{34})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"telegr"}, 0, 0.0, 0, "[0123456789]{5}:A[abcdefghijklmnopqrstuvwxyz0123456789_-]{34}", "telegr"},
    {"travisci_access_token", "Travisci Access Token", LW_SC_CLOUD, true, "(?i)(?:travis)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{22})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"travis"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{22}", "travis"},
    {"twilio_api_key", "Twilio API Key", LW_SC_CHAT, true, "(SK[0-9a-fA-F]{32})",
     {"=SK"}, 2, 3.0, 0, "SK[0123456789abcdefABCDEF]{32}", NULL},
    {"twitch_api_token", "Twitch API Token", LW_SC_SAAS, false, "(?i)(?:twitch)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{30})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"twitch"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{30}", "twitch"},
    {"twitter_access_secret", "Twitter Access Secret", LW_SC_SAAS, false, "(?i)(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{45})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"twitter"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{45}", "twitter"},
    {"twitter_access_token", "Twitter Access Token", LW_SC_SAAS, false, "(?i)(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([0-9]{15,25}-[a-zA-Z0-9]{20,40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"twitter"}, 0, 0.0, 0, "[0123456789]{15}-[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]{20}", "twitter"},
    {"twitter_api_key", "Twitter API Key", LW_SC_SAAS, false, "(?i)(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{25})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"twitter"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{25}", "twitter"},
    {"twitter_api_secret", "Twitter API Secret", LW_SC_SAAS, false, "(?i)(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{50})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"twitter"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{50}", "twitter"},
    {"twitter_bearer_token", "Twitter Bearer Token", LW_SC_SAAS, false, "(?i)(?:twitter)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(A{22}[a-zA-Z0-9%]{80,100})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"twitter"}, 0, 0.0, 0, "AAAAAAAAAAAAAAAAAAAAAA[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789%]{80}", "twitter"},
    {"typeform_api_token", "Typeform API Token", LW_SC_SAAS, false, "(?i)(?:typeform)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(tfp_[a-z0-9\\-_\\.=]{59})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"tfp_"}, 0, 0.0, 0, "tfp_[abcdefghijklmnopqrstuvwxyz0123456789-_.=]{59}", "typeform"},
    {"vault_batch_token", "Vault Batch Token", LW_SC_CLOUD, true, "\\b(hvb\\.[\\w-]{138,300})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"hvb."}, 4, 4.0, 0, "hvb.[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{138}", NULL},
    {"vault_service_token", "Vault Service Token", LW_SC_CLOUD, true, "\\b(hvs\\.[\\w-]{90,120})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"hvs."}, 4, 3.5, 0, "hvs.[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{90}", NULL},
    {"yandex_access_token", "Yandex Access Token", LW_SC_CLOUD, true, "(?i)(?:yandex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(t1\\.[A-Z0-9a-z_-]+[=]{0,2}\\.[A-Z0-9a-z_-]{86}[=]{0,2})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"yandex"}, 0, 0.0, 0, "t1.[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz_-].[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz_-]{86}", "yandex"},
    {"yandex_api_key", "Yandex API Key", LW_SC_CLOUD, true, "(?i)(?:yandex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(AQVN[A-Za-z0-9_\\-]{35,38})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"yandex"}, 0, 0.0, 0, "AQVN[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-]{35}", "yandex"},
    {"yandex_aws_access_token", "Yandex AWS Access Token", LW_SC_CLOUD, true, "(?i)(?:yandex)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}(YC[a-zA-Z0-9_\\-]{38})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"yandex"}, 0, 0.0, 0, "YC[abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]{38}", "yandex"},
    {"zendesk_secret_key", "Zendesk Secret Key", LW_SC_SAAS, false, "(?i)(?:zendesk)(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{40})(?:[\\x60'\"\\s;]|\\\\[nr]|$)",
     {"zendesk"}, 0, 0.0, 0, "[abcdefghijklmnopqrstuvwxyz0123456789]{40}", "zendesk"},
    /* ---- context formats and lambdaward's own rows ----------------------- */
    {"aws_access_key_id", "AWS access key id", LW_SC_CLOUD, true,
     "(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}|A3T[A-Z0-9]{17})(?![A-Za-z0-9])",
     {"=AKIA", "=ASIA", "=ABIA", "=ACCA", "=A3T"}, 4, 0, 0, "AKIA[ABCDEFGHIJKLMNOPQRSTUVWXYZ234567]{16}", NULL},
    {"aws_secret_access_key", "AWS secret access key", LW_SC_CLOUD, true,
     "(?i)((?:secret|aws)[a-z0-9_.\\-]*)\\\\?[\"']?[ \\t]*(?:=>|[:=])[ \\t]*\\\\?[\"']?(?-i)([A-Za-z0-9+/]{40})(?![A-Za-z0-9+/=])",
     {"secret", "aws"}, 0, 0, 0, "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/]{40}", "aws_secret"},
    {"aws_session_token", "AWS session token", LW_SC_CLOUD, true,
     "(?:((?i:aws_session_token|aws_security_token|session_?token|x-amz-security-token)|(?<![A-Za-z])Token)\\\\?[\"']?"
     "[ \\t]*[:=][ \\t]*\\\\?[\"']?|(?<![A-Za-z0-9+/])(?=IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz))([A-Za-z0-9+/]{100,}={0,2})",
     {"token", "=IQoJb3JpZ2lu", "=FwoGZXIvYXdz", "=FQoGZXIvYXdz"}, 4, 0, 0,
     "IQoJb3JpZ2luX2VjE[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/]{300}", NULL},
    {"agent_key", "Trend Micro agent key", LW_SC_CLOUD, true,
     "(?<![A-Za-z0-9_])(TREND_AP_(?:KEY|SECRET))\\\\?[\"']?[ \\t]*[:=][ \\t]*\\\\?[\"']?([A-Za-z0-9+/=_\\-]{16,})",
     {"=TREND_AP_"}, 0, 0, 0, "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{32}",
     "TREND_AP_KEY=%s\n{\"TREND_AP_SECRET\": \"%s\"}"},
    {"private_key", "private key block", LW_SC_CRYPTO, true,
     "-----BEGIN (?:(?!-----)[^\\r\\n]){0,100}?PRIVATE KEY[^\\r\\n]{0,100}?(?:-----|(?=[\\r\\n])|$)"
     "(?:[^-]|-(?!----END ))*+",
     {"=PRIVATE KEY"}, 0, 0, LW_SF_PEM,
     "-----BEGIN RSA PRIVATE KEY-----\n[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/]{64}\n"
     "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/]{64}\n",
     "%s-----END RSA PRIVATE KEY-----"},
    {"jwt", "JSON web token", LW_SC_GENERIC, false,
     "(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{2,}\\.[A-Za-z0-9_-]{2,}\\.[A-Za-z0-9_-]*)",
     {"=eyJ"}, 3, 3.0, 0,
     "eyJhbGciOiJIUzI1NiJ9.eyJ[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-]{40}."
     "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-]{43}", NULL},
    {"authorization", "Authorization header credential", LW_SC_GENERIC, false,
     "(?i)(?:(?<![A-Za-z0-9_-])|(?<=\\\\[nrt]))((?:proxy-)?authorization)\\\\?[\"']?[ \\t]*[:=][ \\t]*\\\\?[\"']?"
     "(?>(?:[A-Za-z][A-Za-z0-9_.\\-]{0,40}[ \\t]+)?)([^\\s\"'\\\\,;]+)",
     {"authorization"}, 0, 2.5, LW_SF_HEADER, "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/-]{40}",
     "Authorization: Bearer %s\n{'Authorization': 'Basic %s'}\n{\"headers\": {\"authorization\": \"token %s\"}}\n"
     "upstream call with Proxy-Authorization: CustomScheme %s failed"},
    {"authorization_params", "Authorization header parameters", LW_SC_GENERIC, false,
     "(?i)(?:(?<![A-Za-z0-9_-])|(?<=\\\\[nrt]))(?:proxy-)?authorization\\\\?[\"']?[ \\t]*[:=][ \\t]*\\\\?[\"']?[A-Za-z][A-Za-z0-9_.\\-]{0,40}[ \\t]+"
     "((?:[A-Za-z0-9_-]+=(?:\"[^\"\\r\\n]*\"|\\\\\"[^\"\\r\\n]*?\\\\\"|[^\\s,\"'\\\\]*)[ \\t]*,[ \\t]*)+"
     "[A-Za-z0-9_-]+=(?:\"[^\"\\r\\n]*\"|\\\\\"[^\"\\r\\n]*?\\\\\"|[^\\s,\"'\\\\]*))",
     {"authorization"}, 0, 0, LW_SF_PARAMS | LW_SF_REDACT_ONLY, "[0123456789abcdef]{64}",
     "Authorization: Digest username=\"bob\", realm=\"api\", nonce=\"abc\", response=\"%s\"\n"
     "authorization: AWS4-HMAC-SHA256 Credential=x/20260308/eu-west-1/s3/aws4_request, SignedHeaders=host, "
     "Signature=%s"},
    {"cookie", "cookie values", LW_SC_GENERIC, false,
     "(?i)(?:(?<![A-Za-z0-9_-])|(?<=\\\\[nrt]))(?:set-)?cookie\\\\?[\"']?[ \\t]*[:=][ \\t]*\\\\?[\"']?"
     /* RFC 6265: a cookie value holds no whitespace, so the cookie string
      * ends at the first blank that does not follow its "; " separator */
     "([^\\s;\"'\\\\]+(?:;[ \\t]*[^\\s;\"'\\\\]+)*;?)",
     {"cookie"}, 0, 0, LW_SF_HEADER | LW_SF_REDACT_ONLY | LW_SF_COOKIE,
     "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{32}",
     "Cookie: theme=dark; session=%s\nSet-Cookie: sid=%s; Path=/; HttpOnly"},
    {"api_key_header", "API key header", LW_SC_GENERIC, false,
     "(?i)(?:(?<![A-Za-z0-9_-])|(?<=\\\\[nrt]))(x-api-key|api-key|x-auth-token|x-access-token|x-functions-key|x-goog-api-key|"
     "x-amz-security-token|ocp-apim-subscription-key|x-api-token|private-token|x-vault-token|x-consul-token|"
     "dd-api-key|dd-application-key|x-figma-token|x-shopify-access-token|x-tfe-token|x-session-token|"
     "x-client-secret|x-webhook-secret|x-postmark-server-token|x-honeycomb-team|x-algolia-api-key|x-rapidapi-key|"
     "x-mailgun-key|apikey)\\\\?[\"']?[ \\t]*[:=][ \\t]*\\\\?[\"']?([^\\s\"'\\\\,;]+)",
     {"-key", "-token", "apikey", "-secret", "x-honeycomb-team"}, 0, 2.5, LW_SF_HEADER,
     "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{32}",
     "X-Api-Key: %s\nrequest headers {'x-auth-token': '%s'}\n\"Ocp-Apim-Subscription-Key\": \"%s\""},
    {"request_signature_header", "CSRF token or request signature header", LW_SC_GENERIC, false,
     "(?i)(?:(?<![A-Za-z0-9_-])|(?<=\\\\[nrt]))(x-csrf-token|x-xsrf-token|x-hub-signature(?:-256)?|x-slack-signature|x-amz-signature)"
     "\\\\?[\"']?[ \\t]*[:=][ \\t]*\\\\?[\"']?([^\\s\"'\\\\,;]+)",
     {"-token", "-signature"}, 0, 0, LW_SF_HEADER | LW_SF_REDACT_ONLY,
     "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{32}", "X-CSRF-Token: %s\nX-Hub-Signature-256: sha256=%s"},
    {"bearer_token", "bearer token", LW_SC_GENERIC, false,
     "(?i)(?:(?<![A-Za-z0-9_-])|(?<=\\\\[nrt]))bearer[ \\t]+([A-Za-z0-9._~+/=\\-]{16,})",
     {"bearer"}, 0, 3.0, LW_SF_HEADER, "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-]{40}",
     "retrying the call with bearer %s now"},
    {"url_userinfo", "password in a URL", LW_SC_GENERIC, false,
     "(?i)\\b[a-z][a-z0-9+.\\-]{1,20}://([^\\s:/@\"'<>]{0,100}):([^\\s/@\"'<>]{1,200})@",
     {"://"}, 0, 2.5, LW_SF_HEADER, "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{20}",
     "https://deploy:%s@git.example.com/org/repo.git\nmysql://admin:%s@db.internal:3306/app\n"
     "connecting to redis://:%s@cache.internal:6379/0"},
    {"curl_user", "curl -u password", LW_SC_GENERIC, false,
     "(?i)\\bcurl\\b[^\\r\\n]{0,200}?\\s(?:-u|--user)[ =]?\\\\?[\"']?([^\\s:\"'\\\\]{1,100}):([^\\s\"'\\\\]{1,200})",
     {"curl"}, 0, 2.5, LW_SF_HEADER, "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{20}",
     "curl -u admin:%s https://api.example.com/v1\nran: curl -s --user 'ci:%s' https://x.example.com"},
    {"discord_webhook", "Discord webhook URL", LW_SC_CHAT, true,
     "https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/[0-9]{17,20}/([A-Za-z0-9_\\-]{60,68})",
     {"discord"}, 0, 3.0, 0, "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-]{68}",
     "posting to https://discord.com/api/webhooks/112233445566778899/%s"},
    {"azure_storage_account_key", "Azure storage account key", LW_SC_CLOUD, true,
     "(?i)AccountKey=([A-Za-z0-9+/]{86}==)", {"accountkey="}, 0, 4.0, 0,
     "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/]{86}==",
     "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=%s;EndpointSuffix=core.windows.net"},
    {"azure_sas_signature", "Azure SAS token signature", LW_SC_CLOUD, true,
     "(?i)[?&]sig=([A-Za-z0-9%+/=]+)", {"sig="}, 0, 3.0, 0,
     "[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{43}%3D",
     "GET https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&sp=r&sig=%s&se=2026-01-01 403"},
    {"google_oauth_client_secret", "Google OAuth client secret", LW_SC_CLOUD, true,
     "(?<![A-Za-z0-9_-])(GOCSPX-[A-Za-z0-9_\\-]{28})(?![A-Za-z0-9_-])", {"=GOCSPX-"}, 7, 3.0, 0,
     "GOCSPX-[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-]{28}", NULL},
    {"mailchimp_api_key", "Mailchimp API key", LW_SC_SAAS, false,
     "(?<![A-Za-z0-9])([0-9a-f]{32}-us[0-9]{1,2})(?![A-Za-z0-9])", {"=-us"}, 0, 3.0, 0,
     "[0123456789abcdef]{32}-us[0123456789]{2}", NULL},
    {"openai_style_key", "OpenAI-style secret key (sk-)", LW_SC_AI, false,
     "(?<![A-Za-z0-9_-])(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\\-]{40,200})(?![A-Za-z0-9_-])", {"=sk-"}, 3, 3.5, 0,
     "sk-proj-[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-]{64}", NULL},
    {"generic_secret", "secret-named value", LW_SC_GENERIC, false,
     "(?i)((?:pass(?:word|wd|phrase)?(?![A-Za-z])|pwd|secret|token(?!s|iz)|credential|creds|auth(?!or)|session(?!s)|"
     "signature|bearer|jwt|apikey|(?:api|access|secret|private|client|auth|app|master|signing|encryption|license|"
     "account|service|admin|subscription|consumer|webhook)[_.\\-]?key)[A-Za-z0-9_.\\-]{0,64}+)"
     "\\\\*[\"']?[ \\t]*(?::=|=>|=|:(?=[\\s\"'\\\\]))[ \\t]*"
     "(?:\\\\+\"((?:[^\"\\\\\\r\\n]|\\\\+[^\"\\\\\\r\\n])+?)\\\\+\"|\"((?:[^\"\\\\\\r\\n]|\\\\.)+)\"|'([^'\\r\\n]+)'|"
     "([^\\s\"'\\\\,;&{}()\\[\\]<>][^\\s\"'\\\\,;&}\\]<>]*))",
     {"pass", "pwd", "secret", "token", "cred", "auth", "session", "key"}, 0, 3.0, LW_SF_GENERIC,
     "Xk[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789]{22}",
     "db_password=%s\n{\"client_secret\": \"%s\"}\n{'api_key': '%s'}\nauth_token: %s\nexport GITHUB_TOKEN=%s\n"
     "password := \"%s\"\n'secret' => '%s'\nsecret = \"%s\"\n"
     "GET https://api.example.com/v1/items?access_token=%s&page=2\n{\\\"password\\\": \\\"%s\\\"}"},
    {"aws_lambda_env_name", "Lambda environment variable name", LW_SC_MARKER, false,
     "(?<![A-Za-z0-9_])(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_LAMBDA_FUNCTION_NAME|"
     "AWS_LAMBDA_RUNTIME_API|_HANDLER|TREND_AP_KEY|TREND_AP_SECRET)(?=\\\\?[\"']?[ \\t]*[:=])",
     {"=AWS_", "=_HANDLER", "=TREND_AP_"}, 0, 0, LW_SF_MARKER, "", NULL},
};

#define NROWS ((int)(sizeof rows / sizeof *rows))

int lw_secret_format_count(void) { return NROWS; }

const lw_secret_format *lw_secret_format_at(int i) { return i >= 0 && i < NROWS ? &rows[i] : NULL; }

int lw_secret_format_find(const char *id)
{
    for (int i = 0; i < NROWS; i++)
        if (!strcmp(rows[i].id, id))
            return i;
    return -1;
}

const char *lw_secret_class_name(lw_secret_class c)
{
    static const char *const names[] = {"cloud", "vcs", "payment", "chat", "ai", "saas", "crypto", "generic", "marker"};
    return c >= LW_SC_CLOUD && c <= LW_SC_MARKER ? names[c] : "generic";
}

int lw_secret_rank(const lw_secret_format *f)
{
    if (f->flags & LW_SF_GENERIC)
        return 0;
    if (f->flags & LW_SF_HEADER)
        return 1;
    if (f->flags & LW_SF_PARAMS)
        return 2;
    if (f->ctx && !strstr(f->ctx, "%s"))
        return 3; /* named by a vendor keyword */
    return 4;
}

/* ---- the compiled table, once per process ---------------------------------- */

static struct {
    pcre2_code *rx[NROWS];
    lw_litset lits;
    int *lit_row; /* literal id -> row */
    int nlits;
} cat;

static pthread_once_t cat_once = PTHREAD_ONCE_INIT;

static void die(const char *id, const char *what)
{
    fprintf(stderr, "lambdaward: secret catalogue: row %s: %s\n", id, what);
    abort(); /* the table is fixed: a programming error */
}

static void compile_catalog(void)
{
    int nl = 0;
    for (int i = 0; i < NROWS; i++)
        for (int k = 0; k < LW_SECRET_LITS && rows[i].lits[k]; k++)
            nl++;
    lw_litset_init_cap(&cat.lits, nl);
    cat.lit_row = lw_xcalloc((size_t)nl, sizeof *cat.lit_row);
    char err[256];
    for (int i = 0; i < NROWS; i++) {
        const lw_secret_format *f = &rows[i];
        if (!f->lits[0])
            die(f->id, "no prefilter literal");
        for (int k = 0; k < LW_SECRET_LITS && f->lits[k]; k++) {
            const char *l = f->lits[k];
            bool cs = l[0] == '=';
            char lit[LW_LIT_LEN + 1]; /* a prefix occurs wherever the literal does */
            snprintf(lit, sizeof lit, "%s", cs ? l + 1 : l);
            if (lw_litset_add(&cat.lits, lit, !cs, 1) < 0)
                die(f->id, "literal does not fit the prefilter");
            cat.lit_row[cat.nlits++] = i;
        }
        cat.rx[i] = lw_re_compile(f->rx, 0, err, sizeof err);
        if (!cat.rx[i])
            die(f->id, err);
    }
    if (lw_litset_build(&cat.lits, err, sizeof err) < 0)
        die("(prefilter)", err);
}

/* ---- the scanner ------------------------------------------------------------- */

struct lw_secret_scanner {
    struct hs_scratch *scratch;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    uint8_t *seen_lit;
    uint8_t *seen_row;
    lw_secret_hit *hits;
    size_t nhits, cap;
};

lw_secret_scanner *lw_secret_scanner_new(void)
{
    pthread_once(&cat_once, compile_catalog);
    lw_secret_scanner *sc = lw_xcalloc(1, sizeof *sc);
    sc->scratch = lw_litset_scratch_new(&cat.lits);
    sc->md = pcre2_match_data_create(16, NULL);
    sc->mctx = pcre2_match_context_create(NULL);
    if (!sc->scratch || !sc->md || !sc->mctx) {
        fprintf(stderr, "lambdaward: secret catalogue: out of memory\n");
        abort();
    }
    /* Bounds a pathological line; the JIT stack lets a long private key
     * body or a long value match without running out. */
    pcre2_set_match_limit(sc->mctx, 10000000);
    sc->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
    if (sc->jit)
        pcre2_jit_stack_assign(sc->mctx, NULL, sc->jit);
    sc->seen_lit = lw_xcalloc((size_t)cat.nlits, 1);
    sc->seen_row = lw_xcalloc(NROWS, 1);
    return sc;
}

void lw_secret_scanner_free(lw_secret_scanner *sc)
{
    if (!sc)
        return;
    lw_litset_scratch_free(sc->scratch);
    pcre2_match_data_free(sc->md);
    pcre2_match_context_free(sc->mctx);
    if (sc->jit)
        pcre2_jit_stack_free(sc->jit);
    free(sc->seen_lit);
    free(sc->seen_row);
    free(sc->hits);
    free(sc);
}

static void push(lw_secret_scanner *sc, const lw_secret_hit *h)
{
    if (sc->nhits == sc->cap) {
        sc->cap = sc->cap ? sc->cap * 2 : 32;
        sc->hits = lw_xrealloc(sc->hits, sc->cap * sizeof *sc->hits);
    }
    sc->hits[sc->nhits++] = *h;
}

static bool key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

static bool ends_with(const char *s, size_t n, const char *w)
{
    size_t l = strlen(w);
    return n >= l && !memcmp(s + n - l, w, l);
}

/* A generic key/value hit that is prose, not an assignment: an error type
 * ("ExpiredTokenException: The security token ...") or an unquoted first
 * word of a sentence after a colon ("/etc/x/webhook-secret: Permission
 * denied", "x.secret: CREDENTIALS_DIRECTORY is not set"). Both shapes
 * are our own and AWS's messages, so masking them
 * would blind the log; neither list can hold a secret, since a value that
 * is one of these words is no secret, whatever its key. */
static bool prose(const char *s, size_t n, const lw_secret_hit *h)
{
    size_t kb = h->nstart, ke = h->nend;
    while (kb > 0 && key_char(s[kb - 1]))
        kb--;
    while (ke < n && key_char(s[ke]))
        ke++;
    static const char *const types[] = {"Exception", "Error", "Fault", "Exceeded", "Failure", NULL};
    for (int i = 0; types[i]; i++)
        if (ends_with(s + kb, ke - kb, types[i]))
            return true;
    bool quoted = h->start > 0 && (s[h->start - 1] == '"' || s[h->start - 1] == '\'' || s[h->start - 1] == '\\');
    if (quoted || h->end >= n || s[h->end] != ' ')
        return false; /* a sentence goes on after its first word */
    static const char *const words[] = {
        "permission", "no", "not", "the", "a", "an", "is", "are", "was", "has", "have", "operation", "connection",
        "could", "cannot", "unable", "failed", "invalid", "missing", "expired", "denied", "refused", "timed",
        "resource", "access", "read-only", "unknown", "bad", "too", "must", "please", "you", "your", "this", "that",
        "it", "request", "signature", "user", "with", "for", "from", "in", "on", NULL,
    };
    size_t vn = h->end - h->start;
    const char *v = s + h->start;
    bool env_name = vn > 2 && v[0] != '_' && v[vn - 1] != '_' && memchr(v, '_', vn); /* CREDENTIALS_DIRECTORY */
    for (size_t i = 0; i < vn && env_name; i++)
        env_name = (v[i] >= 'A' && v[i] <= 'Z') || v[i] == '_';
    if (env_name)
        return true;
    for (int i = 0; words[i]; i++)
        if (strlen(words[i]) == vn && !strncasecmp(s + h->start, words[i], vn))
            return true;
    return false;
}

/* Every match of row i in s[0..n). */
static void match_row(lw_secret_scanner *sc, int i, const char *s, size_t n)
{
    size_t at = 0;
    while (at <= n) {
        int rc = pcre2_match(cat.rx[i], (PCRE2_SPTR)s, n, at, 0, sc->md, sc->mctx);
        if (rc <= 0)
            return; /* no match, or the match limit: nothing more of this row */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(sc->md);
        int g = rc - 1; /* the highest group that took part */
        lw_secret_hit h = {.start = ov[2 * g], .end = ov[2 * g + 1], .mstart = ov[0], .fmt = i};
        if (g > 1 && ov[2] != PCRE2_UNSET) {
            h.nstart = ov[2];
            h.nend = ov[3];
        } else {
            h.nstart = h.nend = h.start;
        }
        if (h.end > h.start && !((rows[i].flags & LW_SF_GENERIC) && h.nend > h.nstart && prose(s, n, &h)))
            push(sc, &h);
        /* On from the secret's start, not past the match: a value that ran
         * on (an unclosed quote, a key with no value) may be or hold the
         * next key of this row. */
        at = h.start > ov[0] ? h.start : ov[0] + 1;
    }
}

static int by_start(const void *a, const void *b)
{
    const lw_secret_hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1; /* the longer first */
    return x->fmt - y->fmt;
}

const lw_secret_hit *lw_secret_scan_all(lw_secret_scanner *sc, const char *s, size_t n, size_t *count)
{
    sc->nhits = 0;
    *count = 0;
    /* A text without any candidate costs the one vector pass. seen_lit
     * and seen_row are all 0 between scans. */
    if (!lw_litset_scan_ids(&cat.lits, sc->scratch, s, n, sc->seen_lit))
        return sc->hits;
    for (int k = 0; k < cat.nlits; k++) {
        if (sc->seen_lit[k]) {
            sc->seen_lit[k] = 0;
            sc->seen_row[cat.lit_row[k]] = 1;
        }
    }
    for (int i = 0; i < NROWS; i++) {
        if (sc->seen_row[i]) {
            sc->seen_row[i] = 0;
            match_row(sc, i, s, n);
        }
    }
    if (sc->nhits > 1)
        qsort(sc->hits, sc->nhits, sizeof *sc->hits, by_start);
    *count = sc->nhits;
    return sc->hits;
}

static int by_rank(const void *a, const void *b)
{
    const lw_secret_hit *x = a, *y = b;
    int rx = lw_secret_rank(&rows[x->fmt]), ry = lw_secret_rank(&rows[y->fmt]);
    if (rx != ry)
        return ry - rx;
    size_t lx = x->end - x->start, ly = y->end - y->start;
    if (lx != ly) /* a longer match of the same rank is the more specific row */
        return lx > ly ? -1 : 1;
    if (x->fmt != y->fmt)
        return x->fmt - y->fmt;
    return x->start < y->start ? -1 : x->start > y->start;
}

size_t lw_secret_resolve(lw_secret_hit *hits, size_t n)
{
    if (n < 2)
        return n;
    qsort(hits, n, sizeof *hits, by_rank);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool marker = rows[hits[i].fmt].flags & LW_SF_MARKER, clash = false;
        for (size_t j = 0; j < kept && !marker && !clash; j++)
            clash = !(rows[hits[j].fmt].flags & LW_SF_MARKER) && hits[j].start < hits[i].end &&
                    hits[i].start < hits[j].end;
        if (!clash)
            hits[kept++] = hits[i];
    }
    qsort(hits, kept, sizeof *hits, by_start);
    return kept;
}

size_t lw_secret_scan(lw_secret_scanner *sc, const char *s, size_t n, lw_secret_hit *hits, size_t max)
{
    size_t count;
    lw_secret_scan_all(sc, s, n, &count);
    count = lw_secret_resolve(sc->hits, count);
    if (count > max)
        count = max;
    if (count)
        memcpy(hits, sc->hits, count * sizeof *hits);
    return count;
}

/* ---- validators ---------------------------------------------------------------- */

double lw_entropy(const char *s, size_t n)
{
    if (!n)
        return 0;
    unsigned cnt[256] = {0};
    for (size_t i = 0; i < n; i++)
        cnt[(unsigned char)s[i]]++;
    double h = 0;
    for (int c = 0; c < 256; c++) {
        if (cnt[c]) {
            double p = (double)cnt[c] / (double)n;
            h -= p * log2(p);
        }
    }
    return h;
}

static bool has_ci(const char *s, size_t n, const char *w)
{
    size_t l = strlen(w);
    for (size_t i = 0; i + l <= n; i++)
        if (!strncasecmp(s + i, w, l))
            return true;
    return false;
}

static bool eq_ci(const char *s, size_t n, const char *w) { return strlen(w) == n && !strncasecmp(s, w, n); }

/* Values that stand for a secret without being one. */
static bool placeholder(const char *s, size_t n)
{
    static const char *const words[] = {
        "null", "nil", "none", "true", "false", "undefined", "changeme", "change_me", "password", "secret",
        "example", "placeholder", "redacted", "hidden", "masked", "dummy", "test", "string", "empty", "required",
        "optional", "default", "notset", "not_set", "unset", "replace_me", "replaceme", "todo", "xxx", NULL,
    };
    if (!n || memmem(s, n, "***", 3))
        return true;
    for (int i = 0; words[i]; i++)
        if (eq_ci(s, n, words[i]))
            return true;
    if (s[0] == '$' || s[0] == '<' || s[0] == '%' || s[0] == '[' || s[0] == '(' || (n >= 2 && !memcmp(s, "{{", 2)))
        return true; /* ${VAR} $VAR <redacted> %s [REDACTED] (hidden) {{ .Values.x }} */
    if (has_ci(s, n, "your_") || has_ci(s, n, "your-") || has_ci(s, n, "xxxx") || has_ci(s, n, "redacted"))
        return true;
    size_t same = 1;
    for (size_t i = 1; i < n; i++)
        same += s[i] == s[0];
    return same == n; /* aaaa, 0000, .... */
}

/* Names that hold things next to secrets, not secrets. */
static bool innocent_name(const char *s, size_t n)
{
    static const char *const parts[] = {
        "next", "continu", "pagin", "page", "sync", "type", "csrf", "xsrf", "idempot", "count", "limit", "usage",
        "max", "min_", "expir", "length", "hash", "digest", "url", "uri", "path", "file", "name", "endpoint",
        "provider", "method", "mode", "version", "format", "policy", "rotat", "arn", "region", "enabled", "ttl",
        "timeout", "_at", "date", "time", "size", "status", "header", NULL,
    };
    for (int i = 0; parts[i]; i++)
        if (has_ci(s, n, parts[i]))
            return true;
    return false;
}

static bool generic_shape(const char *s, size_t n)
{
    if (n < 8 || n > 4096)
        return false;
    bool hexish = true, digits = true;
    int lower = 0, upper = 0, digit = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t')
            return false;
        hexish &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
        digits &= (c >= '0' && c <= '9') || c == '.' || c == '-';
        lower |= c >= 'a' && c <= 'z';
        upper |= c >= 'A' && c <= 'Z';
        digit |= c >= '0' && c <= '9';
        other |= !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
    }
    if (hexish || digits || s[0] == '/' || memmem(s, n, "://", 3) || (n > 4 && !strncasecmp(s, "arn:", 4)))
        return false;
    int classes = lower + upper + digit + other;
    return classes >= 3 || (classes == 2 && n >= 16);
}

bool lw_secret_plausible(const lw_secret_format *f, const char *s, size_t n, const char *name, size_t nl)
{
    if (f->flags & (LW_SF_REDACT_ONLY | LW_SF_MARKER))
        return false;
    size_t pub = f->keep < n ? f->keep : 0;
    if (placeholder(s + pub, n - pub))
        return false;
    if (f->min_entropy > 0 && lw_entropy(s, n) < f->min_entropy)
        return false;
    if (f->flags & (LW_SF_GENERIC | LW_SF_HEADER)) {
        if (!generic_shape(s, n))
            return false;
        if ((f->flags & LW_SF_GENERIC) && name && innocent_name(name, nl))
            return false;
    }
    return true;
}

size_t lw_secret_public_len(const lw_secret_format *f, const char *s, size_t n)
{
    if (f->flags & LW_SF_PEM) {
        const char *nl = memchr(s, '\n', n);
        return nl ? (size_t)(nl - s) + 1 : n;
    }
    return f->keep < n ? f->keep : 0;
}

/* ---- samples ---------------------------------------------------------------- */

static uint64_t next_rand(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

size_t lw_secret_sample(const lw_secret_format *f, uint64_t seed, const uint8_t *body, size_t nbody, char *out,
                        size_t cap)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    size_t o = 0, k = 0;
    const char *p = f->shape;
    if (!cap)
        return 0;
    while (*p && o + 1 < cap) {
        if (*p != '[') {
            if (*p == '\\' && p[1])
                p++;
            out[o++] = *p++;
            continue;
        }
        char set[128];
        size_t ns = 0;
        for (p++; *p && *p != ']'; p++) {
            if (*p == '\\' && p[1])
                p++;
            if (ns < sizeof set)
                set[ns++] = *p;
        }
        if (*p == ']')
            p++;
        unsigned long reps = 1;
        if (*p == '{') {
            reps = strtoul(p + 1, (char **)&p, 10);
            if (*p == '}')
                p++;
        }
        for (unsigned long r = 0; r < reps && ns && o + 1 < cap; r++, k++)
            out[o++] = set[(body && nbody ? body[k % nbody] : next_rand(&x) >> 11) % ns];
    }
    out[o] = '\0';
    return o;
}
