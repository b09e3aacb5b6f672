/* messages.c: every error message the API sends, in one place.
 *
 * Shoppers and shop admins read Chinese; the codes are the contract
 * (API.md), the sentences may be changed freely by a shop. The texts
 * below are the sentences of particular refusals (http_error_detail()) and
 * the other sentences a person reads (the login SMS, the report's CSV
 * header, the labels of a quote's discounts, the goods' name at the
 * payment provider). No other file of fcgi/ holds a Chinese sentence. */
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
	{ "promotion_not_applicable", "所选优惠（红包或加价购）不可用于这个订单。" },
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
	{ "budget_exhausted", "活动补贴预算已用完，该优惠无法使用。" },
	{ "presale_closed", "不在预售的支付时间内。" },
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
	/* admin list filters (the daily report, orders, prizes): no argument */
	{ "query.dates", "from 和 to 应为 YYYY-MM-DD 格式的日期。" },
	{ "query.campaign_id", "campaign_id 无效。" },
	/* daily report: (int most days) */
	{ "report.range", "日期范围应从 from 到 to，最多 %d 天。" },
	/* the login SMS (shopper/sms.c): (the code, long minutes valid); the
	 * only run of six digits in it is the code (API.md) */
	{ "sms.login", "【砍价】您的登录验证码：%s，%ld分钟内有效，请勿告诉他人。" },
	/* games (games/games_routes.c): (the field) */
	{ "games.field", "%s 设置不正确。" },
	{ "games.red_packet", "%s：红包奖品需要红包功能，暂不可用。" },
	{ "games.coupon_promotion", "%s：优惠券模板尚未开放，请直接填写 coupon。" },
	{ "games.coupon_template", "%s：不是本活动的优惠券（coupon）促销，或它没有设置金额。" },
	{ "games.prize_value", "%s：单个奖品价值不能超过 50000 元。" },
	/* games: no argument */
	{ "games.daily_limit", "今天的抽奖次数已用完，明天再来吧。" },
	{ "games.window", "ends_at 应晚于 starts_at。" },
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
	/* campaigns and their items (campaign/campaign.c): a refusal is
	 * "<where>：<sentence>": (where, e.g. "items[0].rewards", the sentence:
	 * one of the campaign.* texts below, formatted) */
	{ "campaign.at", "%s：%s" },
	/* (label: one of the campaign.label_* texts) */
	{ "campaign.text_blank", "%s不能为空。" },
	/* (label: one of the campaign.label_* texts, size_t most characters) */
	{ "campaign.text_long", "%s不能超过 %zu 个字。" },
	/* labels of the display texts and the per-person limits: no argument */
	{ "campaign.label_title", "活动标题" },
	{ "campaign.label_item_name", "商品名称" },
	{ "campaign.label_coupon_title", "优惠券名称" },
	{ "campaign.label_prize", "奖品名称" },
	{ "campaign.label_self_cuts_per_day", "每人每天自砍次数" },
	{ "campaign.label_helps_per_user_per_day", "每人每天助力次数" },
	{ "campaign.label_bargains_per_user", "每人可发起砍价次数" },
	/* a reward's coupon: no argument */
	{ "campaign.coupon_amount", "优惠券金额必须大于 0。" },
	{ "campaign.coupon_amount_large", "优惠券金额过大。" },
	{ "campaign.coupon_min_spend", "使用门槛不能为负数或过大。" },
	/* (int most days) */
	{ "campaign.coupon_valid_days", "有效天数应在 1 到 %d 天之间。" },
	/* the initiator's milestones: (int most milestones) */
	{ "campaign.milestones_max", "发起人奖励最多 %d 档。" },
	/* (int most helpers) */
	{ "campaign.milestone_helpers", "助力人数应在 1 到 %d 之间。" },
	/* no argument */
	{ "campaign.milestone_reward", "每档奖励需要优惠券或奖品。" },
	/* (long long helpers) */
	{ "campaign.milestone_duplicate", "助力人数 %lld 的奖励重复了。" },
	/* the leaderboard: (int most ranks) */
	{ "campaign.ranks_max", "排行榜奖励最多 %d 名。" },
	/* (int most ranks) */
	{ "campaign.rank", "名次应在 1 到 %d 之间。" },
	/* (long long rank) */
	{ "campaign.rank_duplicate", "第 %lld 名的奖励重复了。" },
	/* rules: (the field, e.g. "target_cuts") */
	{ "campaign.rule_positive", "%s 应为正整数或 null。" },
	/* an item's images: (int most images) */
	{ "campaign.images_max", "图片最多 %d 张。" },
	/* (where, size_t index from 0); sent as 400 invalid_field, no where */
	{ "campaign.image_type", "%s[%zu] 应为字符串。" },
	/* (size_t position from 1) */
	{ "campaign.image_url", "第 %zu 张图片的地址应为以 / 或 https:// 开头的链接。" },
	/* an item's prices and cuts: (long long most fen) */
	{ "campaign.price", "原价应在 1 分到 %lld 分之间。" },
	/* no argument; campaign.floor_below_price also answers a plan preview
	 * (bargain/bargain_routes.c) */
	{ "campaign.floor_negative", "底价不能为负数。" },
	{ "campaign.floor_below_price", "底价必须低于原价。" },
	{ "campaign.cut_min", "每刀最少金额 cut_min_fen 至少为 1 分。" },
	{ "campaign.cut_max_below_min", "每刀最多金额 cut_max_fen 不能小于最少金额 cut_min_fen。" },
	{ "campaign.cut_max_large", "每刀最多金额 cut_max_fen 过大。" },
	/* (int most cuts) */
	{ "campaign.target_cuts_max", "目标刀数 target_cuts 不能超过 %d。" },
	/* (long long cuts, long long cut_min_fen, long long cut_max_fen,
	 * long long fen to cut) */
	{ "campaign.cuts_cannot_fit", "%lld 刀无法在每刀 %lld 到 %lld 分的范围内恰好砍掉 %lld 分，请调整刀数或金额范围。" },
	/* (label: one of the campaign.label_* limits, the field, int most) */
	{ "campaign.rule_count", "%s %s 应在 1 到 %d 之间。" },
	/* (int most helpers) */
	{ "campaign.helps_per_bargain", "每个砍价的助力人数上限 helps_per_bargain 不能超过 %d。" },
	/* (int fewest seconds) */
	{ "campaign.bargain_ttl", "砍价有效期 bargain_ttl_s 应在 %d 秒到 30 天之间。" },
	/* (int fewest seconds) */
	{ "campaign.pay_within", "支付时限 pay_within_s 应在 %d 秒到 7 天之间。" },
	/* an item's stock: no argument */
	{ "campaign.stock_negative", "库存不能为负数。" },
	/* (long long most) */
	{ "campaign.stock_max", "库存不能超过 %lld。" },
	/* no argument */
	{ "campaign.stock_delta", "库存调整超出范围。" },
	/* a campaign's times and items: no argument */
	{ "campaign.ends_before_start", "活动结束时间必须晚于开始时间。" },
	{ "campaign.ended", "活动结束时间已经过去。" },
	{ "campaign.items_none", "活动至少需要一个砍价商品。" },
	/* (int most items) */
	{ "campaign.items_max", "一个活动最多 %d 个砍价商品。" },
	/* a cut plan's preview (bargain/bargain_routes.c): no argument */
	{ "bargain.plan_max_below_min", "每刀最高金额不能低于最低金额。" },
	{ "bargain.plan_not_made", "无法生成砍价计划，请调整刀数或金额范围。" },
	/* (long long cuts, long long cut_min_fen, long long cut_max_fen,
	 * long long fen to cut) */
	{ "bargain.plan_cannot_fit", "%lld 刀无法在每刀 %lld 到 %lld 分之间恰好砍掉 %lld 分。" },
	/* why the pricing engine refused a cart (checkout/pricing.c's
	 * price_error_text): no argument */
	{ "pricing.bad_input", "购物车内容不正确。" },
	{ "pricing.coupon_unavailable", "优惠券不可用（已使用或不属于你）。" },
	{ "pricing.coupon_not_started", "优惠券还未到可用时间。" },
	{ "pricing.coupon_expired", "优惠券已过期。" },
	{ "pricing.coupon_min_spend", "未达到优惠券的使用门槛。" },
	{ "pricing.coupon_scope", "优惠券不适用于所选商品。" },
	{ "pricing.coupon_not_stackable", "每笔订单只能使用一张优惠券。" },
	{ "pricing.coupon_duplicate", "同一张优惠券不能重复使用。" },
	{ "pricing.coupon_customer_limit", "你在本活动中使用优惠券的次数已用完。" },
	{ "pricing.coupon_no_value", "订单已是最低价，无法再使用优惠券。" },
	{ "pricing.addon_not_applicable", "加价购商品不可用（没有这个换购、超过可换购数量或订单未达到门槛）。" },
	{ "pricing.red_packet_unavailable", "红包不可用（已使用、已过期或不属于你）。" },
	{ "pricing.red_packet_no_value", "订单已是最低价，无法再使用红包。" },
	{ "pricing.points_not_applicable", "本活动暂不支持积分抵现。" },
	{ "pricing.points_insufficient", "积分不足。" },
	{ "pricing.failed", "无法计算价格。" },
	/* the refusal of one add-on, red packet or coupon: (long long its id,
	 * why: one of the pricing.* texts above) */
	{ "pricing.addon_refused", "加价购商品 %lld 不可用：%s" },
	{ "pricing.red_packet_refused", "红包 %lld 不可用：%s" },
	{ "pricing.coupon_refused", "优惠券 %lld 不可用：%s" },
	/* an amount in yuan (price_yuan): (long long yuan), or (long long
	 * yuan, long long fen 0..99) */
	{ "pricing.yuan", "%lld元" },
	{ "pricing.yuan_fen", "%lld.%02lld元" },
	/* the label of a quote's discount, one per promotion kind
	 * (checkout/promo_*.c): amounts as pricing.yuan gives them; (the bargain
	 * price) */
	{ "discount.bargain", "砍价成功，一件按 %s 计" },
	/* (the amount spent, the amount off) */
	{ "discount.full_reduction", "满%s减%s" },
	{ "discount.full_reduction_repeat", "每满%s减%s" },
	/* (the promotion's title) */
	{ "discount.coupon", "优惠券：%s" },
	{ "discount.timed_discount", "限时折扣：%s" },
	{ "discount.first_order", "新客首单：%s" },
	{ "discount.bundle", "组合套餐：%s" },
	{ "discount.member_price", "会员价：%s" },
	/* (what the deposit is worth) */
	{ "discount.deposit", "定金翻倍：定金抵%s" },
	/* no argument */
	{ "discount.addon", "加价购换购" },
	/* (the amount) */
	{ "discount.red_packet", "红包：%s" },
	/* (long long points used) */
	{ "discount.points_cash", "积分抵现：%lld积分" },
	/* carts and orders (checkout/checkout_routes.c, order.c): (long long
	 * item id) */
	{ "order.item_missing", "商品 %lld 不存在。" },
	/* (int most lines) */
	{ "order.lines_max", "lines 与 addons 合计最多 %d 行。" },
	/* no argument */
	{ "order.line_repeat", "lines 中同一商品出现了两次，请合并为一行。" },
	{ "order.addon_repeat", "addons 中的商品不能与 lines 或其他 addons 重复。" },
	{ "order.coupon_ids", "coupon_ids 应为优惠券 id 的列表。" },
	{ "order.red_packet_ids", "red_packet_ids 应为红包 id 的列表。" },
	/* (int most characters); orders and presale deposits */
	{ "order.idempotency_key", "Idempotency-Key 应为 1 到 %d 个字母、数字或 -_.: 字符。" },
	/* an order's bargain (checkout/promo_bargain.c): no argument */
	{ "order.bargain_not_found", "找不到这个砍价。" },
	{ "order.bargain_expired", "砍价的下单时限已过。" },
	{ "order.bargain_not_in_lines", "砍价的商品不在 lines 中。" },
	/* paying, shipping, refunding and listing orders: no argument */
	{ "order.pay_expired", "订单已超过支付时限。" },
	{ "order.held", "订单正在风控审核中，放行后才能发货。" },
	{ "order.carrier", "carrier 含有无效字符。" },
	{ "order.deposit_ships", "定金订单不单独发货，请发货其尾款订单。" },
	{ "order.ship_state", "只有已支付的订单可以发货。" },
	{ "order.refund_state", "只有已支付或已发货的订单可以退款。" },
	{ "order.status", "status 不是有效的订单状态。" },
	/* a presale's final payment (checkout/promo_presale.c): no argument */
	{ "presale.deposit_missing", "定金订单不存在。" },
	{ "presale.deposit_unpaid", "定金订单尚未支付，不能支付尾款。" },
	{ "presale.final_pending", "这笔定金已有待支付的尾款订单。" },
	{ "presale.final_lines", "尾款订单的商品和数量须与定金订单一致。" },
	{ "presale.final_exists", "这笔定金已有尾款订单。" },
	/* payment (checkout/pay_routes.c): what the payer sees as the goods in
	 * WeChat and Alipay: (long long order id) */
	{ "pay.description", "砍价活动订单 %lld" },
	/* (the channels: pay.channels_wechat, or "wap") */
	{ "pay.channel", "channel 应为 %s。" },
	{ "pay.channels_wechat", "jsapi 或 h5" },
	/* no argument */
	{ "pay.openid", "微信内支付需要 openid。" },
	{ "pay.unavailable", "支付渠道暂时不可用，请稍后再试。" },
	{ "pay.refund_refused", "支付渠道拒绝了退款，请查看日志后重试。" },
	/* promotions and member levels (checkout/promotion_admin.c,
	 * member_level.c): (the field, e.g. "config.tiers") */
	{ "promotion.field", "%s 不正确。" },
	/* (the field, e.g. "config.items.item_id", long long item id) */
	{ "promotion.item_not_in_campaign", "%s 不正确：商品 %lld 不在本活动中。" },
	/* (long long promotion id) */
	{ "promotion.coupon_template", "config.coupon_promotion_id 不正确：%lld 不是本活动的优惠券模板。" },
	/* a campaign's subsidy budget and exclusive pairs (checkout/budget.c):
	 * no argument */
	{ "budget.exclusive", "exclusive 应为至多 16 对促销类型的列表。" },
	{ "budget.exclusive_pair", "exclusive 的每一项应为两个不同的促销类型，如 [\"coupon\", \"member_price\"]。" },
	/* (long long most fen) */
	{ "budget.subsidy", "body.subsidy_budget_fen：补贴预算应为 0 到 %lld 分，或 null（不限）。" },
	/* prizes to fulfil (reward/reward_routes.c): no argument */
	{ "prizes.status", "status 应为 pending 或 fulfilled。" },
	{ "prizes.fulfilled", "这个奖品已经发放过了。" },
};

const char *http_text(const char *name)
{
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].code, name) == 0)
			return texts[i].text;
	return NULL;
}

size_t http_text_count(void)
{
	return sizeof(texts) / sizeof(texts[0]);
}

const char *http_text_name_at(size_t index)
{
	assert(index < http_text_count());
	return texts[index].code;
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
