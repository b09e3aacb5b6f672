/* test_replica.c: unit tests of fcgi/db/replica.c (when a read replica is
 * fit for stale-tolerant reads) and of the read replica's config keys. */
#include "unit.h"

#include <string.h>

#include "core/config.h" /* not the build's autoconf config.h */
#include "db/replica.h"

#define SECRET "jwt_secret = 0123456789abcdef0123456789abcdef\n"

/* bad input first: whatever the columns hold, only "Yes", "Yes" and a
 * whole number of seconds within the bound make a replica fresh */
START_TEST(anything_but_a_measured_lag_is_not_trusted)
{
	int64_t lag = 99;
	ck_assert_int_eq(replica_judge(NULL, NULL, NULL, 5, &lag), REPLICA_NOT_REPLICATING); /* no row */
	ck_assert_int_eq(lag, -1);
	ck_assert_int_eq(replica_judge("Connecting", "Yes", NULL, 5, &lag), REPLICA_NOT_REPLICATING);
	ck_assert_int_eq(replica_judge("Connecting", "Yes", "0", 5, &lag), REPLICA_NOT_REPLICATING);
	ck_assert_int_eq(replica_judge("No", "Yes", "0", 5, &lag), REPLICA_NOT_REPLICATING);
	ck_assert_int_eq(replica_judge("Yes", "No", NULL, 5, &lag), REPLICA_NOT_REPLICATING);
	ck_assert_int_eq(replica_judge("Yes", NULL, "0", 5, &lag), REPLICA_NOT_REPLICATING);
	ck_assert_int_eq(replica_judge("Yes", "Yes", NULL, 5, &lag), REPLICA_NOT_REPLICATING);
	ck_assert_int_eq(lag, -1);
	const char *garbage[] = { "", "x", "3s", "-1", " 3", "99999999999999999999999" };
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		ck_assert_msg(replica_judge("Yes", "Yes", garbage[i], 5, &lag) == REPLICA_NOT_REPLICATING,
			      "trusted a lag of \"%s\"", garbage[i]);
		ck_assert_int_eq(lag, -1);
	}
	ck_assert_int_eq(replica_judge("yes", "yes", "0", 5, &lag), REPLICA_NOT_REPLICATING);
}
END_TEST

START_TEST(lag_within_the_bound_is_fresh_and_past_it_lagging)
{
	int64_t lag = -1;
	ck_assert_int_eq(replica_judge("Yes", "Yes", "0", 5, &lag), REPLICA_FRESH);
	ck_assert_int_eq(lag, 0);
	ck_assert_int_eq(replica_judge("Yes", "Yes", "5", 5, &lag), REPLICA_FRESH);
	ck_assert_int_eq(lag, 5);
	ck_assert_int_eq(replica_judge("Yes", "Yes", "6", 5, &lag), REPLICA_LAGGING);
	ck_assert_int_eq(lag, 6);
	ck_assert_int_eq(replica_judge("Yes", "Yes", "0", 0, &lag), REPLICA_FRESH);
	ck_assert_int_eq(replica_judge("Yes", "Yes", "1", 0, &lag), REPLICA_LAGGING);
	ck_assert_int_eq(replica_judge("Yes", "Yes", "86400", 3600, &lag), REPLICA_LAGGING);
	ck_assert_int_eq(lag, 86400);
}
END_TEST

START_TEST(verdicts_have_names)
{
	ck_assert_str_eq(replica_verdict_name(REPLICA_FRESH), "fresh");
	ck_assert_str_eq(replica_verdict_name(REPLICA_LAGGING), "lagging");
	ck_assert_str_eq(replica_verdict_name(REPLICA_DOWN), "down");
	ck_assert_str_eq(replica_verdict_name((enum replica_verdict)42), "unknown");
}
END_TEST

/* ------------------------------------------------------------ config keys */

START_TEST(read_replica_keys_refused_out_of_place)
{
	struct config config;
	char error[256];
	ck_assert_int_eq(config_parse(&config, SECRET "db_read_user = reader\n", error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "db_read_user"));
	config_free(&config);
	ck_assert_int_eq(config_parse(&config, SECRET "db_read_host = 10.0.0.31\ndb_read_password = x\n", error,
				      sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "db_read_password"));
	config_free(&config);
	ck_assert_int_eq(config_parse(&config, SECRET "db_read_host = 10.0.0.31\ndb_read_max_lag_s = 3601\n", error,
				      sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "db_read_max_lag_s"));
	config_free(&config);
	ck_assert_int_eq(config_parse(&config, SECRET "db_read_host = 10.0.0.31\ndb_read_port = 0\n", error,
				      sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "db_read_port"));
	config_free(&config);
}
END_TEST

START_TEST(read_replica_keys_default_to_no_replica)
{
	struct config config;
	char error[256];
	ck_assert_int_eq(config_parse(&config, SECRET, error, sizeof(error)), 0);
	ck_assert_str_eq(config.db_read_host, "");
	ck_assert_int_eq(config.db_read_port, 3306);
	ck_assert_int_eq(config.db_read_max_lag_s, 5);
	config_free(&config);
	ck_assert_int_eq(config_parse(&config,
				      SECRET "db_read_host = 127.0.0.7\ndb_read_port = 28262\ndb_read_user = reader\n"
					     "db_read_password = secret\ndb_read_max_lag_s = 2\n",
				      error, sizeof(error)),
			 0);
	ck_assert_str_eq(config.db_read_host, "127.0.0.7");
	ck_assert_int_eq(config.db_read_port, 28262);
	ck_assert_str_eq(config.db_read_user, "reader");
	ck_assert_int_eq(config.db_read_max_lag_s, 2);
	config_free(&config);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("replica");
	TCase *judge = tcase_create("judge");
	tcase_add_test(judge, anything_but_a_measured_lag_is_not_trusted);
	tcase_add_test(judge, lag_within_the_bound_is_fresh_and_past_it_lagging);
	tcase_add_test(judge, verdicts_have_names);
	suite_add_tcase(suite, judge);
	TCase *keys = tcase_create("config");
	tcase_add_test(keys, read_replica_keys_refused_out_of_place);
	tcase_add_test(keys, read_replica_keys_default_to_no_replica);
	suite_add_tcase(suite, keys);
	return suite;
}
