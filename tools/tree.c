// SPDX-License-Identifier: GPL-2.0
/*
 * tree.c - element tree, XML/JSON writers and the small parsers that read
 * back what the writers produce.  The parsers take untrusted input (they
 * are fuzzed): every loop is bounded by the input, recursion by
 * RX_TREE_MAX_DEPTH.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

/* Children that JSON writes as arrays even when there is just one. */
static const char *const json_lists[] = { "leg", "failed", "dirty" };

static bool is_json_list(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(json_lists) / sizeof(json_lists[0]); i++)
		if (!strcmp(name, json_lists[i]))
			return true;
	return false;
}

/*----------------------------------------------------------------
 * Tree
 *--------------------------------------------------------------*/
struct rx_node *rx_node_new(const char *name)
{
	struct rx_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return NULL;
	}
	return n;
}

/* Append @kid; kid[] grows by doubling, so a parent costs O(children). */
static int adopt(struct rx_node *parent, struct rx_node *kid)
{
	if (parent->nkid == parent->kcap) {
		unsigned int cap = parent->kcap ? 2 * parent->kcap : 4;
		struct rx_node **k;

		if (cap < parent->kcap)
			return -1;
		k = realloc(parent->kid, (size_t)cap * sizeof(*k));
		if (!k)
			return -1;
		parent->kid = k;
		parent->kcap = cap;
	}
	parent->kid[parent->nkid++] = kid;
	return 0;
}

struct rx_node *rx_node_add(struct rx_node *parent, const char *name)
{
	struct rx_node *n = rx_node_new(name);

	if (n && adopt(parent, n)) {
		rx_node_free(n);
		return NULL;
	}
	return n;
}

void rx_node_free(struct rx_node *n)
{
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < n->nattr; i++) {
		free(n->attr[i].key);
		free(n->attr[i].val);
	}
	for (i = 0; i < n->nkid; i++)
		rx_node_free(n->kid[i]);
	free(n->attr);
	free(n->kid);
	free(n->name);
	free(n);
}

int rx_node_set(struct rx_node *n, const char *key, const char *val,
		bool is_str)
{
	struct rx_attr *a;

	if (n->nattr == n->acap) {
		unsigned int cap = n->acap ? 2 * n->acap : 8;

		if (cap < n->acap)
			return -1;
		a = realloc(n->attr, (size_t)cap * sizeof(*a));
		if (!a)
			return -1;
		n->attr = a;
		n->acap = cap;
	}
	a = &n->attr[n->nattr];
	a->key = strdup(key);
	a->val = strdup(val);
	a->is_str = is_str;
	if (!a->key || !a->val) {
		free(a->key);
		free(a->val);
		return -1;
	}
	n->nattr++;
	return 0;
}

int rx_node_set_u64(struct rx_node *n, const char *key,
		    unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", v);
	return rx_node_set(n, key, buf, false);
}

int rx_node_set_s64(struct rx_node *n, const char *key, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return rx_node_set(n, key, buf, false);
}

/* Last one wins, so a duplicated attribute cannot hide behind the first. */
const char *rx_node_get(const struct rx_node *n, const char *key)
{
	const char *v = NULL;
	unsigned int i;

	for (i = 0; i < n->nattr; i++)
		if (!strcmp(n->attr[i].key, key))
			v = n->attr[i].val;
	return v;
}

const struct rx_node *rx_node_child(const struct rx_node *n,
				    const char *name)
{
	unsigned int i;

	for (i = 0; i < n->nkid; i++)
		if (!strcmp(n->kid[i]->name, name))
			return n->kid[i];
	return NULL;
}

/*----------------------------------------------------------------
 * Writers
 *--------------------------------------------------------------*/
static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "&#%u;", c);
			else
				fputc(c, f);
		}
	}
}

static void xml_node(FILE *f, const struct rx_node *n, int depth)
{
	unsigned int i;

	fprintf(f, "%*s<%s", depth * 2, "", n->name);
	for (i = 0; i < n->nattr; i++) {
		fprintf(f, " %s=\"", n->attr[i].key);
		xml_escape(f, n->attr[i].val);
		fputc('"', f);
	}
	if (!n->nkid) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	for (i = 0; i < n->nkid; i++)
		xml_node(f, n->kid[i], depth + 1);
	fprintf(f, "%*s</%s>\n", depth * 2, "", n->name);
}

void rx_tree_write_xml(FILE *f, const struct rx_node *root)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	xml_node(f, root, 0);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_object(FILE *f, const struct rx_node *n, int depth);

static void json_indent(FILE *f, int depth)
{
	fprintf(f, "%*s", depth * 2, "");
}

