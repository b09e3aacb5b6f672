/* main.c: kanjiad's commands. Everything else lives in libkanjia. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/admin.h"
#include "admin/admin_password.h"
#include "core/config.h"
#include "core/version.h"
#include "server/demo.h"
#include "core/log.h"
#include "db/migrate.h"
#include "server/pool.h"

#define DEFAULT_CONFIG KANJIA_SYSCONFDIR "/kanjia/kanjia.conf"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: kanjiad [-c CONFIG] COMMAND\n"
		"       kanjiad --version | --help\n"
		"\n"
		"commands:\n"
		"  serve         run the FastCGI pool (master and workers) in the foreground;\n"
		"                under systemd it takes the socket of kanjiad.socket and\n"
		"                reports readiness (Type=notify)\n"
		"  migrate       apply the pending migrations in migrations_dir; stops when an\n"
		"                applied migration's file has changed since\n"
		"  check-config [--db]\n"
		"                validate the config file and the paths it names; with --db\n"
		"                also connect to the database and check its schema version\n"
		"  help-config   list every config key with its type, default and bounds\n"
		"  create-admin USERNAME [ROLE,...]\n"
		"                add an admin; the password is one line on stdin (at least 10\n"
		"                characters); roles: operator, fulfilment, risk, owner (default owner)\n"
		"  reset-admin-password USERNAME\n"
		"                set an admin's password (one line on stdin), end its sessions,\n"
		"                lift a login lock; written to the audit log\n"
		"  seed-demo     create the demo campaign and an owner admin \"admin\" if missing\n"
		"  help          this text\n"
		"\n"
		"options:\n"
		"  -c, --config CONFIG  the config file (default %s)\n"
		"  --db                 check-config only: check the database too\n"
		"  -V, --version        print the version and exit\n"
		"  -h, --help           print this text and exit\n", DEFAULT_CONFIG);
}

/* check-config: the file parsed (done by the caller), then the paths it
 * names and, with check_db, the database. Returns the exit code. */
static int check_config(const struct config *config, const char *config_path, bool check_db)
{
	int errors = config_check_paths(config, config_path, stderr);
	if (check_db) {
		int schema = migrate_check(config);
		if (schema == 2) {
			fprintf(stderr, "error: cannot reach the database (see above)\n");
			errors++;
		} else if (schema == 1) {
			fprintf(stderr, "error: the database schema does not match this release (see above)\n");
			errors++;
		} else {
			fprintf(stderr, "database: reachable, schema at this release's version, migrations unchanged\n");
		}
	}
	if (errors > 0) {
		fprintf(stderr, "kanjiad: %s: %d error%s\n", config_path, errors, errors == 1 ? "" : "s");
		return 1;
	}
	printf("kanjiad: %s is valid\n", config_path);
	return 0;
}

int main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG;
	bool check_db = false;
	enum { OPTION_DB = 256 };
	static const struct option long_options[] = {
		{ "config", required_argument, NULL, 'c' }, { "db", no_argument, NULL, OPTION_DB },
		{ "version", no_argument, NULL, 'V' },       { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int option;
	while ((option = getopt_long(argc, argv, "c:hV", long_options, NULL)) != -1) {
		switch (option) {
		case 'c':
			config_path = optarg;
			break;
		case OPTION_DB:
			check_db = true;
			break;
		case 'V':
			printf("kanjiad %s\n", version_text());
			return 0;
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
	/* Only create-admin and reset-admin-password take arguments after the
	 * command; only check-config takes --db. */
	int extra = argc - optind - 1;
	bool arguments_fit = strcmp(command, "create-admin") == 0           ? extra >= 1 && extra <= 2
			     : strcmp(command, "reset-admin-password") == 0 ? extra == 1
									    : extra == 0;
	if (!arguments_fit || (check_db && strcmp(command, "check-config") != 0)) {
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
		result = check_config(&config, config_path, check_db);
	} else if (strcmp(command, "reset-admin-password") == 0) {
		result = admin_reset_password_command(&config, argv[optind + 1], stdin);
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
