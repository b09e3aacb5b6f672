"""Stand-in of WeChat Pay API v3 (direct merchant): JSAPI and H5 orders,
refunds, and the notifications WeChat Pay sends.

Requests must carry Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,
nonce_str=.., signature=.., timestamp=.., serial_no=.. with a valid
SHA256withRSA signature (the merchant's key, registered here as WeChat Pay
knows the merchant's certificate) of METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nBODY\\n,
a timestamp within 5 minutes and the merchant's serial number; refusals
are 401 SIGN_ERROR like the service. Answers are signed with the platform
key (Wechatpay-Timestamp/-Nonce/-Signature/-Serial). notification() builds
a TRANSACTION.SUCCESS notification: the transaction sealed with
AEAD_AES_256_GCM under the APIv3 key, the whole signed with the platform
key, ready for the test to deliver to the notify_url."""

import json
import re
import secrets
import time

from keys import aes_gcm_seal
from standin import Standin


class WechatPay(Standin):
    name = "wechatpay"

    def __init__(self, port, mchid, appid, merchant_key, merchant_serial, platform_key, api_v3_key):
        super().__init__(port)
        self.mchid, self.appid = mchid, appid
        self.merchant_key, self.merchant_serial = merchant_key, merchant_serial
        self.platform_key, self.api_v3_key = platform_key, api_v3_key
        self.platform_serial = secrets.token_hex(20).upper()
        self.orders = {}   # out_trade_no -> {"total", "channel", "openid", "notify_url", "state", "transaction_id"}
        self.refunds = {}  # out_refund_no -> answer

    def signed(self, status, document):
        body = json.dumps(document, ensure_ascii=False).encode("utf-8") if document is not None else b""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        headers = {
            "Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": self.platform_serial,
            "Wechatpay-Signature": self.platform_key.sign(timestamp + "\n" + nonce + "\n" + body.decode("utf-8") + "\n"),
            "Content-Type": "application/json",
        }
        return status, headers, body

    def handle(self, method, path, headers, body):
        auth = headers.get("authorization", "")
        match = re.fullmatch(r'WECHATPAY2-SHA256-RSA2048 (.*)', auth)
        fields = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1))) if match else {}
        message = "%s\n%s\n%s\n%s\n%s\n" % (method, path, fields.get("timestamp", ""), fields.get("nonce_str", ""),
                                            body.decode("utf-8"))
        if (fields.get("mchid") != self.mchid or fields.get("serial_no") != self.merchant_serial
                or not fields.get("timestamp", "").isdigit() or abs(time.time() - int(fields["timestamp"])) > 300
                or not self.merchant_key.verify(message, fields.get("signature", ""))):
            status, h, b = self.signed(401, {"code": "SIGN_ERROR", "message": "签名错误"})
            return status, h, b, "refused signature"
        document = json.loads(body) if body else {}
        if method == "POST" and path in ("/v3/pay/transactions/jsapi", "/v3/pay/transactions/h5"):
            return self.order(path.rsplit("/", 1)[1], document)
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self.refund(document)
        status, h, b = self.signed(404, {"code": "NOT_FOUND", "message": "no such API"})
        return status, h, b, "unknown path"

    def order(self, channel, document):
        def refuse(code, message):
            status, h, b = self.signed(400, {"code": code, "message": message})
            return status, h, b, "refused " + code

        if document.get("appid") != self.appid or document.get("mchid") != self.mchid:
            return refuse("PARAM_ERROR", "appid和mch_id不匹配")
        ref = document.get("out_trade_no", "")
        total = (document.get("amount") or {}).get("total")
        if not re.fullmatch(r"[0-9A-Za-z_\-|*]{6,32}", ref) or not isinstance(total, int) or total <= 0:
            return refuse("PARAM_ERROR", "out_trade_no or amount")
        if not str(document.get("notify_url", "")).startswith(("https://", "http://")):
            return refuse("PARAM_ERROR", "notify_url")
        openid = None
        if channel == "jsapi":
            openid = (document.get("payer") or {}).get("openid")
            if not openid:
                return refuse("PARAM_ERROR", "缺少参数payer.openid")
        elif not ((document.get("scene_info") or {}).get("payer_client_ip")):
            return refuse("PARAM_ERROR", "缺少参数scene_info.payer_client_ip")
        with self.lock:
            existing = self.orders.get(ref)
            if existing and existing["state"] == "SUCCESS":
                status, h, b = self.signed(400, {"code": "ORDERPAID", "message": "该订单已支付"})
                return status, h, b, "refused ORDERPAID"
            if existing and existing["total"] != total:
                return refuse("INVALID_REQUEST", "201 商户订单号重复")
            prepay_id = existing["prepay_id"] if existing else "wx" + secrets.token_hex(16)
            self.orders[ref] = {"total": total, "channel": channel, "openid": openid, "prepay_id": prepay_id,
                                "notify_url": document["notify_url"], "state": "NOTPAY",
                                "transaction_id": "42000%023d" % secrets.randbelow(10 ** 23)}
        if channel == "jsapi":
            status, h, b = self.signed(200, {"prepay_id": prepay_id})
        else:
            status, h, b = self.signed(200, {"h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id="
                                             + prepay_id + "&package=" + str(secrets.randbelow(10 ** 10))})
        return status, h, b, "ordered " + channel

    def refund(self, document):
        ref, refund_ref = document.get("out_trade_no"), document.get("out_refund_no")
        amount = document.get("amount") or {}
        with self.lock:
            order = self.orders.get(ref)
            if refund_ref in self.refunds:
                status, h, b = self.signed(200, self.refunds[refund_ref])
                return status, h, b, "refund repeated"
            if order is None or order["state"] != "SUCCESS":
                status, h, b = self.signed(400, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
                return status, h, b, "refused unknown order"
            if amount.get("total") != order["total"] or not (0 < (amount.get("refund") or 0) <= order["total"]):
                status, h, b = self.signed(400, {"code": "PARAM_ERROR", "message": "退款金额不对"})
                return status, h, b, "refused amount"
            answer = {"refund_id": "50300%023d" % secrets.randbelow(10 ** 23), "out_refund_no": refund_ref,
                      "transaction_id": order["transaction_id"], "out_trade_no": ref, "channel": "ORIGINAL",
                      "status": "SUCCESS", "amount": {"total": order["total"], "refund": amount["refund"],
                                                      "payer_total": order["total"], "payer_refund": amount["refund"],
                                                      "currency": "CNY"}}
            self.refunds[refund_ref] = answer
            order["state"] = "REFUND"
        status, h, b = self.signed(200, answer)
        return status, h, b, "refunded"

    def notification(self, ref, total=None, state="SUCCESS"):
        """The payer paid: (headers, body bytes) of WeChat Pay's notification."""
        with self.lock:
            order = self.orders[ref]
            if state == "SUCCESS":
                order["state"] = "SUCCESS"
        transaction = {
            "mchid": self.mchid, "appid": self.appid, "out_trade_no": ref, "transaction_id": order["transaction_id"],
            "trade_type": "JSAPI" if order["channel"] == "jsapi" else "MWEB", "trade_state": state,
            "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "",
            "success_time": time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600)),
            "payer": {"openid": order["openid"] or "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": order["total"] if total is None else total, "payer_total": order["total"],
                       "currency": "CNY", "payer_currency": "CNY"},
        }
        nonce = secrets.token_hex(6)
        body = json.dumps({
            "id": secrets.token_hex(18), "create_time": transaction["success_time"], "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": aes_gcm_seal(self.api_v3_key, nonce, "transaction", json.dumps(transaction)),
                         "associated_data": "transaction", "nonce": nonce},
        }, ensure_ascii=False)
        timestamp, sign_nonce = str(int(time.time())), secrets.token_hex(16)
        headers = {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": sign_nonce, "Wechatpay-Serial": self.platform_serial,
                   "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
                   "Wechatpay-Signature": self.platform_key.sign(timestamp + "\n" + sign_nonce + "\n" + body + "\n")}
        return headers, body.encode("utf-8")

    def check_pay_sign(self, client):
        """What WeChat's client does with the JSAPI parameters: the paySign
        must be the merchant's signature of appId\\ntimeStamp\\nnonceStr\\npackage\\n."""
        message = "%s\n%s\n%s\n%s\n" % (client["appId"], client["timeStamp"], client["nonceStr"], client["package"])
        return client["signType"] == "RSA" and self.merchant_key.verify(message, client["paySign"])
