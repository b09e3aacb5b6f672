/* main.c: kanjiad's commands. Everything else lives in libkanjia. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/admin.h"
#include "core/config.h"
#include "server/demo.h"
#include "core/log.h"
#include "db/migrate.h"
#include "server/pool.h"

#define DEFAULT_CONFIG KANJIA_SYSCONFDIR "/kanjia/kanjia.conf"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kanjiad [-c CONFIG] COMMAND\n"
		"\n"
		"commands:\n"
		"  serve         run the FastCGI pool (master and workers) in the foreground\n"
		"  migrate       apply the pending migrations in migrations_dir\n"
		"  check-config  validate the config file and exit\n"
		"  help-config   list every config key with its type, default and bounds\n"
		"  create-admin USERNAME [ROLE,...]\n"
		"                add an admin; the password is one line on stdin (at least 10\n"
		"                characters); roles: operator, fulfilment, risk, owner (default owner)\n"
		"  seed-demo     create the demo campaign and an owner admin \"admin\" if missing\n"
		"  help          this text\n"
		"\n"
		"CONFIG defaults to %s.\n", DEFAULT_CONFIG);
}

int main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG;
	int option;
	while ((option = getopt(argc, argv, "c:h")) != -1) {
		switch (option) {
		case 'c':
			config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *command = argv[optind];
	/* Only create-admin takes arguments after the command. */
	int extra = argc - optind - 1;
	if (strcmp(command, "create-admin") == 0 ? (extra < 1 || extra > 2) : extra != 0) {
		usage(stderr);
		return 2;
	}
	if (strcmp(command, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(command, "help-config") == 0) {
		config_describe(stdout);
		return 0;
	}

	struct config config;
	char error[512];
	if (config_load(&config, config_path, error, sizeof(error)) != 0) {
		fprintf(stderr, "kanjiad: %s\n", error);
		config_free(&config);
		return 1;
	}
	int result = 2;
	if (strcmp(command, "check-config") == 0) {
		printf("kanjiad: %s is valid\n", config_path);
		result = 0;
	} else if (strcmp(command, "create-admin") == 0) {
		result = admin_create_command(&config, argv[optind + 1], extra == 2 ? argv[optind + 2] : NULL, stdin);
	} else if (strcmp(command, "seed-demo") == 0) {
		result = demo_seed_command(&config);
	} else if (strcmp(command, "migrate") == 0) {
		result = migrate_run(&config);
	} else if (strcmp(command, "serve") == 0) {
		int schema = migrate_check(&config);
		if (schema == 1) {
			fprintf(stderr, "kanjiad: the database schema does not match this release; refusing to start\n");
			result = 1;
		} else {
			if (schema == 2)
				fprintf(stderr, "kanjiad: database unreachable at start; workers will keep trying\n");
			result = pool_run(config_path, &config);
		}
	} else {
		usage(stderr);
	}
	config_free(&config);
	return result;
}
