"""Stand-in of Alipay's open API gateway (gateway.do), RSA2: the wap pay
page (alipay.trade.wap.pay, which the shopper's browser opens), refunds
(alipay.trade.refund) and the async notifies.

Every request's sign must be the app's SHA256withRSA signature (the app
public key registered here, as with Alipay) of its parameters but sign,
sorted, "k=v" joined by '&' with empty values left out; refusals answer
code 40002 isv.invalid-signature. Answers are {"<method>_response": {...},
"sign": ...} signed with Alipay's key over the response object's text.
notify() builds a TRADE_SUCCESS notify form signed with Alipay's key
over every parameter but sign and sign_type."""

import calendar
import json
import secrets
import time
import urllib.parse

from standin import Standin


def sign_content(params, skip=("sign",)):
    return "&".join("%s=%s" % (k, v) for k, v in sorted(params.items()) if v != "" and k not in skip)


def yuan(fen):
    return "%d.%02d" % (fen // 100, fen % 100)


class Alipay(Standin):
    name = "alipay"

    def __init__(self, port, app_id, app_key, alipay_key):
        super().__init__(port)
        self.app_id, self.app_key, self.alipay_key = app_id, app_key, alipay_key
        self.orders = {}   # out_trade_no -> {"total": "12.34", "notify_url", "state", "trade_no"}
        self.refunds = {}  # (out_trade_no, out_request_no) -> response

    def check(self, params):
        if params.get("app_id") != self.app_id:
            return "isv.invalid-app-id"
        if params.get("sign_type") != "RSA2" or params.get("charset") != "utf-8" or params.get("version") != "1.0":
            return "isv.invalid-signature-type"
        if not self.app_key.verify(sign_content(params), params.get("sign", "")):
            return "isv.invalid-signature"
        try:
            sent = calendar.timegm(time.strptime(params.get("timestamp", ""), "%Y-%m-%d %H:%M:%S"))
        except ValueError:
            return "isv.invalid-timestamp"
        if abs(time.time() + 8 * 3600 - sent) > 600:  # Beijing time
            return "isv.invalid-timestamp"
        return None

    def answer(self, method, response):
        key = method.replace(".", "_") + "_response"
        text = json.dumps(response, ensure_ascii=False, separators=(",", ":"))
        body = '{"%s":%s,"sign":"%s"}' % (key, text, self.alipay_key.sign(text))
        return 200, {"Content-Type": "application/json;charset=utf-8"}, body.encode("utf-8")

    def handle(self, method, path, headers, body):
        if method == "GET":
            params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query, keep_blank_values=True))
        else:
            params = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        problem = self.check(params)
        api = params.get("method", "")
        if problem:
            status, h, b = self.answer(api, {"code": "40002", "msg": "Invalid Arguments", "sub_code": problem,
                                             "sub_msg": problem})
            return status, h, b, "refused " + problem
        biz = json.loads(params.get("biz_content", "{}"))
        if api == "alipay.trade.wap.pay":
            return self.wap_page(params, biz)
        if api == "alipay.trade.refund":
            return self.refund(biz)
        status, h, b = self.answer(api, {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"})
        return status, h, b, "unknown method"

    def wap_page(self, params, biz):
        ref, total = biz.get("out_trade_no", ""), biz.get("total_amount", "")
        if not ref or biz.get("product_code") != "QUICK_WAP_WAY" or not params.get("notify_url"):
            return 200, {"Content-Type": "text/html"}, b"<html>bad request</html>", "refused page"
        with self.lock:
            self.orders[ref] = {"total": total, "notify_url": params["notify_url"], "state": "WAIT_BUYER_PAY",
                                "trade_no": time.strftime("%Y%m%d") + "22001%016d" % secrets.randbelow(10 ** 16)}
        return 200, {"Content-Type": "text/html; charset=utf-8"}, ("<html>支付宝收银台 %s</html>" % total).encode(), "page"

    def refund(self, biz):
        ref, request_no, amount = biz.get("out_trade_no"), biz.get("out_request_no"), biz.get("refund_amount")
        with self.lock:
            order = self.orders.get(ref)
            if (ref, request_no) in self.refunds:
                response = dict(self.refunds[(ref, request_no)], fund_change="N")
                status, h, b = self.answer("alipay.trade.refund", response)
                return status, h, b, "refund repeated"
            if order is None or order["state"] != "TRADE_SUCCESS":
                status, h, b = self.answer("alipay.trade.refund", {"code": "40004", "msg": "Business Failed",
                                                                   "sub_code": "ACQ.TRADE_NOT_EXIST"})
                return status, h, b, "refused unknown trade"
            if amount != order["total"]:
                status, h, b = self.answer("alipay.trade.refund", {"code": "40004", "msg": "Business Failed",
                                                                   "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"})
                return status, h, b, "refused amount"
            response = {"code": "10000", "msg": "Success", "trade_no": order["trade_no"], "out_trade_no": ref,
                        "buyer_logon_id": "159****5620", "fund_change": "Y", "refund_fee": amount}
            self.refunds[(ref, request_no)] = response
            order["state"] = "TRADE_CLOSED"
        status, h, b = self.answer("alipay.trade.refund", response)
        return status, h, b, "refunded"

    def notify(self, ref, total=None, status="TRADE_SUCCESS"):
        """The payer paid: the form body (bytes) of Alipay's async notify."""
        with self.lock:
            order = self.orders[ref]
            if status == "TRADE_SUCCESS":
                order["state"] = "TRADE_SUCCESS"
        beijing = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600))
        params = {
            "gmt_create": beijing, "charset": "utf-8", "seller_email": "shop@example.com", "subject": "砍价活动订单",
            "buyer_id": "2088102122524333", "invoice_amount": order["total"], "notify_id": secrets.token_hex(16),
            "fund_bill_list": '[{"amount":"%s","fundChannel":"ALIPAYACCOUNT"}]' % order["total"],
            "notify_type": "trade_status_sync", "trade_status": status, "receipt_amount": order["total"],
            "app_id": self.app_id, "buyer_pay_amount": order["total"], "seller_id": "2088102119685838",
            "gmt_payment": beijing, "notify_time": beijing, "version": "1.0", "out_trade_no": ref,
            "total_amount": order["total"] if total is None else total, "trade_no": order["trade_no"],
            "auth_app_id": self.app_id, "point_amount": "0.00", "sign_type": "RSA2",
        }
        params["sign"] = self.alipay_key.sign(sign_content(params, skip=("sign", "sign_type")))
        return urllib.parse.urlencode(params).encode("ascii")
