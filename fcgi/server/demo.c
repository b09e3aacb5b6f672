/* demo.c: the demo seed. The campaign goes through the same parse, check
 * and store code as POST /api/v1/admin/campaigns (and is audited the same
 * way), so the demo can never hold what the API would refuse. */
#include "server/demo.h"

#include <stdio.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/audit.h"
#include "campaign/campaign.h"
#include "campaign/campaign_store.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "db/db.h"
#include "fraud/fraud_check.h"
#include "http/http.h"

#define DEMO_STARTS_AGO_S 3600
#define DEMO_LASTS_S (30 * 86400)

/* The items, as an admin would post them. */
static const char *const demo_items =
	"["
	"{\"name\": \"智能手表 运动健康版\","
	" \"images\": [\"/assets/demo/watch-1.jpg\", \"/assets/demo/watch-2.jpg\"],"
	" \"original_price_fen\": 50000, \"floor_price_fen\": 30000, \"stock\": 100,"
	" \"rules\": {\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"self_cuts_per_day\": 3,"
	"   \"helps_per_user_per_day\": 3, \"bargains_per_user\": 1, \"helps_per_bargain\": null,"
	"   \"bargain_ttl_s\": 86400, \"pay_within_s\": 1800},"
	" \"rewards\": {"
	"   \"initiator\": ["
	"     {\"helpers\": 5, \"coupon\": {\"title\": \"50元店铺券\", \"amount_fen\": 5000,"
	"       \"min_spend_fen\": 19900, \"valid_days\": 30}},"
	"     {\"helpers\": 10, \"prize\": \"品牌保温杯礼盒\"}],"
	"   \"helper\": {\"coupon\": {\"title\": \"10元助力券\", \"amount_fen\": 1000,"
	"     \"min_spend_fen\": 5900, \"valid_days\": 7}},"
	"   \"leaderboard\": ["
	"     {\"rank\": 1, \"prize\": \"1000元购物卡 + 平板电脑\"},"
	"     {\"rank\": 2, \"prize\": \"800元购物卡 + 智能手表\"},"
	"     {\"rank\": 3, \"prize\": \"500元购物卡 + 蓝牙耳机\"}]}},"
	"{\"name\": \"真无线蓝牙耳机 降噪款\","
	" \"images\": [\"/assets/demo/earbuds-1.jpg\", \"/assets/demo/earbuds-2.jpg\"],"
	" \"original_price_fen\": 29900, \"floor_price_fen\": 9900, \"stock\": 100,"
	" \"rules\": {\"cut_min_fen\": 100, \"cut_max_fen\": 6000, \"target_cuts\": 10,"
	"   \"self_cuts_per_day\": 3, \"helps_per_user_per_day\": 3, \"bargains_per_user\": 1,"
	"   \"bargain_ttl_s\": 86400, \"pay_within_s\": 1800},"
	" \"rewards\": {"
	"   \"initiator\": ["
	"     {\"helpers\": 5, \"coupon\": {\"title\": \"50元店铺券\", \"amount_fen\": 5000,"
	"       \"min_spend_fen\": 19900, \"valid_days\": 30}},"
	"     {\"helpers\": 10, \"prize\": \"品牌充电宝\"}],"
	"   \"helper\": {\"coupon\": {\"title\": \"10元助力券\", \"amount_fen\": 1000,"
	"     \"min_spend_fen\": 5900, \"valid_days\": 7}},"
	"   \"leaderboard\": ["
	"     {\"rank\": 1, \"prize\": \"1000元购物卡 + 平板电脑\"},"
	"     {\"rank\": 2, \"prize\": \"800元购物卡 + 智能手表\"},"
	"     {\"rank\": 3, \"prize\": \"500元购物卡 + 蓝牙耳机\"}]}}"
	"]";

static const char *const sql_demo_campaign = "SELECT id FROM campaign WHERE title = ? ORDER BY id LIMIT 1";
static const char *const sql_demo_admin = "SELECT id FROM admin WHERE username = ?";

struct demo_seed {
	int64_t campaign_id;
	bool campaign_created;
	bool admin_created;
	char password[DEMO_PASSWORD_CHARS + 1];
	int fraud_loaded, fraud_skipped; /* anti-fraud: the default rule pack */
};

/* A password of letters and digits without look-alikes. */
static void demo_password(char out[DEMO_PASSWORD_CHARS + 1])
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	for (int i = 0; i < DEMO_PASSWORD_CHARS; i++)
		out[i] = alphabet[crypto_random_below(sizeof(alphabet) - 1)];
	out[DEMO_PASSWORD_CHARS] = '\0';
}