/* Children of one name: a JSON array for list names, else an object. */
static void json_children(FILE *f, const struct rx_node *n, unsigned int i,
			  int depth, bool *first)
{
	const char *name = n->kid[i]->name;
	unsigned int j;
	bool lfirst = true;

	for (j = 0; j < i; j++)
		if (!strcmp(n->kid[j]->name, name))
			return;	/* already written with its first sibling */
	fputs(*first ? "\n" : ",\n", f);
	*first = false;
	json_indent(f, depth);
	json_string(f, name);
	fputs(": ", f);
	if (!is_json_list(name)) {
		json_object(f, n->kid[i], depth);
		return;
	}
	fputs("[", f);
	for (j = i; j < n->nkid; j++) {
		if (strcmp(n->kid[j]->name, name))
			continue;
		fputs(lfirst ? "\n" : ",\n", f);
		lfirst = false;
		json_indent(f, depth + 1);
		json_object(f, n->kid[j], depth + 1);
	}
	fputs("\n", f);
	json_indent(f, depth);
	fputs("]", f);
}

static void json_object(FILE *f, const struct rx_node *n, int depth)
{
	unsigned int i;
	bool first = true;

	fputs("{", f);
	for (i = 0; i < n->nattr; i++) {
		fputs(first ? "\n" : ",\n", f);
		first = false;
		json_indent(f, depth + 1);
		json_string(f, n->attr[i].key);
		fputs(": ", f);
		if (n->attr[i].is_str)
			json_string(f, n->attr[i].val);
		else
			fputs(n->attr[i].val, f);
	}
	for (i = 0; i < n->nkid; i++)
		json_children(f, n, i, depth + 1, &first);
	if (!first) {
		fputs("\n", f);
		json_indent(f, depth);
	}
	fputs("}", f);
}

void rx_tree_write_json(FILE *f, const struct rx_node *root)
{
	struct rx_node top = { .name = "", .kid = (struct rx_node **)&root,
			       .nkid = 1 };

	json_object(f, &top, 0);
	fputs("\n", f);
}

/*----------------------------------------------------------------
 * Parsers
 *--------------------------------------------------------------*/
struct pstate {
	const char *p, *end, *start;
	char *err;
	size_t errlen;
	bool failed;
};

static void perr(struct pstate *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->failed)
		return;
	s->failed = true;
	n = snprintf(s->err, s->errlen, "offset %zu: ",
		     (size_t)(s->p - s->start));
	if (n < 0 || (size_t)n >= s->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(s->err + n, s->errlen - n, fmt, ap);
	va_end(ap);
}

static void skip_ws(struct pstate *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
				 *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool lit(struct pstate *s, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n))
		return false;
	s->p += n;
	return true;
}

/* Growable string */
struct sbuf {
	char *b;
	size_t len, cap;
};

static int sb_put(struct sbuf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *nb = realloc(b->b, cap);

		if (!nb)
			return -1;
		b->b = nb;
		b->cap = cap;
	}
	b->b[b->len++] = c;
	b->b[b->len] = '\0';
	return 0;
}

static int sb_utf8(struct sbuf *b, unsigned int cp)
{
	if (cp < 0x80)
		return sb_put(b, cp);
	if (cp < 0x800)
		return sb_put(b, 0xc0 | (cp >> 6)) ||
		       sb_put(b, 0x80 | (cp & 0x3f));
	return sb_put(b, 0xe0 | (cp >> 12)) ||
	       sb_put(b, 0x80 | ((cp >> 6) & 0x3f)) ||
	       sb_put(b, 0x80 | (cp & 0x3f));
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	       c == ':';
}

static char *xml_name(struct pstate *s)
{
	const char *b = s->p;
	char *r;

	while (s->p < s->end && name_char(*s->p))
		s->p++;
	if (s->p == b) {
		perr(s, "expected a name");
		return NULL;
	}
	r = strndup(b, s->p - b);
	if (!r)
		perr(s, "out of memory");
	return r;
}

static int xml_entity(struct pstate *s, struct sbuf *b)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	unsigned int i, cp = 0, digits = 0;

	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (lit(s, ents[i].e))
			return sb_put(b, ents[i].c);
	if (!lit(s, "&#")) {
		perr(s, "unknown entity");
		return -1;
	}
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && digits < 6) {
		cp = cp * 10 + (*s->p++ - '0');
		digits++;
	}
	if (!digits || cp == 0 || cp > 0xffff || !lit(s, ";")) {
		perr(s, "bad character reference");
		return -1;
	}
	return sb_utf8(b, cp);
}

