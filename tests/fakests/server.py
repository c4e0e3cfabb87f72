#!/usr/bin/python3
"""A fake AWS STS and IAM Identity Center portal, for credential-chain
tests. Python standard library only; binds 127.0.0.1.

STS (awsQuery protocol, API version 2011-06-15): POST / with a form body
`Action=AssumeRole&Version=2011-06-15&RoleArn=..&RoleSessionName=..
[&DurationSeconds=..][&ExternalId=..]`, which must be SigV4-signed for
service `sts` (verified with the fake CloudWatch Logs' own verifier), and
`Action=AssumeRoleWithWebIdentity&..&WebIdentityToken=..`, which is not
signed. Answers are the XML AWS returns (AssumeRoleResponse /
AssumeRoleResult / Credentials{AccessKeyId, SecretAccessKey, SessionToken,
Expiration} / AssumedRoleUser, ResponseMetadata/RequestId); errors are
<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..
</Message></Error><RequestId>..</RequestId></ErrorResponse> with AWS's
status codes (403 AccessDenied, InvalidClientTokenId,
SignatureDoesNotMatch, ExpiredToken; 400 ValidationError,
InvalidIdentityToken, MissingAuthenticationToken).

The trust table (--trust FILE, JSON):
  {"callers": {"AKID": {"secret": "S", "token": "T" (optional)}},
   "roles": {"arn:aws:iam::111111111111:role/r": {
       "principals": ["AKID", "arn:...:role/other"],   # who may assume it:
                       # a static key, or sessions of another role
       "external_id": "xyz",                          # required when set
       "web_identity_tokens": ["eyJ..."],             # accepted JWTs
       "max_session_duration": 3600}},
   "sso": {"tokens": ["bearer"], "roles": {"111111111111/ReadOnly": {}}}}
Issued credentials (AccessKeyId ASIA..., a random secret and token) sign
later calls too, as real session credentials do, and expire after
--lifetime seconds (or DurationSeconds when shorter is not asked: the
shorter of the two): then they get ExpiredToken.

IAM Identity Center portal: GET /federation/credentials?role_name=R&
account_id=A with x-amz-sso_bearer_token: an accepted token gets
{"roleCredentials": {accessKeyId, secretAccessKey, sessionToken,
expiration (ms)}}, else 401 UnauthorizedException (rest-json:
x-amzn-ErrorType header and {"message"}); an unknown account/role is 403
ForbiddenException.

Every key issued is optionally registered with a fake CloudWatch Logs
(--register http://127.0.0.1:PORT: POST /__admin/keys "AKID:SECRET:TOKEN:
LIFETIME"), so an end-to-end test can make it accept only those. Admin:
GET /__admin/issued (what was issued: key id, role, session name, source
key, never a secret), GET /__admin/stats.

It prints "LISTENING <port>" first and exits after --max-seconds,
--max-requests or --idle-seconds without a request.
"""
import argparse, datetime, hashlib, json, os, re, secrets, sys, threading, time, urllib.parse, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakelogs"))
import server as fakelogs  # noqa: E402  (its SigV4 verifier and key tables)

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")


class StsError(Exception):
    def __init__(self, status, code, msg, typ="Sender"):
        super().__init__(msg)
        self.status, self.code, self.msg, self.typ = status, code, msg, typ


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    def __init__(self, trust, lifetime, register):
        self.lock = threading.Lock()
        self.trust = trust
        self.lifetime = lifetime
        self.register = register
        self.issued = []          # public facts only
        self.sessions = {}        # akid -> {"role": arn, "expires": t}
        self.stats = {"requests": 0}
        self.last = time.time()
        for akid, c in trust.get("callers", {}).items():
            fakelogs.KEYS[akid] = c["secret"]
            if c.get("token"):
                fakelogs.TOKENS[akid] = c["token"]

    def count(self, what):
        with self.lock:
            self.stats[what] = self.stats.get(what, 0) + 1

    def issue(self, role, session_name, source, seconds):
        akid = "ASIA" + secrets.token_hex(8).upper()
        secret = secrets.token_urlsafe(30)
        token = "FQoGZXIvYXdzE" + secrets.token_urlsafe(300)  # as long as real ones
        expires = time.time() + seconds
        with self.lock:
            fakelogs.KEYS[akid] = secret
            fakelogs.TOKENS[akid] = token
            self.sessions[akid] = {"role": role, "expires": expires}
            self.issued.append({"AccessKeyId": akid, "RoleArn": role, "RoleSessionName": session_name,
                                "Source": source, "Expiration": iso(expires)})
        if self.register:
            req = urllib.request.Request(self.register.rstrip("/") + "/__admin/keys", method="POST",
                                         data=("%s:%s:%s:%d" % (akid, secret, token, int(seconds))).encode())
            urllib.request.urlopen(req, timeout=5).read()
        return akid, secret, token, expires


