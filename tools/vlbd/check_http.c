// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP_GET and SSL_GET: for each url of the checker, one connection, an
 * HTTP/1.0 GET (Host from virtualhost or the target address, so plain
 * servers answer as keepalived's probes expect), the whole response read
 * until the server closes, then the status code checked against the url's
 * set (default 200-299) and the MD5 of the body against its digest. SSL_GET
 * is the same over a bufferevent_openssl; like keepalived it does not
 * verify the server's certificate, and it sends SNI when a virtualhost is
 * set. connect_timeout bounds each url's whole exchange. Every url must
 * pass for the attempt to succeed.
 */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vlbd.h"
#include "check.h"

#define MAX_RESPONSE	(4 * 1024 * 1024)

static SSL_CTX *tls_ctx;

int vlbd_tls_init(void)
{
	if (tls_ctx)
		return 0;
	tls_ctx = SSL_CTX_new(TLS_client_method());
	if (!tls_ctx)
		return -1;
	SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* many servers close without close_notify; the body is complete */
	SSL_CTX_set_options(tls_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	return 0;
}

struct http_attempt {
	struct vlbd_attempt a;
	struct bufferevent *bev;
	struct event *timeout;
	int url;
};

static void http_free(struct http_attempt *h)
{
	if (h->bev)
		bufferevent_free(h->bev);
	h->bev = NULL;
	if (h->timeout)
		event_free(h->timeout);
	free(h);
}

static void http_cancel(struct vlbd_attempt *a)
{
	http_free((struct http_attempt *)a);
}

static int next_url(struct http_attempt *h);

static void finish(struct http_attempt *h, int ok, const char *why)
{
	struct vlbd_checker *ck = h->a.ck;

	if (ok && h->url + 1 < ck->nurls) {
		h->url++;
		if (next_url(h) == 0)
			return;
		ok = 0;
		why = "cannot connect";
	}
	http_free(h);
	vlbd_check_done(ck, ok, -1, why);
}

static void md5_hex(const unsigned char *p, size_t len, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(p, len, md, &n, EVP_md5(), NULL);
	for (i = 0; i < n && i < 16; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	out[32] = '\0';
}

/* The whole response is in; judge it. */
static void judge(struct http_attempt *h)
{
	const struct vlbd_url *u = &h->a.ck->urls[h->url];
	struct evbuffer *in = bufferevent_get_input(h->bev);
	size_t len = evbuffer_get_length(in);
	unsigned char *r = evbuffer_pullup(in, -1);
	const unsigned char *body;
	char why[160], hex[33];
	int code;

	if (!len || !r || len < 12 || memcmp(r, "HTTP/1.", 7) || r[8] != ' ' ||
	    r[9] < '1' || r[9] > '5' || r[10] < '0' || r[10] > '9' || r[11] < '0' ||
	    r[11] > '9') {
		snprintf(why, sizeof(why), "%s: not an HTTP response", u->path);
		finish(h, 0, why);
		return;
	}
	code = (r[9] - '0') * 100 + (r[10] - '0') * 10 + (r[11] - '0');
	if (!((u->status[code / 64] >> (code % 64)) & 1)) {
		snprintf(why, sizeof(why), "%s: status %d", u->path, code);
		finish(h, 0, why);
		return;
	}
	if (u->digest[0]) {
		body = memmem(r, len, "\r\n\r\n", 4);
		if (!body) {
			snprintf(why, sizeof(why), "%s: the response has no end of headers",
				 u->path);
			finish(h, 0, why);
			return;
		}
		body += 4;
		md5_hex(body, len - (size_t)(body - r), hex);
		if (strcmp(hex, u->digest)) {
			snprintf(why, sizeof(why), "%s: digest %s, not %s", u->path, hex,
				 u->digest);
			finish(h, 0, why);
			return;
		}
	}
	snprintf(why, sizeof(why), "%s: status %d", u->path, code);
	finish(h, 1, why);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct http_attempt *h = arg;

	if (evbuffer_get_length(bufferevent_get_input(bev)) > MAX_RESPONSE)
		finish(h, 0, "the response is larger than 4 MiB");
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_attempt *h = arg;
	char why[160];

	(void)bev;
	if (what & BEV_EVENT_EOF) {
		judge(h);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		unsigned long e = bufferevent_get_openssl_error(h->bev);
		int err = EVUTIL_SOCKET_ERROR();

		if (e) {
			char buf[120];

			ERR_error_string_n(e, buf, sizeof(buf));
			snprintf(why, sizeof(why), "TLS: %s", buf);
		} else {
			/* the socket's own error: a TLS bufferevent may not keep errno */
			int soerr = 0;
			socklen_t len = sizeof(soerr);

			getsockopt(bufferevent_getfd(h->bev), SOL_SOCKET, SO_ERROR, &soerr, &len);
			if (soerr)
				err = soerr;
			snprintf(why, sizeof(why), "%s", err ? evutil_socket_error_to_string(err) :
				 "the connection failed");
		}
		finish(h, 0, why);
	}
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	finish(arg, 0, "timed out");
}

static int next_url(struct http_attempt *h)
{
	struct vlbd_checker *ck = h->a.ck;
	const struct vlbd_url *u = &ck->urls[h->url];
	const char *host = u->virtualhost ? u->virtualhost : ck->virtualhost;
	struct sockaddr_storage ss;
	char hostbuf[INET6_ADDRSTRLEN + 2];
	struct timeval tv;
	socklen_t len;
	int fd;

	if (h->bev)
		bufferevent_free(h->bev);
	h->bev = NULL;
	fd = vlbd_check_connect(ck);
	if (fd < 0)
		return -1;
	if (ck->type == CHK_SSL) {
		SSL *ssl = SSL_new(tls_ctx);

		if (!ssl) {
			close(fd);
			return -1;
		}
		if (host)
			SSL_set_tlsext_host_name(ssl, host);
		h->bev = bufferevent_openssl_socket_new(vlbd_base, fd, ssl,
							BUFFEREVENT_SSL_CONNECTING,
							BEV_OPT_CLOSE_ON_FREE);
		if (!h->bev)
			SSL_free(ssl);
		else
			bufferevent_openssl_set_allow_dirty_shutdown(h->bev, 1);
	} else {
		h->bev = bufferevent_socket_new(vlbd_base, fd, BEV_OPT_CLOSE_ON_FREE);
	}
	if (!h->bev) {
		close(fd);
		return -1;
	}
	if (!host) {
		char a[INET6_ADDRSTRLEN];

		vlbd_check_target(ck, &ss, &len);
		if (ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
			snprintf(hostbuf, sizeof(hostbuf), "%s", a);
		} else {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof(a));
			snprintf(hostbuf, sizeof(hostbuf), "[%s]", a);
		}
		host = hostbuf;
	}
	bufferevent_setcb(h->bev, read_cb, NULL, event_cb, h);
	bufferevent_enable(h->bev, EV_READ | EV_WRITE);
	evbuffer_add_printf(bufferevent_get_output(h->bev),
			    "GET %s HTTP/1.0\r\nUser-Agent: vlbd/" VLBD_VERSION "\r\n"
			    "Host: %s\r\nConnection: close\r\n\r\n", u->path, host);
	vlbd_timeval(&tv, ck->t.connect_timeout);
	evtimer_add(h->timeout, &tv);
	return 0;
}

int vlbd_http_start(struct vlbd_checker *ck)
{
	struct http_attempt *h = calloc(1, sizeof(*h));

	if (!h)
		return -1;
	h->a.ck = ck;
	h->a.cancel = http_cancel;
	h->timeout = evtimer_new(vlbd_base, timeout_cb, h);
	if (!h->timeout || next_url(h) < 0) {
		http_free(h);
		return -1;
	}
	ck->att = &h->a;
	return 0;
}
