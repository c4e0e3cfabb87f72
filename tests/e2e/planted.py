"""Planted secrets and the log corpus that carries them, for
test_no_secrets_leave.py.

Every credential is drawn at random per run in its vendor's alphabet and
length (none is a real key), so nothing in the product can be tuned to the
test's values. Each planted occurrence is its own Secret, labelled with the
shape that carried it, so a leak report says which shape leaked.

A Secret's `private` parts are what must never leave: the part after the
vendor's public prefix (after "ghp_", after "AKIA"). The checker looks for
the whole value and every 8-character window of each private part (12 for
all-hex parts: see HEX_GRAM in the test).
"""
import base64, json, random, string, urllib.parse

UP = string.ascii_uppercase
LOW = string.ascii_lowercase
DIG = string.digits
ALNUM = UP + LOW + DIG
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"

# Control characters an attacker puts into a request path: CR/LF (log
# forging), ESC (terminal escapes: colours, OSC title, cursor moves), BEL,
# BS, VT, FF, DEL, and the C1 CSI (U+009B). None may reach stderr or the
# table output raw.
CONTROL = ["\r", "\n", "\x1b", "\x07", "\x08", "\x0b", "\x0c", "\x7f", "\u009b"]
FORGED = "/admin\r\n2026-01-01T00:00:00.000Z info: forged line\x1b[2J\x1b]0;owned\x07\x08\x0b\x0c\x7f\u009b1m"


class Secret:
    def __init__(self, kind, value, private, shape):
        self.kind, self.value, self.shape = kind, value, shape
        self.private = [p for p in (private if isinstance(private, list) else [private]) if p]
        assert self.private and all(len(p) >= 8 for p in self.private), (kind, private)

    def masked(self):
        """What a failure message may show: the public prefix, never the rest."""
        i = self.value.find(self.private[0])
        pub = self.value[:i] if i > 0 else ""
        pub = pub if len(pub) <= 40 else pub[:37] + "..."
        return "%s**** (%s, %d chars, planted in %s)" % (pub.replace("\n", "\\n"), self.kind, len(self.value),
                                                         self.shape)