def assume_role(st, form, caller):
    role = form.get("RoleArn", "")
    name = form.get("RoleSessionName", "")
    if not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/", role):
        raise StsError(400, "ValidationError", "%s is invalid" % role or "RoleArn")
    if not SESSION_NAME.match(name):
        raise StsError(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' "
                       "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                       "[\\w+=,.@-]*" % name)
    r = st.trust.get("roles", {}).get(role)
    session = st.sessions.get(caller)
    principal = session["role"] if session else caller
    # AWS names the caller by its ARN (never its key id)
    who = ("arn:aws:sts::000000000000:assumed-role/%s/session" % principal.split("/")[-1]) if session else \
        "arn:aws:iam::000000000000:user/caller-%s" % hashlib.sha256(caller.encode()).hexdigest()[:8]
    if r is None or principal not in r.get("principals", []):
        raise StsError(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s"
                       % (who, role))
    if r.get("external_id") is not None and form.get("ExternalId") != r["external_id"]:
        raise StsError(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s"
                       % (who, role))
    return r, role, name


def duration(form, r, st):
    d = int(form.get("DurationSeconds", "3600"))
    if d < 900 or d > 43200:
        raise StsError(400, "ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed "
                       "to satisfy constraint: Member must have value greater than or equal to 900" % d)
    if d > r.get("max_session_duration", 3600):
        raise StsError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set "
                       "for this role.")
    return min(d, st.lifetime)


def result_xml(action, creds, role, name, extra=""):
    akid, secret, token, expires = creds
    return ('<{a}Response xmlns="{ns}">\n  <{a}Result>\n{extra}    <AssumedRoleUser>\n'
            '      <Arn>arn:aws:sts::{acct}:assumed-role/{rn}/{name}</Arn>\n'
            '      <AssumedRoleId>AROA{rid}:{name}</AssumedRoleId>\n    </AssumedRoleUser>\n'
            '    <Credentials>\n      <AccessKeyId>{akid}</AccessKeyId>\n'
            '      <SecretAccessKey>{secret}</SecretAccessKey>\n      <SessionToken>{token}</SessionToken>\n'
            '      <Expiration>{exp}</Expiration>\n    </Credentials>\n    <PackedPolicySize>6</PackedPolicySize>\n'
            '  </{a}Result>\n  <ResponseMetadata>\n    <RequestId>{req}</RequestId>\n  </ResponseMetadata>\n'
            '</{a}Response>\n').format(
                a=action, ns=NS, extra=extra, acct=role.split(":")[4], rn=escape(role.split("/")[-1]),
                name=escape(name), rid=secrets.token_hex(8).upper(), akid=akid, secret=escape(secret),
                token=escape(token), exp=iso(expires), req=request_id())