static int demo_campaign(struct request *request, struct demo_seed *seed)
{
	struct db_rows rows;
	int status = db_run(request, &rows, sql_demo_campaign, "s", DEMO_CAMPAIGN_TITLE);
	if (status != 0)
		return status;
	if (rows.row_count == 1) {
		seed->campaign_id = db_int(&rows, 0, 0);
		return 0;
	}
	char starts_at[CLOCK_RFC3339_SIZE], ends_at[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(request->work.now - DEMO_STARTS_AGO_S, starts_at);
	clock_format_rfc3339(request->work.now + DEMO_LASTS_S, ends_at);
	json_error_t error;
	json_t *items = json_loads(demo_items, 0, &error);
	if (items == NULL) {
		fprintf(stderr, "kanjiad: seed-demo: the demo items do not parse: %s\n", error.text);
		return 500;
	}
	json_t *body = http_own(request, json_pack("{s:s, s:s, s:s, s:o}", "title", DEMO_CAMPAIGN_TITLE, "starts_at",
						   starts_at, "ends_at", ends_at, "items", items));
	struct campaign campaign;
	if ((status = campaign_parse_new(request, body, &campaign)) != 0) {
		fprintf(stderr, "kanjiad: seed-demo: the demo campaign is refused: %s\n", request->error_message);
		return status;
	}
	if ((status = http_outcome(request, campaign_insert(&request->work, &campaign))) != 0)
		return status;
	json_t *after = http_own(request, campaign_json(&campaign, request->work.now, VIEW_ADMIN));
	if ((status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), "campaign.create", "campaign", campaign.id, NULL, after))) != 0)
		return status;
	seed->campaign_id = campaign.id;
	seed->campaign_created = true;
	return 0;
}

static int demo_admin(struct request *request, struct demo_seed *seed)
{
	struct db_rows rows;
	int status = db_run(request, &rows, sql_demo_admin, "s", DEMO_ADMIN_USERNAME);
	if (status != 0 || rows.row_count == 1)
		return status;
	char hash[ADMIN_HASH_SIZE];
	demo_password(seed->password);
	if (admin_password_hash(seed->password, hash) != 0) {
		fprintf(stderr, "kanjiad: seed-demo: libcrypt could not hash the password\n");
		return 500;
	}
	int64_t id;
	if ((status = admin_create(request, DEMO_ADMIN_USERNAME, hash, "owner", &id)) != 0)
		return status;
	json_t *after = http_own(request, json_pack("{s:I, s:s, s:[s]}", "id", (json_int_t)id, "username",
						    DEMO_ADMIN_USERNAME, "roles", "owner"));
	if ((status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), "admin.create", "admin", id, NULL, after))) != 0)
		return status;
	seed->admin_created = true;
	return 0;
}

static int demo_transaction(struct request *request, void *context)
{
	struct demo_seed *seed = context;
	seed->campaign_created = seed->admin_created = false;
	int status = demo_campaign(request, seed);
	if (status == 0)
		status = demo_admin(request, seed);
	if (status == 0) /* anti-fraud: the default rule pack (sql/fraud_pack.json) */
		status = fraud_pack_load(request, &seed->fraud_loaded, &seed->fraud_skipped);
	return status == 0 ? 200 : status;
}

int demo_seed_command(const struct config *config)
{
	struct request request;
	struct db db;
	if (admin_command_open(&request, &db, config, "seed-demo") != 0)
		return 1;
	struct demo_seed seed;
	memset(&seed, 0, sizeof(seed));
	int status = db_transaction(&request, demo_transaction, &seed);
	int result = 0;
	if (status >= 400) {
		fprintf(stderr, "kanjiad: seed-demo failed (%d)\n", status);
		result = 1;
	} else {
		printf("demo campaign: %s (id %lld%s)\n", DEMO_CAMPAIGN_TITLE, (long long)seed.campaign_id,
		       seed.campaign_created ? ", created" : "");
		printf("fraud rules: %d loaded from the default pack, %d there already\n", seed.fraud_loaded,
		       seed.fraud_skipped);
		if (seed.admin_created)
			printf("admin login: %s / %s\n", DEMO_ADMIN_USERNAME, seed.password);
		else
			printf("admin login: %s (password set earlier)\n", DEMO_ADMIN_USERNAME);
	}
	explicit_bzero(seed.password, sizeof(seed.password));
	admin_command_close(&request, &db);
	return result;
}
