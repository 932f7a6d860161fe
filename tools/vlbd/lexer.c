// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration lexer: keepalived.conf's tokens. Words are separated
 * by blanks, "{" and "}" are tokens of their own, "#" and "!" start a
 * comment anywhere outside quotes, '...' and "..." make one word (with
 * backslash escapes inside double quotes), and the end of a line is a
 * token because a statement ends there. `include PATTERN...` as the first
 * word of a line is done here, so the parser sees one stream in which
 * every token still knows its file and line: relative patterns are taken
 * from the including file's directory, a pattern without wildcards must
 * name a file (unlike keepalived's plain include, which shrugs), and a
 * wildcard that matches nothing is fine, which is what conf.d/ wants.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "vlbd.h"

#define MAX_INCLUDE_DEPTH 8

static int push(struct vlbd_toklist *tl, enum vlbd_tok_type type, char *text,
		const char *file, int line)
{
	if (tl->n == tl->cap) {
		int cap = tl->cap ? 2 * tl->cap : 256;
		struct vlbd_tok *n = realloc(tl->t, (size_t)cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		tl->t = n;
		tl->cap = cap;
	}
	tl->t[tl->n++] = (struct vlbd_tok){ type, text, file, line };
	return 0;
}

static const char *keep_name(struct vlbd_toklist *tl, const char *path)
{
	char **n = realloc(tl->files, (size_t)(tl->nfiles + 1) * sizeof(*n));

	if (!n)
		return NULL;
	tl->files = n;
	n[tl->nfiles] = strdup(path);
	return n[tl->nfiles] ? n[tl->nfiles++] : NULL;
}

static char *read_all(const char *path, int *err)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, r;

	if (!f) {
		*err = errno;
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			char *n = realloc(buf, cap + 65536);

			if (!n) {
				free(buf);
				fclose(f);
				*err = ENOMEM;
				return NULL;
			}
			buf = n;
			cap += 65536;
		}
		r = fread(buf + len, 1, cap - len - 1, f);
		len += r;
	} while (r > 0);
	if (ferror(f)) {
		*err = errno ? errno : EIO;
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		*err = EILSEQ;
		free(buf);
		return NULL;
	}
	return buf;
}

static int lex_one(struct vlbd_toklist *tl, const char *path, struct vlbd_errs *e,
		   int depth, const char *from_file, int from_line);

static int do_include(struct vlbd_toklist *tl, const char *file, int line,
		      char **pats, int npats, struct vlbd_errs *e, int depth)
{
	char *dup = strdup(file), *dir;
	int i, rc = 0;

	if (!dup)
		return -ENOMEM;
	dir = dirname(dup);
	if (!npats)
		vlbd_conf_err(e, file, line, "include needs a file name or pattern");
	for (i = 0; i < npats; i++) {
		char pat[4096];
		glob_t g;
		size_t j;
		int wild = strpbrk(pats[i], "*?[") != NULL, r;

		if (pats[i][0] == '/')
			snprintf(pat, sizeof(pat), "%s", pats[i]);
		else
			snprintf(pat, sizeof(pat), "%s/%s", dir, pats[i]);
		r = glob(pat, GLOB_ERR | GLOB_BRACE, NULL, &g);
		if (r == GLOB_NOMATCH) {
			if (!wild)
				vlbd_conf_err(e, file, line, "include %s: %s", pats[i],
					      strerror(ENOENT));
			continue;
		}
		if (r) {
			vlbd_conf_err(e, file, line, "include %s: cannot read the directory",
				      pats[i]);
			continue;
		}
		for (j = 0; j < g.gl_pathc && !rc; j++)
			rc = lex_one(tl, g.gl_pathv[j], e, depth + 1, file, line);
		globfree(&g);
	}
	free(dup);
	return rc;
}