def request_id():
    h = secrets.token_hex(16)
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def make_handler(st):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, status, body, ctype, headers=()):
            body = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", request_id())
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            st.last = time.time()
            u = urllib.parse.urlsplit(self.path)
            if u.path == "/__admin/issued":
                with st.lock:
                    return self.send(200, json.dumps(st.issued), "application/json")
            if u.path == "/__admin/stats":
                with st.lock:
                    return self.send(200, json.dumps(st.stats), "application/json")
            if u.path == "/federation/credentials":
                return self.sso(urllib.parse.parse_qs(u.query))
            self.send(404, json.dumps({"message": "not found"}), "application/json")

        def sso(self, q):
            st.count("requests")
            st.count("GetRoleCredentials")
            cfg = st.trust.get("sso", {})
            tok = self.headers.get("x-amz-sso_bearer_token", "")

            def err(status, typ, msg):
                st.count("error:" + typ)
                self.send(status, json.dumps({"message": msg}), "application/json", [("x-amzn-ErrorType", typ)])
            if tok not in cfg.get("tokens", []):
                return err(401, "UnauthorizedException", "Session token not found or invalid")
            acct, role = q.get("account_id", [""])[0], q.get("role_name", [""])[0]
            if "%s/%s" % (acct, role) not in cfg.get("roles", {}):
                return err(403, "ForbiddenException", "No access")
            creds = st.issue("arn:aws:iam::%s:role/%s" % (acct, role), "sso", "sso", st.lifetime)
            self.send(200, json.dumps({"roleCredentials": {
                "accessKeyId": creds[0], "secretAccessKey": creds[1], "sessionToken": creds[2],
                "expiration": int(creds[3] * 1000)}}), "application/json")

        def do_POST(self):
            st.last = time.time()
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            st.count("requests")
            try:
                form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode(), keep_blank_values=True).items()}
                action = form.get("Action", "")
                st.count(action or "no action")
                if form.get("Version") != "2011-06-15":
                    raise StsError(400, "InvalidAction", "Could not find operation %s for version %s"
                                   % (action, form.get("Version", "NO_VERSION_SPECIFIED")))
                if action == "AssumeRole":
                    return self.assume(form, body)
                if action == "AssumeRoleWithWebIdentity":
                    return self.web_identity(form)
                raise StsError(400, "InvalidAction", "Could not find operation %s for version 2011-06-15" % action)
            except StsError as e:
                st.count("error:" + e.code)
                self.send(e.status, '<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
                          '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n'
                          % (NS, e.typ, e.code, escape(e.msg), request_id()), "text/xml")

        def assume(self, form, body):
            hdrs = {k.lower(): v for k, v in self.headers.items()}
            auth = hdrs.get("authorization", "")
            if not auth.startswith("AWS4-HMAC-SHA256 "):
                raise StsError(400, "MissingAuthenticationToken", "Request is missing Authentication Token")
            scope = auth.split("Credential=")[-1].split(",")[0].split("/")
            if len(scope) != 5 or scope[3] != "sts":
                raise StsError(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'.")
            akid = scope[0]
            with st.lock:
                err = fakelogs.verify_sigv4("POST", urllib.parse.urlsplit(self.path).path or "/", hdrs, body)
                sess = st.sessions.get(akid)
            if err is not None:
                if err.typ == "InvalidSignatureException":
                    raise StsError(403, "SignatureDoesNotMatch", err.msg)
                if err.typ == "MissingAuthenticationTokenException":
                    raise StsError(400, "MissingAuthenticationToken", "Request is missing Authentication Token")
                raise StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
            if sess and time.time() >= sess["expires"]:
                raise StsError(403, "ExpiredToken", "The security token included in the request is expired")
            st.count("key:" + akid)
            st.count("region:" + scope[2])
            r, role, name = assume_role(st, form, akid)
            creds = st.issue(role, name, akid, duration(form, r, st))
            self.send(200, result_xml("AssumeRole", creds, role, name), "text/xml")

        def web_identity(self, form):
            role, name, tok = form.get("RoleArn", ""), form.get("RoleSessionName", ""), form.get("WebIdentityToken", "")
            if not SESSION_NAME.match(name):
                raise StsError(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' "
                               "failed to satisfy constraint" % name)
            r = st.trust.get("roles", {}).get(role)
            if r is None or tok not in r.get("web_identity_tokens", []):
                raise StsError(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity "
                               "provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
            creds = st.issue(role, name, "web identity", duration(form, r, st))
            extra = ("    <SubjectFromWebIdentityToken>system:serviceaccount:default:lambdaward"
                     "</SubjectFromWebIdentityToken>\n    <Audience>sts.amazonaws.com</Audience>\n"
                     "    <Provider>arn:aws:iam::%s:oidc-provider/oidc.eks.example</Provider>\n" % role.split(":")[4])
            self.send(200, result_xml("AssumeRoleWithWebIdentity", creds, role, name, extra), "text/xml")
    return H


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--trust", required=True, help="JSON trust table (see above)")
    ap.add_argument("--lifetime", type=float, default=3600, help="seconds issued credentials live at most")
    ap.add_argument("--register", default="", help="fake CloudWatch Logs base URL to register issued keys with")
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--max-requests", type=int, default=10000)
    ap.add_argument("--idle-seconds", type=float, default=120)
    a = ap.parse_args()
    with open(a.trust) as f:
        st = State(json.load(f), a.lifetime, a.register)
    srv = fakelogs.Server(("127.0.0.1", a.port), make_handler(st))
    print("LISTENING %d" % srv.server_address[1], flush=True)
    deadline = time.time() + a.max_seconds

    def watchdog():
        while (time.time() < deadline and st.stats["requests"] < a.max_requests and
               time.time() - st.last < a.idle_seconds):
            time.sleep(0.2)
        srv.shutdown()
    threading.Thread(target=watchdog, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
