/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree.h - the element tree behind raid_dump's XML and JSON.
 *
 * Both formats describe the same tree: an element has a name, scalar
 * attributes and child elements.  Writing and parsing go through it, so
 * dump.c only maps between the tree and struct rx_array.
 */
#ifndef RAIDX_TREE_H
#define RAIDX_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct rx_attr {
	char *key;
	char *val;
	bool is_str;	/* JSON: quote it (numbers are written bare) */
};

struct rx_node {
	char *name;
	struct rx_attr *attr;
	unsigned int nattr;
	unsigned int acap;	/* attr[] grows by doubling */
	struct rx_node **kid;
	unsigned int nkid;
	unsigned int kcap;	/* kid[] grows by doubling: O(children) */
};

#define RX_TREE_MAX_DEPTH	16

struct rx_node *rx_node_new(const char *name);
struct rx_node *rx_node_add(struct rx_node *parent, const char *name);
void rx_node_free(struct rx_node *n);
int rx_node_set(struct rx_node *n, const char *key, const char *val,
		bool is_str);
int rx_node_set_u64(struct rx_node *n, const char *key,
		    unsigned long long v);
int rx_node_set_s64(struct rx_node *n, const char *key, long long v);
const char *rx_node_get(const struct rx_node *n, const char *key);
const struct rx_node *rx_node_child(const struct rx_node *n,
				    const char *name);

void rx_tree_write_xml(FILE *f, const struct rx_node *root);
void rx_tree_write_json(FILE *f, const struct rx_node *root);

/* Parse; NULL and a message in @err on failure. */
struct rx_node *rx_tree_parse_xml(const char *buf, size_t len, char *err,
				  size_t errlen);
struct rx_node *rx_tree_parse_json(const char *buf, size_t len, char *err,
				   size_t errlen);

#endif /* RAIDX_TREE_H */
