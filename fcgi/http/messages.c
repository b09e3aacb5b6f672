/* messages.c: every error message the API sends, in one place.
 *
 * Shoppers and shop admins read Chinese; the codes are the contract
 * (API.md), the sentences may be changed freely by a shop. */
#include <string.h>

#include "http/http.h"

struct message {
	const char *code;
	const char *text;
};

static const struct message messages[] = {
	{ "bad_request", "请求无效。" },
	{ "invalid_json", "请求内容不是有效的 JSON。" },
	{ "missing_field", "请求缺少必填字段。" },
	{ "unknown_field", "请求包含不认识的字段。" },
	{ "invalid_field", "请求中的字段格式不正确。" },
	{ "unsupported_media_type", "请求内容必须是 JSON。" },
	{ "payload_too_large", "请求内容过大。" },
	{ "not_found", "找不到该资源。" },
	{ "method_not_allowed", "不支持该请求方法。" },
	{ "unauthorized", "请先登录。" },
	{ "forbidden", "没有权限执行此操作。" },
	{ "rate_limited", "操作太频繁，请稍后再试。" },
	{ "risk_rejected", "当前操作存在风险，已被拒绝。" },
	{ "invalid_phone", "请输入正确的中国大陆手机号。" },
	{ "invalid_code", "验证码错误或已失效，请重新获取。" },
	{ "account_blocked", "该账号已被停用。" },
	{ "conflict", "数据冲突，请刷新后重试。" },
	{ "unavailable", "服务繁忙，请稍后再试。" },
	{ "internal_error", "服务器开小差了，请稍后再试。" },
	{ "invalid_credentials", "用户名或密码错误。" },
	{ "invalid_campaign", "活动设置不正确，请检查后重试。" },
	{ "insufficient_stock", "库存不足，无法减少这么多库存。" },
	/* anti-fraud */
	{ "invalid_pattern", "规则的正则表达式无效。" },
	{ "review_closed", "这条审核已经处理过了。" },
	/* bargains */
	{ "campaign_not_active", "活动未开始或已结束。" },
	{ "out_of_stock", "商品已抢光了。" },
	{ "bargain_limit", "该商品的砍价次数已用完。" },
	{ "bargain_closed", "这个砍价已结束。" },
	{ "daily_limit", "今天自己砍的次数已用完，快邀请好友帮忙吧。" },
	{ "already_helped", "你已经帮这位好友砍过了。" },
	{ "self_help", "不能给自己的砍价助力，分享给好友吧。" },
	{ "helps_full", "这个砍价的助力名额已满。" },
	/* orders and payment */
	{ "missing_idempotency_key", "下单请求缺少 Idempotency-Key 请求头。" },
	{ "idempotency_key_reused", "这个 Idempotency-Key 已用于另一个不同的下单请求。" },
	{ "in_progress", "相同的下单请求正在处理中，请稍后查看订单。" },
	{ "bargain_not_succeeded", "砍价尚未成功或已下过单。" },
	{ "coupon_not_applicable", "所选优惠券不可用于这个订单。" },
	{ "mixed_campaigns", "一个订单只能包含同一活动的商品。" },
	{ "points_not_accepted", "本活动暂不支持积分抵现。" },
	{ "invalid_state", "订单当前状态不允许此操作。" },
	{ "insufficient_points", "积分不足。" },
	{ "bad_signature", "支付通知签名无效。" },
	{ "amount_mismatch", "支付金额与订单金额不一致。" },
};

const char *http_message_for(const char *code)
{
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (strcmp(messages[i].code, code) == 0)
			return messages[i].text;
	return "请求失败。";
}
