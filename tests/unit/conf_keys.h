/* SPDX-License-Identifier: BSD-3-Clause
 * The keys a configuration file names: those set, and those shown in
 * comments the way config/cgnat.conf documents optional keys
 * (`# gateway = "100.64.0.254";`, or a whole commented-out group
 * `# deterministic: {` ... `# };`), each with its full dotted path as the
 * schema spells it ("inside.gateway", "static[].proto").
 *
 * A commented line counts as a key only if what follows the `#` is a
 * complete libconfig setting (`name = value;`, which libconfig must
 * accept), or opens or closes a commented-out group; prose that happens
 * to contain `=` does not.
 */
#ifndef CONF_KEYS_H
#define CONF_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define CONF_KEY_PATH_MAX 128

struct conf_key {
	char path[CONF_KEY_PATH_MAX];
	int line;       /* 1-based */
	bool commented; /* shown in a comment, not set */
};

struct conf_keys {
	struct conf_key *v;
	size_t n, cap;
};

/*
 * Scan text (a whole file). Returns 0, or -1 with a message in err
 * ("LINE: what") for text this scanner cannot follow (unbalanced
 * brackets, an unnamed group).
 */
int conf_keys_scan(const char *text, struct conf_keys *out, char *err,
		   size_t errlen);

/* The first entry with this path, or NULL. */
const struct conf_key *conf_keys_find(const struct conf_keys *keys,
				      const char *path);

void conf_keys_free(struct conf_keys *keys);

#endif /* CONF_KEYS_H */