static int lex_one(struct vlbd_toklist *tl, const char *path, struct vlbd_errs *e,
		   int depth, const char *from_file, int from_line)
{
	const char *file;
	char *buf, *p, *w;
	int line = 1, err = 0, rc = 0, at_bol = 1;
	int inc_start = -1, inc_line = 0;

	if (depth > MAX_INCLUDE_DEPTH) {
		vlbd_conf_err(e, from_file, from_line,
			      "include %s: nested more than %d deep (a loop?)", path,
			      MAX_INCLUDE_DEPTH);
		return 0;
	}
	buf = read_all(path, &err);
	if (!buf) {
		if (err == ENOMEM)
			return -ENOMEM;
		if (err == EILSEQ)
			vlbd_conf_err(e, path, 1, "the file holds a NUL byte");
		else if (from_file)
			vlbd_conf_err(e, from_file, from_line, "include %s: %s", path,
				      strerror(err));
		else
			vlbd_conf_err(e, path, 0, "%s", strerror(err));
		return 0;
	}
	file = keep_name(tl, path);
	if (!file) {
		free(buf);
		return -ENOMEM;
	}
	p = buf;
	for (;;) {
		char c = *p;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			p++;
			continue;
		}
		if (c == '#' || c == '!') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (c == '\n' || c == '\0') {
			if (inc_start >= 0) {
				int n = tl->n - inc_start, i;
				char **pats = malloc((size_t)(n ? n : 1) * sizeof(*pats));

				if (!pats) {
					rc = -ENOMEM;
					break;
				}
				for (i = 0; i < n; i++)
					pats[i] = tl->t[inc_start + i].text;
				tl->n = inc_start;
				rc = do_include(tl, file, inc_line, pats, n, e, depth);
				for (i = 0; i < n; i++)
					free(pats[i]);
				free(pats);
				inc_start = -1;
				if (rc)
					break;
			} else if (!at_bol) {
				rc = push(tl, TOK_EOL, NULL, file, line);
				if (rc)
					break;
			}
			at_bol = 1;
			if (c == '\0')
				break;
			p++;
			line++;
			continue;
		}
		if (c == '{' || c == '}') {
			if (inc_start >= 0) {
				vlbd_conf_err(e, file, line, "include takes file names, not a block");
				p++;
				continue;
			}
			rc = push(tl, c == '{' ? TOK_OPEN : TOK_CLOSE, NULL, file, line);
			if (rc)
				break;
			at_bol = 0;
			p++;
			continue;
		}
		/* A word, possibly with quoted parts ("a"b is one word, ab). */
		w = malloc(strlen(p) + 1);
		if (!w) {
			rc = -ENOMEM;
			break;
		}
		{
			size_t n = 0;
			int start_line = line, bad = 0;

			while (*p && !strchr(" \t\r\f\v\n{}#!", *p)) {
				char q = *p;

				if (q != '"' && q != '\'') {
					w[n++] = *p++;
					continue;
				}
				p++;
				while (*p && *p != q) {
					if (*p == '\n') {
						bad = 1;
						break;
					}
					if (q == '"' && *p == '\\' && p[1] && p[1] != '\n') {
						p++;
						w[n++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
						p++;
						continue;
					}
					w[n++] = *p++;
				}
				if (*p != q) {
					bad = 1;
					break;
				}
				p++;
			}
			w[n] = '\0';
			/* keep what was read, so one mistake makes one error */
			if (bad)
				vlbd_conf_err(e, file, start_line, "unterminated quoted string");
			if (at_bol && !strcmp(w, "include")) {
				free(w);
				inc_start = tl->n;
				inc_line = line;
				at_bol = 0;
				continue;
			}
			rc = push(tl, TOK_WORD, w, file, start_line);
			if (rc) {
				free(w);
				break;
			}
			at_bol = 0;
		}
	}
	free(buf);
	return rc;
}

int vlbd_lex_file(struct vlbd_toklist *tl, const char *path, struct vlbd_errs *e)
{
	int rc = lex_one(tl, path, e, 0, NULL, 0);
	const char *last = tl->nfiles ? tl->files[0] : path;

	if (rc)
		return rc;
	return push(tl, TOK_EOF, NULL, tl->n ? tl->t[tl->n - 1].file : last,
		    tl->n ? tl->t[tl->n - 1].line : 0);
}

void vlbd_toklist_free(struct vlbd_toklist *tl)
{
	int i;

	for (i = 0; i < tl->n; i++)
		free(tl->t[i].text);
	free(tl->t);
	for (i = 0; i < tl->nfiles; i++)
		free(tl->files[i]);
	free(tl->files);
	memset(tl, 0, sizeof(*tl));
}

char **vlbd_split_args(const char *s, int *argc)
{
	size_t len = strlen(s);
	char **argv = calloc(len / 2 + 2, sizeof(*argv));
	char *w;
	int n = 0;

	if (!argv)
		return NULL;
	while (*s) {
		size_t k = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		w = malloc(len + 1);
		if (!w)
			goto fail;
		while (*s && *s != ' ' && *s != '\t') {
			char q = *s;

			if (q == '"' || q == '\'') {
				s++;
				while (*s && *s != q) {
					if (q == '"' && *s == '\\' && s[1])
						s++;
					w[k++] = *s++;
				}
				if (*s)
					s++;
			} else if (q == '\\' && s[1]) {
				s++;
				w[k++] = *s++;
			} else {
				w[k++] = *s++;
			}
		}
		w[k] = '\0';
		argv[n++] = w;
	}
	*argc = n;
	return argv;
fail:
	while (n--)
		free(argv[n]);
	free(argv);
	return NULL;
}