class Planter:
    """Draws secrets; remembers every one drawn."""

    def __init__(self, seed=None):
        self.rng = random.Random(seed)
        self.secrets = []

    def r(self, alphabet, n):
        # Redraw the rare near-constant draw (few distinct characters), whose
        # windows could match unrelated text.
        while True:
            s = "".join(self.rng.choice(alphabet) for _ in range(n))
            if n < 12 or len(set(s)) >= min(len(set(alphabet)), n) // 2:
                return s

    def add(self, kind, value, private, shape):
        s = Secret(kind, value, private, shape)
        self.secrets.append(s)
        return value

    # --- vendor formats -------------------------------------------------
    def akia(self, shape):
        tail = self.r(UP + DIG, 16)
        return self.add("aws_access_key_id", "AKIA" + tail, tail, shape)

    def asia(self, shape):
        tail = self.r(UP + DIG, 16)
        return self.add("aws_temp_key_id", "ASIA" + tail, tail, shape)

    def aws_secret(self, shape):
        v = self.r(B64, 40)
        return self.add("aws_secret_access_key", v, v, shape)

    def session_token(self, shape):
        # STS tokens start with a fixed, public prefix ("IQoJb3JpZ2lu...").
        v = "IQoJb3JpZ2luX2VjE" + self.r(B64, 340) + "=="
        return self.add("aws_session_token", v, v[17:], shape)

    def ghp(self, shape):
        t = self.r(ALNUM, 36)
        return self.add("github_pat_classic", "ghp_" + t, t, shape)

    def github_pat(self, shape):
        t = self.r(ALNUM, 22) + "_" + self.r(ALNUM, 59)
        return self.add("github_pat_fine", "github_pat_" + t, t, shape)

    def gho(self, shape):
        t = self.r(ALNUM, 36)
        return self.add("github_oauth", "gho_" + t, t, shape)

    def glpat(self, shape):
        t = self.r(ALNUM + "-_", 20)
        return self.add("gitlab_pat", "glpat-" + t, t, shape)

    def xoxb(self, shape):
        t = self.r(ALNUM, 24)
        v = "xoxb-%s-%s-%s" % (self.r(DIG, 12), self.r(DIG, 13), t)
        return self.add("slack_bot_token", v, t, shape)

    def xoxp(self, shape):
        t = self.r(HEX, 32)
        v = "xoxp-%s-%s-%s-%s" % (self.r(DIG, 12), self.r(DIG, 12), self.r(DIG, 13), t)
        return self.add("slack_user_token", v, t, shape)

    def slack_hook(self, shape):
        t = self.r(ALNUM, 24)
        v = "https://hooks.slack.com/services/T%s/B%s/%s" % (self.r(UP + DIG, 10), self.r(UP + DIG, 10), t)
        return self.add("slack_webhook_url", v, t, shape)

    def stripe(self, shape):
        t = self.r(ALNUM, 99)
        return self.add("stripe_live_key", "sk_live_" + t, t, shape)

    def stripe_rk(self, shape):
        t = self.r(ALNUM, 40)
        return self.add("stripe_restricted_key", "rk_live_" + t, t, shape)

    def openai(self, shape):
        t = self.r(B64URL, 74) + "T3BlbkFJ" + self.r(B64URL, 74)
        return self.add("openai_project_key", "sk-proj-" + t, t, shape)

    def anthropic(self, shape):
        t = self.r(B64URL, 93) + "AA"
        return self.add("anthropic_key", "sk-ant-api03-" + t, t, shape)

    def google(self, shape):
        t = self.r(B64URL, 35)
        return self.add("google_api_key", "AIza" + t, t, shape)

    def npm(self, shape):
        t = self.r(ALNUM, 36)
        return self.add("npm_token", "npm_" + t, t, shape)

    def pypi(self, shape):
        t = self.r(B64URL, 120)
        return self.add("pypi_token", "pypi-AgEIcHlwaS5vcmcCJ" + t, t, shape)

    def sendgrid(self, shape):
        t = self.r(B64URL, 22) + "." + self.r(B64URL, 43)
        return self.add("sendgrid_key", "SG." + t, t, shape)

    def vault(self, shape):
        t = self.r(B64URL, 91)
        return self.add("vault_token", "hvs." + t, t, shape)

    def hf(self, shape):
        t = self.r(UP + LOW, 34)
        return self.add("huggingface_token", "hf_" + t, t, shape)

    def shopify(self, shape):
        t = self.r(HEX, 32)
        return self.add("shopify_token", "shpat_" + t, t, shape)

    def azure_sas(self, shape):
        raw = base64.b64encode(self.rng.randbytes(32)).decode()
        enc = urllib.parse.quote(raw, safe="")
        url = ("https://acme%s.blob.core.windows.net/exports/report.csv?sv=2022-11-02&ss=b&srt=o&sp=r"
               "&se=2026-12-31T23:59:59Z&st=2026-01-01T00:00:00Z&spr=https&sig=%s" % (self.r(LOW + DIG, 6), enc))
        # Either spelling of the signature is the credential.
        return self.add("azure_sas_sig", url, [enc, raw.rstrip("=")], shape)

    def twilio_sid(self, shape):
        t = self.r(HEX, 32)
        return self.add("twilio_api_key", "SK" + t, t, shape)

    def twilio_token(self, shape):
        t = self.r(HEX, 32)
        return self.add("twilio_auth_token", t, t, shape)

    def jwt(self, shape):
        hdr = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        body = json.dumps({"sub": self.r(ALNUM, 16), "sid": self.r(ALNUM, 24), "iat": 1772979866})
        pay = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
        sig = self.r(B64URL, 43)
        # The header and the payload's first bytes are the same in every JWT.
        return self.add("jwt", "%s.%s.%s" % (hdr, pay, sig), [pay[12:], sig], shape)

    def pem(self, shape, label="RSA PRIVATE KEY"):
        # the first bytes of the body are the key format's fixed header
        head = "b3BlbnNzaC1rZXktdjEAAAAA" if "OPENSSH" in label else "MIIEowIBAAKCAQEA"
        lines = [head + self.r(B64, 64 - len(head))] + [self.r(B64, 64) for _ in range(8)] + [self.r(B64, 20) + "=="]
        v = "-----BEGIN %s-----\n%s\n-----END %s-----" % (label, "\n".join(lines), label)
        return self.add("private_key", v, [lines[0][len(head):]] + lines[1:], shape)

    def password(self, shape, kind="password"):
        # Printable and awkward: a quote-free mix that URL/JSON carry as is.
        t = self.r(ALNUM, 10) + self.rng.choice("!#$%*") + self.r(ALNUM, 9)
        return self.add(kind, t, t, shape)

    def opaque(self, shape, kind, n=40, alphabet=B64URL):
        t = self.r(alphabet, n)
        return self.add(kind, t, t, shape)

    def user(self):
        return "svc_" + self.r(LOW, 6)

    def trend(self, shape, name):
        t = self.r(ALNUM, 32)
        return self.add("agent_key", t, t, "%s (%s=)" % (shape, name))

    def basic(self, shape):
        user, pw = self.user(), self.r(ALNUM, 20)
        tok = base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
        # the first bytes encode the user name, so skip them
        return self.add("basic_auth", tok, tok[8:], shape)


