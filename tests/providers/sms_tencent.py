"""Stand-in of Tencent Cloud SMS (SendSms, version 2021-01-11) signed
with TC3-HMAC-SHA256: it rebuilds the canonical request from the headers
it received (content-type, host), the string to sign from X-TC-Timestamp
and the credential scope, derives the key from the SecretKey and compares
the signature. Refuses like the service (AuthFailure.SecretIdNotFound,
AuthFailure.SignatureFailure, AuthFailure.SignatureExpire, ...) and
answers {"Response": {...}}."""

import datetime
import hashlib
import hmac
import json
import re
import secrets
import time

from standin import Standin


def tc3_signature(secret_key, service, headers, timestamp, payload):
    canonical = "POST\n/\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s" % (
        headers.get("content-type", ""), headers.get("host", ""), hashlib.sha256(payload).hexdigest())
    date = datetime.datetime.utcfromtimestamp(int(timestamp)).strftime("%Y-%m-%d")
    to_sign = "TC3-HMAC-SHA256\n%s\n%s/%s/tc3_request\n%s" % (
        timestamp, date, service, hashlib.sha256(canonical.encode()).hexdigest())

    def mac(key, message):
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return date, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class TencentSms(Standin):
    name = "tencent-sms"

    def __init__(self, port, secret_id, secret_key, app_id, sign_name, template):
        super().__init__(port)
        self.secret_id, self.secret_key, self.app_id = secret_id, secret_key, app_id
        self.sign_name, self.template = sign_name, template
        self.delivered = []  # (phone, [template params])

    def handle(self, method, path, headers, body):
        request_id = secrets.token_hex(16)

        def error(code, message):
            return 200, {}, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}, "refused " + code

        auth = headers.get("authorization", "")
        match = re.fullmatch(r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/(\w+)/tc3_request, "
                             r"SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})", auth)
        if method != "POST" or not match:
            return error("AuthFailure.InvalidAuthorization", "Authorization header")
        secret_id, date, service, signed_headers, given = match.groups()
        if secret_id != self.secret_id:
            return error("AuthFailure.SecretIdNotFound", "The SecretId is not found")
        if signed_headers != "content-type;host" or service != "sms":
            return error("AuthFailure.InvalidAuthorization", "SignedHeaders or service")
        timestamp = headers.get("x-tc-timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return error("AuthFailure.SignatureExpire", "Signature expire")
        expected_date, expected = tc3_signature(self.secret_key, service, headers, timestamp, body)
        if date != expected_date or not hmac.compare_digest(given, expected):
            return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return error("InvalidAction", "action or version")
        request = json.loads(body)
        if request.get("SmsSdkAppId") != self.app_id:
            return error("FailedOperation.SdkAppIdNotExist", "SmsSdkAppId")
        if request.get("SignName") != self.sign_name or request.get("TemplateId") != self.template:
            return error("FailedOperation.TemplateIncorrectOrUnapproved", "sign or template")
        statuses = []
        for number in request.get("PhoneNumberSet", []):
            if not re.fullmatch(r"\+861\d{10}", number):
                statuses.append({"SerialNo": "", "PhoneNumber": number, "Fee": 0, "SessionContext": "",
                                 "Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "bad number",
                                 "IsoCode": "CN"})
                continue
            with self.lock:
                self.delivered.append((number[3:], list(request.get("TemplateParamSet", []))))
            statuses.append({"SerialNo": "2640:%d" % secrets.randbelow(10 ** 18), "PhoneNumber": number, "Fee": 1,
                             "SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN"})
        return 200, {}, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}, "sent"

    def codes_for(self, phone):
        with self.lock:
            return [p[0] if p else None for number, p in self.delivered if number == phone]