static char *xml_value(struct pstate *s)
{
	struct sbuf b = { NULL, 0, 0 };
	char q;

	if (s->p >= s->end || (*s->p != '"' && *s->p != '\'')) {
		perr(s, "expected a quoted value");
		return NULL;
	}
	q = *s->p++;
	if (sb_put(&b, 'x'))
		goto oom;
	b.len = 0;
	b.b[0] = '\0';
	while (s->p < s->end && *s->p != q) {
		if (*s->p == '<') {
			perr(s, "'<' in attribute value");
			goto fail;
		}
		if (*s->p == '&') {
			if (xml_entity(s, &b))
				goto fail;
			continue;
		}
		if (sb_put(&b, *s->p++))
			goto oom;
	}
	if (s->p >= s->end) {
		perr(s, "unterminated value");
		goto fail;
	}
	s->p++;
	return b.b;
oom:
	perr(s, "out of memory");
fail:
	free(b.b);
	return NULL;
}

/* Skip the prolog, comments and whitespace between elements. */
static void xml_skip_misc(struct pstate *s)
{
	for (;;) {
		skip_ws(s);
		if (lit(s, "<?")) {
			while (s->p < s->end && !lit(s, "?>"))
				s->p++;
		} else if (lit(s, "<!--")) {
			while (s->p < s->end && !lit(s, "-->"))
				s->p++;
		} else {
			return;
		}
	}
}

static struct rx_node *xml_element(struct pstate *s, int depth);

static int xml_attrs(struct pstate *s, struct rx_node *n)
{
	for (;;) {
		char *k, *v;
		int r;

		skip_ws(s);
		if (s->p >= s->end) {
			perr(s, "unterminated tag");
			return -1;
		}
		if (*s->p == '/' || *s->p == '>')
			return 0;
		k = xml_name(s);
		if (!k)
			return -1;
		skip_ws(s);
		if (!lit(s, "=")) {
			free(k);
			perr(s, "expected '='");
			return -1;
		}
		skip_ws(s);
		v = xml_value(s);
		if (!v) {
			free(k);
			return -1;
		}
		r = rx_node_set(n, k, v, true);
		free(k);
		free(v);
		if (r) {
			perr(s, "out of memory");
			return -1;
		}
	}
}

static int xml_content(struct pstate *s, struct rx_node *n, int depth)
{
	for (;;) {
		struct rx_node *kid;

		xml_skip_misc(s);
		if (s->p >= s->end) {
			perr(s, "missing </%s>", n->name);
			return -1;
		}
		if (lit(s, "</")) {
			char *name = xml_name(s);
			bool ok = name && !strcmp(name, n->name);

			free(name);
			skip_ws(s);
			if (!ok || !lit(s, ">")) {
				perr(s, "mismatched end tag for <%s>",
				     n->name);
				return -1;
			}
			return 0;
		}
		if (*s->p != '<') {
			perr(s, "text content is not allowed");
			return -1;
		}
		kid = xml_element(s, depth + 1);
		if (!kid)
			return -1;
		if (adopt(n, kid)) {
			rx_node_free(kid);
			perr(s, "out of memory");
			return -1;
		}
	}
}

static struct rx_node *xml_element(struct pstate *s, int depth)
{
	struct rx_node *n;
	char *name;

	if (depth > RX_TREE_MAX_DEPTH) {
		perr(s, "nested too deeply");
		return NULL;
	}
	if (!lit(s, "<")) {
		perr(s, "expected '<'");
		return NULL;
	}
	name = xml_name(s);
	if (!name)
		return NULL;
	n = rx_node_new(name);
	free(name);
	if (!n) {
		perr(s, "out of memory");
		return NULL;
	}
	if (xml_attrs(s, n))
		goto fail;
	if (lit(s, "/>"))
		return n;
	if (!lit(s, ">")) {
		perr(s, "expected '>'");
		goto fail;
	}
	if (xml_content(s, n, depth))
		goto fail;
	return n;
fail:
	rx_node_free(n);
	return NULL;
}

struct rx_node *rx_tree_parse_xml(const char *buf, size_t len, char *err,
				  size_t errlen)
{
	struct pstate s = { buf, buf + len, buf, err, errlen, false };
	struct rx_node *root;

	xml_skip_misc(&s);
	root = xml_element(&s, 0);
	if (!root)
		return NULL;
	xml_skip_misc(&s);
	if (s.p != s.end) {
		perr(&s, "trailing data after the root element");
		rx_node_free(root);
		return NULL;
	}
	return root;
}

