#!/usr/bin/python3
"""Signs CloudWatch Logs JSON 1.1 requests with botocore at a fixed time and
prints one Authorization header per line, for test_sigv4 to compare with
lambdaward's own signer byte for byte.

usage: botocore_sign.py TIME_S REGION TARGET BODY [TOKEN]
"""
import datetime, sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

when = datetime.datetime.utcfromtimestamp(int(sys.argv[1]))


class Fixed(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return when


botocore.auth.datetime.datetime = Fixed
region, target, body = sys.argv[2], sys.argv[3], sys.argv[4]
token = sys.argv[5] if len(sys.argv) > 5 else None
creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
req = AWSRequest(method="POST", url="https://logs.%s.amazonaws.com/" % region, data=body.encode(),
                 headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target,
                          "User-Agent": "lambdaward"})
botocore.auth.SigV4Auth(creds, "logs", region).add_auth(req)
print(req.headers["Authorization"])
