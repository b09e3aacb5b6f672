"""Stand-in of Alibaba Cloud SMS (dysmsapi, SendSms, version 2017-05-25),
RPC style with signature version 1.0: the Signature parameter is
base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)) where StringToSign
= METHOD&%2F&percent(sorted, percent-encoded "name=value" joined by &).
Refuses a wrong signature (SignatureDoesNotMatch), an unknown key
(InvalidAccessKeyId.NotFound), a replayed SignatureNonce
(SignatureNonceUsed), a stale Timestamp (InvalidTimeStamp.Expired), an
unapproved sign name or template, and answers JSON like the service."""

import base64
import datetime
import hashlib
import hmac
import json
import re
import secrets
import urllib.parse

from standin import Standin


def percent(text):
    return urllib.parse.quote(text, safe="-_.~")


def signature(method, params, secret):
    query = "&".join(percent(k) + "=" + percent(v) for k, v in sorted(params.items()))
    to_sign = method + "&" + percent("/") + "&" + percent(query)
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class AliyunSms(Standin):
    name = "aliyun-sms"

    def __init__(self, port, key_id, key_secret, sign_name, template):
        super().__init__(port)
        self.key_id, self.key_secret = key_id, key_secret
        self.sign_name, self.template = sign_name, template
        self.nonces = set()
        self.delivered = []  # (phone, template params dict)

    def handle(self, method, path, headers, body):
        request_id = secrets.token_hex(8).upper()
        if method == "POST":
            text = body.decode("utf-8")
        else:
            text = urllib.parse.urlsplit(path).query
        params = dict(urllib.parse.parse_qsl(text, keep_blank_values=True))

        def refuse(status, code, message):
            return status, {}, {"Code": code, "Message": message, "RequestId": request_id}, "refused " + code

        given = params.pop("Signature", None)
        if params.get("AccessKeyId") != self.key_id:
            return refuse(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if given is None or not hmac.compare_digest(given, signature(method, params, self.key_secret)):
            return refuse(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            return refuse(400, "InvalidParameter", "SignatureMethod or SignatureVersion")
        nonce = params.get("SignatureNonce", "")
        if not nonce or nonce in self.nonces:
            return refuse(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self.nonces.add(nonce)
        try:
            when = datetime.datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return refuse(400, "InvalidTimeStamp.Format", "Specified time stamp is not valid.")
        skew = abs((datetime.datetime.utcnow() - when).total_seconds())
        if skew > 900:
            return refuse(400, "InvalidTimeStamp.Expired", "Specified time stamp or date header is expired.")
        if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
            return refuse(400, "InvalidAction.NotFound", "Specified api is not found.")
        if params.get("SignName") != self.sign_name:
            return 200, {}, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "sign name", "RequestId": request_id}, "refused sign"
        if params.get("TemplateCode") != self.template:
            return 200, {}, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "template", "RequestId": request_id}, "refused template"
        phone = params.get("PhoneNumbers", "")
        if not re.fullmatch(r"1\d{10}", phone):
            return 200, {}, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "bad number", "RequestId": request_id}, "refused number"
        try:
            template_params = json.loads(params.get("TemplateParam", ""))
        except ValueError:
            return 200, {}, {"Code": "isv.INVALID_JSON_PARAM", "Message": "TemplateParam", "RequestId": request_id}, "refused json"
        biz_id = "%d^0" % secrets.randbelow(10 ** 15)
        with self.lock:
            self.delivered.append((phone, template_params))
        return 200, {}, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}, "sent"

    def codes_for(self, phone):
        with self.lock:
            return [p.get("code") for number, p in self.delivered if number == phone]