/*----------------------------------------------------------------*/

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char *json_str(struct pstate *s)
{
	struct sbuf b = { NULL, 0, 0 };

	if (!lit(s, "\"")) {
		perr(s, "expected a string");
		return NULL;
	}
	if (sb_put(&b, 'x'))
		goto oom;
	b.len = 0;
	b.b[0] = '\0';
	while (s->p < s->end && *s->p != '"') {
		unsigned char c = *s->p++;
		unsigned int cp = 0, i;

		if (c < 0x20) {
			perr(s, "control character in string");
			goto fail;
		}
		if (c != '\\') {
			if (sb_put(&b, c))
				goto oom;
			continue;
		}
		if (s->p >= s->end)
			break;
		c = *s->p++;
		switch (c) {
		case '"': case '\\': case '/': cp = c; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			for (i = 0; i < 4; i++) {
				int h = s->p < s->end ? hexval(*s->p) : -1;

				if (h < 0) {
					perr(s, "bad \\u escape");
					goto fail;
				}
				cp = cp * 16 + h;
				s->p++;
			}
			if (!cp) {
				perr(s, "NUL in string");
				goto fail;
			}
			break;
		default:
			perr(s, "bad escape");
			goto fail;
		}
		if (sb_utf8(&b, cp))
			goto oom;
	}
	if (!lit(s, "\"")) {
		perr(s, "unterminated string");
		goto fail;
	}
	return b.b;
oom:
	perr(s, "out of memory");
fail:
	free(b.b);
	return NULL;
}

/* A number, true, false or null, kept as its text. */
static char *json_scalar(struct pstate *s)
{
	const char *b = s->p;
	char *r;

	if (lit(s, "true") || lit(s, "false") || lit(s, "null"))
		return strndup(b, s->p - b);
	if (s->p < s->end && *s->p == '-')
		s->p++;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	if (s->p == b || (s->p == b + 1 && *b == '-')) {
		perr(s, "expected a value");
		return NULL;
	}
	if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E')) {
		perr(s, "only integers are used in a dump");
		return NULL;
	}
	r = strndup(b, s->p - b);
	if (!r)
		perr(s, "out of memory");
	return r;
}

static int json_members(struct pstate *s, struct rx_node *n, int depth);

static int json_child_object(struct pstate *s, struct rx_node *n,
			     const char *name, int depth)
{
	struct rx_node *kid = rx_node_add(n, name);

	if (!kid) {
		perr(s, "out of memory");
		return -1;
	}
	return json_members(s, kid, depth + 1);
}

static int json_array(struct pstate *s, struct rx_node *n, const char *name,
		      int depth)
{
	skip_ws(s);
	if (lit(s, "]"))
		return 0;
	for (;;) {
		skip_ws(s);
		if (json_child_object(s, n, name, depth))
			return -1;
		skip_ws(s);
		if (lit(s, "]"))
			return 0;
		if (!lit(s, ",")) {
			perr(s, "expected ',' or ']'");
			return -1;
		}
	}
}

static int json_member(struct pstate *s, struct rx_node *n, int depth)
{
	char *key, *val;
	int r = -1;

	key = json_str(s);
	if (!key)
		return -1;
	skip_ws(s);
	if (!lit(s, ":")) {
		perr(s, "expected ':'");
		goto out;
	}
	skip_ws(s);
	if (s->p < s->end && *s->p == '{') {
		r = json_child_object(s, n, key, depth);
	} else if (lit(s, "[")) {
		r = json_array(s, n, key, depth);
	} else {
		bool str = s->p < s->end && *s->p == '"';

		val = str ? json_str(s) : json_scalar(s);
		if (val) {
			r = rx_node_set(n, key, val, str);
			if (r)
				perr(s, "out of memory");
		}
		free(val);
	}
out:
	free(key);
	return r;
}

/* Parse "{...}" into @n: scalars become attributes, objects children. */
static int json_members(struct pstate *s, struct rx_node *n, int depth)
{
	if (depth > RX_TREE_MAX_DEPTH) {
		perr(s, "nested too deeply");
		return -1;
	}
	skip_ws(s);
	if (!lit(s, "{")) {
		perr(s, "expected '{'");
		return -1;
	}
	skip_ws(s);
	if (lit(s, "}"))
		return 0;
	for (;;) {
		skip_ws(s);
		if (json_member(s, n, depth))
			return -1;
		skip_ws(s);
		if (lit(s, "}"))
			return 0;
		if (!lit(s, ",")) {
			perr(s, "expected ',' or '}'");
			return -1;
		}
	}
}

struct rx_node *rx_tree_parse_json(const char *buf, size_t len, char *err,
				   size_t errlen)
{
	struct pstate s = { buf, buf + len, buf, err, errlen, false };
	struct rx_node *top = rx_node_new(""), *root = NULL;

	if (!top) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (json_members(&s, top, 0))
		goto out;
	skip_ws(&s);
	if (s.p != s.end) {
		perr(&s, "trailing data after the top-level object");
		goto out;
	}
	if (top->nkid != 1 || top->nattr) {
		perr(&s, "expected exactly one top-level member");
		goto out;
	}
	root = top->kid[0];
	top->nkid = 0;
out:
	rx_node_free(top);
	return root;
}