def uuid(rng):
    h = "".join(rng.choice(HEX) for _ in range(32))
    return "%s-%s-4%s-8%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:])


def sensor_event(rng, function, blocked, payload, path, query, headers, method="GET", rule="1005936"):
    """One defence-json SensorEvent object (FORMATS.md section 4)."""
    return {
        "rule_id": rule, "data_position": 15, "event_type": "security_engine/IPSEvent",
        "sensor_event": {"id": uuid(rng), "blocked": blocked, "agent_environment_id": "".join(
            rng.choice(HEX) for _ in range(64)), "occurred_at": "2026-03-08T14:24:23.330Z",
            "host_agent_version": "4.5.0", "vmcode_version": "vmcode/master/843", "tags": [],
            "vmdata_version": "154", "host_agent_type": "agent-python"},
        "data_position_in_stream": 15, "payload": payload,
        "transaction": {"transaction_uuid": uuid(rng), "initiator": {"lambda_invocation": {
            "function_name": function, "aws_request_id": uuid(rng),
            "invoked_function_arn": "arn:aws:lambda:eu-central-1:111122223333:function:" + function,
            "function_version": "$LATEST", "invoker": {"api_gateway": {
                "query_string": query, "stage": "release", "amzn_trace_id": "Root=1-62276711-5fe278114fc7530356f4e2fd",
                "headers": headers, "path": path, "method": method, "scheme": "https", "server_port": 443,
                "request_id": uuid(rng), "remote_addr": "198.51.100.%d" % rng.randint(2, 250),
                "domain_name": "abc123xyz.execute-api.eu-central-1.amazonaws.com"}}}}}}


SENSOR_HDR = ("2026-03-08T14:24:26.649+0000 - defence-json (lib/hooks/HookEvent.lua:192) - PID 8 - "
              "thread 140089745942080 - %s: SensorEvent: ")


