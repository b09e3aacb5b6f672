/* test_share.c: unit tests of fcgi/share/share.c: the JS-SDK signature
 * against the worked example of WeChat's JS-SDK documentation (appendix
 * 1, the signature algorithm), share domain shapes and link bases. */
#include "unit.h"

#include <string.h>

#include "share/share.h"

START_TEST(jssdk_signature_documented_example)
{
	char signature[41];
	share_jssdk_signature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
			      "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value", signature);
	ck_assert_str_eq(signature, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
	/* any field changes it */
	share_jssdk_signature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
			      "Wm3WZYTPz0wzccnW", 1414587458, "http://mp.weixin.qq.com?params=value", signature);
	ck_assert_str_ne(signature, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
}
END_TEST

START_TEST(host_shapes)
{
	const char *good[] = { "s1.example.cn", "a-b.example.com", "127.0.0.1:8180", "localhost", "localhost:80",
			       "x.y", NULL };
	const char *bad[] = { "", "example", "Example.com", "-a.example.com", "a-.example.com", "a..b", ".a.b", "a.b.",
			      "a.b:", "a.b:123456", "a.b:99999", "a b.c", "a.b/c", "https://a.b", "a_b.cn", NULL };
	for (int i = 0; good[i] != NULL; i++)
		ck_assert_msg(share_host_shape(good[i]), "\"%s\" refused", good[i]);
	for (int i = 0; bad[i] != NULL; i++)
		ck_assert_msg(!share_host_shape(bad[i]), "\"%s\" taken", bad[i]);
	char long_label[80];
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".cn");
	ck_assert(!share_host_shape(long_label));
	ck_assert(!share_host_shape(NULL));
}
END_TEST

START_TEST(base_takes_the_scheme_of_the_config)
{
	char base[SHARE_BASE_MAX];
	share_base_for("https://shop.example.cn", "s2.example.cn", base);
	ck_assert_str_eq(base, "https://s2.example.cn");
	share_base_for("http://127.0.0.1:8080", "127.0.0.1:8180", base);
	ck_assert_str_eq(base, "http://127.0.0.1:8180");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("share");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, jssdk_signature_documented_example);
	tcase_add_test(tc, host_shapes);
	tcase_add_test(tc, base_takes_the_scheme_of_the_config);
	suite_add_tcase(suite, tc);
	return suite;
}
