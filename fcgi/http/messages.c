/* messages.c: every error message the API sends, in one place.
 *
 * Shoppers and shop admins read Chinese; the codes are the contract
 * (API.md), the sentences may be changed freely by a shop. The texts
 * below are the sentences of particular refusals (http_error_detail()) and
 * the other sentences a person reads (the login SMS, the report's CSV
 * header). */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
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
	{ "invalid_promotion", "促销设置不正确，请检查后重试。" },
	{ "in_use", "已有订单使用了它，已停用而未删除。" },
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
	/* games */
	{ "invalid_game", "游戏设置不正确，请检查后重试。" },
	{ "published", "游戏已发布，只能增加奖品库存。" },
	{ "game_closed", "游戏未开始或已结束。" },
	{ "already_played", "你已经参与过了。" },
	{ "outbid", "出价太低，已有更高的出价。" },
	/* engagement */
	{ "already_checked_in", "今天已经签到过了，明天再来吧。" },
	{ "limit_reached", "已达到每人可兑换的次数上限。" },
};

/* Texts: the sentence of one particular refusal, where the code's own
 * says too little (which field, which limit), and the other sentences the
 * API sends. Named "<area>.<what>"; each comment gives the arguments of the
 * text's printf conversions, in order: callers pass exactly those. */
static const struct message texts[] = {
	/* validation (http/validate.c): (where, field) */
	{ "field.null", "%s.%s 不能为空。" },
	/* (where, field, type name: one of the field.type_* texts) */
	{ "field.type", "%s.%s 应为%s。" },
	{ "field.type_string", "字符串" },
	{ "field.type_int", "整数" },
	{ "field.type_bool", "布尔值" },
	{ "field.type_object", "对象" },
	{ "field.type_array", "数组" },
	/* (where, field, long long min, long long max) */
	{ "field.length", "%s.%s 长度应在 %lld 到 %lld 字节之间。" },
	/* (where, field) */
	{ "field.shape", "%s.%s 格式不正确。" },
	/* (where, field, long long min, long long max) */
	{ "field.range", "%s.%s 应在 %lld 到 %lld 之间。" },
	/* (where, field, long long min, long long max) */
	{ "field.items", "%s.%s 应有 %lld 到 %lld 项。" },
	/* (where) */
	{ "field.object", "%s 应为 JSON 对象。" },
	/* (where) */
	{ "field.unknown", "%s 中有不认识的字段。" },
	/* (where, field) */
	{ "field.missing", "缺少必填字段 %s.%s。" },
	/* lists (http/http.c): (int most) */
	{ "list.limit", "limit 应为 1 到 %d 之间的整数。" },
	{ "list.cursor", "cursor 无效。" },
	/* admin accounts */
	{ "admin.username_taken", "这个用户名已被使用。" },
	{ "admin.roles", "roles 只能是 operator、fulfilment、risk、owner。" },
	{ "admin.self_lockout", "不能停用自己或取消自己的 owner 角色。" },
	/* admin audit list */
	{ "audit.target", "target_type 与 target_id 需同时给出且有效。" },
	/* admin user list: (int shortest, int longest) digits */
	{ "users.phone_search", "手机号搜索需要 %d 到 %d 位数字（从开头起）。" },
	{ "users.phone_search_limited", "手机号只能按后 %d 位或完整的 %d 位号码搜索。" },
	/* daily report */
	{ "report.dates", "from 和 to 应为 YYYY-MM-DD 格式的日期。" },
	/* (int most days) */
	{ "report.range", "日期范围应从 from 到 to，最多 %d 天。" },
	{ "report.campaign_id", "campaign_id 无效。" },
	/* the login SMS (shopper/sms.c): (the code, long minutes valid); the
	 * only run of six digits in it is the code (API.md) */
	/* games (games/games_routes.c): (the field) */
	{ "games.field", "%s 设置不正确。" },
	{ "games.red_packet", "%s：红包奖品需要红包功能，暂不可用。" },
	{ "games.coupon_promotion", "%s：优惠券模板尚未开放，请直接填写 coupon。" },
	{ "games.prize_value", "%s：单个奖品价值不能超过 50000 元。" },
	/* games: no argument */
	{ "games.daily_limit", "今天的抽奖次数已用完，明天再来吧。" },
	{ "games.window", "ends_at 应晚于 starts_at。" },
	{ "sms.login", "【砍价】您的登录验证码：%s，%ld分钟内有效，请勿告诉他人。" },
	/* anti-fraud rules: (where, the scope names joined by 、) */
	{ "fraud.scope", "%s.scope 的每一项应为 %s 之一，且不重复。" },
	/* (size_t offset, PCRE2's message) */
	{ "fraud.pattern", "规则的正则表达式无效（位置 %zu）：%s" },
	{ "fraud.dry_run_times", "body.from 和 body.to 应为 RFC 3339 时间。" },
	/* (int most days) */
	{ "fraud.dry_run_range", "时间范围应为正，且不超过 %d 天。" },
	/* the pool's status page: no argument */
	{ "status.format", "format 应为 json 或 text。" },
	/* share domains and the WeChat share card: no argument */
	{ "share.host", "host 不是有效的域名。" },
	{ "share.host_taken", "这个域名已在分享域名池中。" },
	{ "wechat.not_configured", "未配置微信公众号。" },
	{ "wechat.share_unavailable", "微信分享暂时不可用。" },
	{ "wechat.expired", "微信授权已失效，请重新进入页面。" },
	/* (the field: "url", "redirect") */
	{ "wechat.page_url", "%s 应为页面的完整地址。" },
	/* engagement settings and points offers: (the field, e.g.
	 * "checkin.points[2]") */
	{ "engagement.field", "%s 的值无效，请检查后重试。" },
};

const char *http_text(const char *name)
{
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].code, name) == 0)
			return texts[i].text;
	return NULL;
}

int http_text_vformat(char *out, size_t size, const char *name, va_list args)
{
	const char *format = http_text(name);
	assert(format != NULL); /* a caller names a text that exists */
	if (format == NULL) {
		snprintf(out, size, "%s", "请求失败。");
		return -1;
	}
	/* The format is one of the texts above, never input; their callers
	 * pass the arguments each text's comment gives. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(out, size, format, args);
#pragma GCC diagnostic pop
	return 0;
}

int http_text_format(char *out, size_t size, const char *name, ...)
{
	va_list args;
	va_start(args, name);
	int result = http_text_vformat(out, size, name, args);
	va_end(args);
	return result;
}

/* The daily report's CSV header: date, campaign id and title, then the
 * counters in stats_counter_names' order (admin/stats.c). */
const char *const http_report_csv_headers[] = {
	"日期", "活动ID", "活动名称", "参与人数", "发起砍价", "自砍次数", "助力次数", "分享打开", "砍价成功",
	"下单数", "取消订单", "支付订单", "支付金额(元)", "补贴金额(元)", "发货订单", "退款订单", "退款金额(元)",
	"分享访客",
};
const size_t http_report_csv_header_count = sizeof(http_report_csv_headers) / sizeof(http_report_csv_headers[0]);

const char *http_message_for(const char *code)
{
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (strcmp(messages[i].code, code) == 0)
			return messages[i].text;
	return "请求失败。";
}
