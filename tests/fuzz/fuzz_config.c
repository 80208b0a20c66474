/*
 * fuzz_config.c: libFuzzer target for the ini loader (inih, the key table, validation), through
 * config_load_buffer, the same path config_load takes once the file is read. Hermetic: no file the
 * input names is opened (CONFIG_NO_FILES). What the daemon relies on is checked: a config that
 * loads has every value later code dereferences; one that does not says why, every line of it
 * naming the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort (a finding for libFuzzer) unless a loaded config is whole. */
static void
fuzz_check_config(const struct config *cfg)
{
	int i;

	if (cfg->database == NULL || cfg->timezone == NULL || cfg->bank_holidays == NULL || cfg->ntransports < 1)
		abort();
	for (i = 0; i < cfg->ntransports; i++) {
		const struct transport_config *t = &cfg->transports[i].t;
		if (t->name == NULL || t->type == NULL || t->from == NULL || t->tls == NULL ||
		    config_transport(cfg, t->name) != &cfg->transports[i])
			abort();
		if (strcmp(t->type, "file") == 0 && t->spool == NULL)
			abort();
	}
	for (i = 0; i < cfg->nroles; i++) {
		if (cfg->roles[i].key == NULL || config_role(cfg, cfg->roles[i].key) != &cfg->roles[i])
			abort();
	}
	for (i = 0; i < cfg->ndigests; i++) {
		if (cfg->digests[i].nto < 1 || cfg->digests[i].nto > CONFIG_LIST_MAX)
			abort();
	}
	for (i = 0; i < cfg->disputes_nstages; i++) {
		if (cfg->disputes_stages[i].name == NULL || cfg->disputes_stages[i].responder == NULL)
			abort();
	}
	if (cfg->retry_first > cfg->retry_max || cfg->send_window.open >= cfg->send_window.close)
		abort();
}

/* Abort unless every line of an error names the input: "fuzz.ini:LINE: ..." or "fuzz.ini: ...". */
static void
fuzz_check_cause(const char *cause)
{
	const char *line = cause;

	if (cause == NULL || *cause == '\0')
		abort();
	for (;;) {
		if (strncmp(line, "fuzz.ini:", 9) != 0)
			abort();
		if ((line = strchr(line, '\n')) == NULL)
			break;
		line++;
	}
}

/* One input: load it; check what came back; free it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg;
	char *cause = NULL;

	cfg = config_load_buffer("fuzz.ini", (const char *)data, size, CONFIG_NO_FILES, &cause);
	if (cfg != NULL) {
		if (cause != NULL)
			abort();
		fuzz_check_config(cfg);
		config_free(cfg);
	} else {
		fuzz_check_cause(cause);
		free(cause);
	}
	return 0;
}