class Corpus:
    """Log events (FilterLogEvents shape plus logGroupName) carrying the
    planted secrets, in the shapes Lambda functions really write."""

    def __init__(self, planter, start_ms, prefix="/aws/lambda/lt-"):
        self.p, self.rng, self.prefix = planter, planter.rng, prefix
        self.t = start_ms
        self.events = []
        self.pushed = []  # events that arrive through the Firehose endpoint instead

    # --- plumbing -------------------------------------------------------
    def emit(self, fn, stream, message, to=None):
        self.t += 7
        ev = {"logGroupName": self.prefix + fn if not fn.startswith("/") else fn, "logStreamName": stream,
              "timestamp": self.t, "message": message}
        (self.events if to is None else to).append(ev)

    def stream(self):
        return "2026/03/08/[$LATEST]" + "".join(self.rng.choice(HEX) for _ in range(32))

    def iso(self):
        return "2026-03-08T14:23:%02d.%03dZ" % (self.rng.randint(0, 59), self.rng.randint(0, 999))

    def invocation(self, fn, stream, lines, status="timeout", to=None):
        """START, the lines (each one event), END, REPORT: an invocation the
        detectors count; a timeout puts a reported finding next to the leak."""
        rid = uuid(self.rng)
        self.emit(fn, stream, "START RequestId: %s Version: $LATEST\n" % rid, to)
        for ln in lines:
            self.emit(fn, stream, ln(rid) if callable(ln) else ln, to)
        self.emit(fn, stream, "END RequestId: %s\n" % rid, to)
        tail = "\tStatus: timeout" if status == "timeout" else ""
        self.emit(fn, stream, "REPORT RequestId: %s\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: "
                              "128 MB\tMax Memory Used: 71 MB%s\n" % (rid, tail), to)

    def node(self, level, msg):
        return lambda rid: "%s\t%s\t%s\t%s\n" % (self.iso(), rid, level, msg)

    def py(self, level, msg):
        return lambda rid: "[%s]\t%s\t%s\t%s\n" % (level, self.iso(), rid, msg)

    def japp(self, level, msg, **extra):
        def f(rid):
            rec = {"timestamp": self.iso(), "level": level, "requestId": rid, "message": msg}
            rec.update(extra)
            return json.dumps(rec) + "\n"
        return f

    # --- shapes ---------------------------------------------------------
    def plain_text(self):
        p, s, sh = self.p, self.stream(), "plain app line"
        u = p.user()
        lines = [
            self.node("INFO", "connecting to https://%s:%s@db.internal.example.com:5432/app" % (
                u, p.password(sh + " (URL userinfo)"))),
            self.node("INFO", "exec: curl -sS -u %s:%s https://api.example.com/v1/export" % (
                u, p.password(sh + " (curl -u)"))),
            self.node("DEBUG", "outgoing request Host: api.partner.example Authorization: Bearer %s Accept: */*" %
                      p.opaque(sh + " (Authorization: Bearer mid-line)", "bearer_token")),
            self.node("WARN", "upstream 401 with Authorization: Basic %s for export job" %
                      p.basic(sh + " (Authorization: Basic mid-line)")),
            self.node("DEBUG", "github client headers Authorization: token %s User-Agent: octokit" %
                      p.ghp(sh + " (Authorization: token)")),
            self.py("DEBUG", "requests kwargs: {'url': 'https://api.stripe.com/v1/charges', 'headers': "
                             "{'Authorization': 'Bearer %s', 'Idempotency-Key': 'k1'}}" %
                    p.stripe(sh + " (Python dict Authorization)")),
            self.py("INFO", "incoming Cookie: sid=%s; theme=dark" % p.opaque(sh + " (Cookie:)", "cookie", 32, ALNUM)),
            self.py("INFO", "login ok, Set-Cookie: session=%s; Path=/; Secure; HttpOnly" %
                    p.opaque(sh + " (Set-Cookie:)", "cookie", 48)),
            self.py("WARNING", "partner rejected X-Api-Key: %s (quota)" %
                    p.opaque(sh + " (X-Api-Key:)", "api_key", 32, ALNUM)),
            self.py("INFO", 'loaded settings db_host = "db.internal", password = "%s", pool = 4' %
                    p.password(sh + ' (password = "...")')),
            self.node("INFO", "config dump:\n  region: eu-central-1\n  api_key: '%s'\n  timeout: 3" %
                      p.opaque(sh + " (YAML key: 'v')", "api_key", 32, ALNUM)),
            "main.go:42: %s secretKey := \"%s\" // from the build\n" % (
                self.iso(), p.password(sh + " (Go key := \"v\")", "go_secret")),
            self.node("INFO", "posting alert to %s as bot %s" % (p.slack_hook(sh + " (Slack webhook URL)"),
                                                                 p.xoxb(sh + " (Slack bot token)"))),
            self.node("INFO", "slack user token xoxp in use: %s" % p.xoxp(sh + " (Slack user token)")),
            self.node("INFO", "OpenAI client init apiKey=%s model=gpt-4o" % p.openai(sh + " (OpenAI key)")),
            self.node("INFO", "ANTHROPIC_API_KEY=%s" % p.anthropic(sh + " (Anthropic key)")),
            self.node("INFO", "maps geocode https://maps.googleapis.com/maps/api/geocode/json?key=%s&address=x" %
                      p.google(sh + " (Google API key in URL)")),
            self.node("INFO", "npm config set //registry.npmjs.org/:_authToken=%s" % p.npm(sh + " (npm token)")),
            self.py("INFO", "twine upload --username __token__ --password %s dist/*" % p.pypi(sh + " (PyPI token)")),
            self.py("INFO", "mail client SENDGRID_API_KEY=%s" % p.sendgrid(sh + " (SendGrid key)")),
            self.py("DEBUG", "vault login token=%s" % p.vault(sh + " (Vault token)")),
            self.py("INFO", "hub download with HF_TOKEN %s" % p.hf(sh + " (Hugging Face token)")),
            self.node("INFO", "shopify admin X-Shopify-Access-Token %s" % p.shopify(sh + " (Shopify token)")),
            self.node("INFO", "exporting to %s" % p.azure_sas(sh + " (Azure SAS URL)")),
            self.node("INFO", "twilio key %s TWILIO_AUTH_TOKEN=%s" % (p.twilio_sid(sh + " (Twilio API key SID)"),
                                                                     p.twilio_token(sh + " (Twilio auth token)"))),
            self.node("DEBUG", "session established jwt=%s" % p.jwt(sh + " (JWT)")),
            self.node("INFO", "gitlab PRIVATE-TOKEN: %s" % p.glpat(sh + " (GitLab token)")),
            self.node("INFO", "gh auth with %s and oauth %s" % (p.github_pat(sh + " (GitHub fine-grained PAT)"),
                                                                 p.gho(sh + " (GitHub OAuth token)"))),
            self.node("INFO", "stripe restricted key %s" % p.stripe_rk(sh + " (Stripe restricted key)")),
            self.node("INFO", "postgres DATABASE_URL=postgres://%s:%s@10.0.0.5/orders" % (
                u, p.password(sh + " (connection string)"))),
        ]
        self.invocation("orders", s, lines)

    def aws_lines(self):
        p, s = self.p, self.stream()
        sh = "plain app line"
        self.invocation("orders", s, [
            self.py("INFO", "boto3 session aws_access_key_id=%s aws_secret_access_key=%s" % (
                p.akia(sh + " (boto3 keys)"), p.aws_secret(sh + " (boto3 keys)"))),
            self.py("DEBUG", "x-amz-security-token: %s" % p.session_token(sh + " (x-amz-security-token)")),
        ])
        # `; env` injected into a command: one variable per event (secrets.jsonl)
        s = self.stream()
        sh = "environment dump"
        self.invocation("envdump", s, [
            self.py("INFO", "ping host=8.8.8.8; env"),
            "AWS_LAMBDA_FUNCTION_NAME=lt-envdump\n",
            "AWS_ACCESS_KEY_ID=%s\n" % p.asia(sh),
            "AWS_SECRET_ACCESS_KEY=%s\n" % p.aws_secret(sh),
            "AWS_SESSION_TOKEN=%s\n" % p.session_token(sh),
            "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001\n",
            "_HANDLER=app.handler\n",
            "TREND_AP_KEY=%s\n" % p.trend(sh, "TREND_AP_KEY"),
            "TREND_AP_SECRET=%s\n" % p.trend(sh, "TREND_AP_SECRET"),
            "DATABASE_PASSWORD=%s\n" % p.password(sh + " (DATABASE_PASSWORD=)"),
        ])
        s = self.stream()
        self.invocation("keys", s, [
            self.node("ERROR", "failed to parse key\n%s" % p.pem("plain app line (PEM RSA key)")),
            self.node("INFO", "loaded deploy key %s" % p.pem("plain app line (PEM OpenSSH key)",
                                                              "OPENSSH PRIVATE KEY").replace("\n", "\\n")),
        ])

    def json_app(self):
        p, s, sh = self.p, self.stream(), "JSON app log"
        self.invocation("jsonapp", s, [
            self.japp("INFO", "calling partner", headers={"Authorization": "Bearer " + p.opaque(
                sh + " (headers.Authorization)", "bearer_token"), "X-Api-Key": p.opaque(
                sh + " (headers.X-Api-Key)", "api_key", 32, ALNUM)}),
            self.japp("INFO", "credentials loaded", AccessKeyId=p.asia(sh + " (STS credentials)"),
                      SecretAccessKey=p.aws_secret(sh + " (STS credentials)"),
                      SessionToken=p.session_token(sh + " (STS credentials)")),
            self.japp("DEBUG", "request Cookie: sid=%s" % p.opaque(sh + " (message Cookie:)", "cookie", 32, ALNUM)),
            self.japp("ERROR", "login failed", errorType="AuthError",
                      errorMessage="invalid credentials: password=%s" % p.password(sh + " (errorMessage)"),
                      stackTrace=["AuthError: bad token %s" % p.ghp(sh + " (stackTrace)"),
                                  "    at login (/var/task/index.js:10:11)",
                                  "    at Runtime.handler (/var/task/index.js:3:9)"]),
            # the attacker-controlled path, logged by the app with its control characters
            self.japp("WARN", "404 for path %s?session=%s" % (FORGED, p.opaque(sh + " (path with control chars)",
                                                                                "session_id", 32, ALNUM))),
        ], status="error")

    def errors(self):
        """Uncaught errors and stack traces: new_error_type reports each new type."""
        p, s = self.p, self.stream()
        sk = p.stripe("Python traceback (error message and code line)")
        self.invocation("payments", s, [
            lambda rid: ("[ERROR] InvalidKeyError: key %s rejected\nTraceback (most recent call last):\n"
                         "  File \"/var/task/app.py\", line 12, in handler\n    client.charge(api_key=\"%s\")\n"
                         % (sk, sk)),
            lambda rid: ("%s\t%s\tERROR\tInvoke Error \t%s\n" % (self.iso(), rid, json.dumps({
                "errorType": "UpstreamAuthError", "errorMessage": "401 from partner for Bearer %s" % p.opaque(
                    "Node Invoke Error (errorMessage)", "bearer_token"),
                "stack": ["UpstreamAuthError: 401 from partner with key %s" % p.google("Node Invoke Error (stack)"),
                          "    at call (/var/task/partner.js:20:7)"]}))),
        ], status="error")
        # Lambda platform text: an init failure that prints the environment
        s = self.stream()
        u = p.user()
        self.emit("payments", s, "INIT_START Runtime Version: python:3.12.v30\tRuntime Version ARN: arn:aws:lambda:"
                                 "eu-central-1::runtime:abc\n")
        self.emit("payments", s, "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': cannot connect "
                                 "to mysql://%s:%s@db:3306/x\nTraceback (most recent call last):\n" % (
                                     u, p.password("Lambda platform text (ImportModuleError)")))
        self.emit("payments", s, "INIT_REPORT Init Duration: 1236.04 ms\tPhase: init\tStatus: error\tError Type: "
                                 "Runtime.ImportModuleError\n")
        rid = uuid(self.rng)
        self.emit("payments", s, "%s %s Task timed out after 3.00 seconds\n" % (self.iso(), rid))
        self.emit("payments", s, "RequestId: %s Error: Runtime exited with error: signal: killed token=%s\n"
                                 "Runtime.ExitError\n" % (rid, p.opaque("Lambda platform text (Runtime exited)",
                                                                        "bearer_token")))

    def probes(self):
        p, s, sh = self.p, self.stream(), "probe line"
        self.invocation("fetcher", s, [
            self.node("INFO", "fetching preview for url=http://169.254.169.254/latest/meta-data/iam/security-"
                              "credentials/ with X-Api-Key: %s" % p.opaque(sh + " (metadata fetch)", "api_key", 32,
                                                                           ALNUM)),
            self.node("INFO", "GET /download?file=../../../../proc/self/environ&token=%s 200" % p.hf(
                sh + " (proc environ)")),
            self.node("INFO", "GET %s?file=../../etc/passwd&access_token=%s 404" % (
                FORGED, p.glpat(sh + " (path with control chars)"))),
        ])

    def sensor(self):
        p = self.p
        sh = "sensor event"
        # report mode, one pretty-printed event: secrets in payload, path, query and headers
        jwt, cookie = p.jwt(sh + " (headers.authorization)"), p.opaque(sh + " (payload cookie)", "cookie", 32, ALNUM)
        body_pw = p.password(sh + " (payload body password)")
        payload = ("POST /v1/login?api_key=%s HTTP/1.1\r\nhost: api.example.com\r\nauthorization: Bearer %s\r\n"
                   "cookie: sid=%s\r\nx-api-key: %s\r\ncontent-type: application/json\r\n\r\n"
                   '{"user": "admin\' OR 1=1 --", "password": "%s"}' % (
                       p.google(sh + " (payload query)"), jwt, cookie,
                       p.opaque(sh + " (payload x-api-key)", "api_key", 32, ALNUM), body_pw))
        rec = sensor_event(self.rng, "lt-shop", False, payload, "/v1/login", "api_key=" + p.google(
            sh + " (query_string)"), {"authorization": "Bearer " + jwt, "cookie": "sid=" + cookie,
                                      "x-api-key": p.opaque(sh + " (headers.x-api-key)", "api_key", 32, ALNUM)},
            method="POST", rule="1009001")
        s = self.stream()
        self.invocation("shop", s, [SENSOR_HDR % "WARN" + json.dumps(rec, indent=4) + "\n"])
        # blocked, split into one event per line, a forged path with control characters
        sess = p.session_token(sh + " (split payload x-amz-security-token)")
        tok = p.opaque(sh + " (split path)", "reset_token", 40, ALNUM)
        payload = ("GET /reset/%s%s?file=/etc/passwd HTTP/1.1\r\nhost: api.example.com\r\nx-amz-security-token: %s\r\n"
                   "cookie: session=%s\r\n\r\n" % (tok, FORGED, sess, p.opaque(sh + " (split payload cookie)",
                                                                            "cookie", 32, ALNUM)))
        rec = sensor_event(self.rng, "lt-shop", True, payload, "/reset/" + tok + FORGED, "file=/etc/passwd",
                           {"cookie": "session=" + p.opaque(sh + " (split headers.cookie)", "cookie", 32, ALNUM)})
        text = SENSOR_HDR % "WARN" + json.dumps(rec, indent=4)
        s = self.stream()
        self.invocation("shop", s, [ln + "\n" for ln in text.split("\n")])
        # report mode, one line: a metadata probe with a credential in the query
        rec = sensor_event(self.rng, "lt-shop", False,
                           "GET /proxy?url=http://169.254.169.254/latest/meta-data/iam/security-credentials/&key=%s "
                           "HTTP/1.1\r\nauthorization: Basic %s\r\n\r\n" % (
                               p.npm(sh + " (probe payload)"), p.basic(sh + " (probe payload Authorization: Basic)")),
                           "/proxy", "url=http://169.254.169.254/latest/meta-data/&key=" + p.npm(
                               sh + " (probe query_string)"), {"x-api-key": p.anthropic(sh + " (probe headers)")},
                           rule="1008001")
        self.invocation("shop", self.stream(), [SENSOR_HDR % "ERROR" + json.dumps(rec) + "\n"])

    def flood(self, nbytes):
        """Far more log than usual: every line dumps the same bearer token."""
        p, s = self.p, self.stream()
        tok = p.opaque("log flood line (Authorization: Bearer)", "bearer_token")
        line = self.node("DEBUG", "dumping request headers Authorization: Bearer %s X-Pad: %s" % (tok, "x" * 400))
        n = nbytes // 480 + 1
        self.invocation("flood", s, [line] * n, status="ok")

    def firehose(self):
        """Events for the Firehose endpoint: a group that is pushed, not polled."""
        p, s, sh = self.p, self.stream(), "Firehose push"
        fn = "/aws/lambda/lp-pushed"
        self.invocation(fn, s, [
            self.py("INFO", "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s" % (p.akia(sh), p.aws_secret(sh))),
            self.node("DEBUG", "outgoing Authorization: Bearer %s" % p.opaque(sh + " (Bearer)", "bearer_token")),
            self.node("INFO", "charging with %s" % p.stripe_rk(sh + " (Stripe restricted key)")),
        ], to=self.pushed)

    def build(self, flood_bytes):
        for shape in (self.plain_text, self.aws_lines, self.json_app, self.errors, self.probes, self.sensor,
                      self.firehose):
            shape()
        self.flood(flood_bytes)
        return self
