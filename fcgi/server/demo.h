/* demo.h: `kanjiad seed-demo` — a live demo campaign and an owner admin,
 * so a fresh ./dev up has something to click through. Idempotent. */
#ifndef KANJIA_DEMO_H
#define KANJIA_DEMO_H

struct config;

/* The demo campaign's title: seed-demo creates it only when no campaign
 * has this title. */
#define DEMO_CAMPAIGN_TITLE "冬季好物砍价节（演示）"
#define DEMO_ADMIN_USERNAME "admin"
#define DEMO_PASSWORD_CHARS 16

/* Creates, when missing, the demo campaign (live from an hour ago for 30
 * days, two items: one in range mode, one in exact mode) and the owner
 * admin "admin" with a random password. Prints
 * "admin login: admin / <password>" when it made the admin, else
 * "admin login: admin (password set earlier)". Returns the exit status. */
int demo_seed_command(const struct config *config);

#endif
