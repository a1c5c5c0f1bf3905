/*
 * builder/oci_json.c - a small JSON reader over libyaml's document API, for
 * registry replies and docker's config.json (JSON is YAML 1.2).
 */
#include "builder/oci_private.h"

#include <string.h>

/* --- a small JSON reader over libyaml's document API ---------------------- */

/* JSON nests far less than this; refuse deeper input before libyaml sees it. */
static bool
json_depth_ok(const char *s, size_t len)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_string) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in_string = false;
			}
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > OCI_MAX_JSON_DEPTH) {
				return false;
			}
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

bool
oci_json_load(yaml_document_t *doc, const char *s, size_t len)
{
	yaml_parser_t parser;
	bool ok;

	if (memchr(s, '\0', len) || !json_depth_ok(s, len)) {
		return false;
	}
	if (!yaml_parser_initialize(&parser)) {
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)s, len);
	ok = yaml_parser_load(&parser, doc) != 0;
	yaml_parser_delete(&parser);
	if (ok && !yaml_document_get_root_node(doc)) {
		yaml_document_delete(doc);
		ok = false;
	}
	return ok;
}

yaml_node_t *
oci_json_get(yaml_document_t *doc, yaml_node_t *object, const char *key)
{
	if (!object || object->type != YAML_MAPPING_NODE) {
		return NULL;
	}
	for (yaml_node_pair_t *pair = object->data.mapping.pairs.start;
	     pair < object->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(doc, pair->key);

		if (k && k->type == YAML_SCALAR_NODE && strlen(key) == k->data.scalar.length &&
		    memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0) {
			return yaml_document_get_node(doc, pair->value);
		}
	}
	return NULL;
}

const char *
oci_json_text(yaml_node_t *node)
{
	if (!node || node->type != YAML_SCALAR_NODE) {
		return NULL;
	}
	return (const char *)node->data.scalar.value;
}
