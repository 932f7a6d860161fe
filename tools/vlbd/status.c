// SPDX-License-Identifier: GPL-2.0
/*
 * The status endpoint, off unless global_defs has `http_status ADDRESS
 * PORT`: an evhttp server on vlbd's loop answering GET /metrics (the
 * Prometheus text format: per real server its state, weight and
 * transitions, per checker its attempts, failures and last latency, per
 * virtual server its quorum), /status (the same as JSON) and /status.txt
 * (for people, and for `vlbd --status`, whose client is here too). It only
 * reads the model, so it cannot disturb the checks; it listens on
 * whatever address it is given, so keep that local or firewalled.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "vlbd.h"
#include "vrrp.h"

unsigned long long vlbd_reloads, vlbd_reload_failures;
double vlbd_started_at;
struct vlbd_conf *vlbd_conf_current;

static struct evhttp *http;
static struct sockaddr_storage http_addr;
static socklen_t http_len;

static const char *const kinds[] = {
	[CHK_TCP] = "TCP_CHECK", [CHK_HTTP] = "HTTP_GET",
	[CHK_SSL] = "SSL_GET", [CHK_MISC] = "MISC_CHECK",
};

static long live_weight(const struct vlbd_vs *vs)
{
	long live = 0;
	int i;

	for (i = 0; i < vs->nrs; i++)
		if (vs->rs[i].up)
			live += vs->rs[i].weight;
	return live;
}

/* The weight the module should hold for @rs now (0 when absent). */
static int cur_weight(const struct vlbd_rs *rs)
{
	int w, present;

	if (!rs->vs->quorum_up && rs->vs->sorry)
		return 0;
	vlbd_rs_weight(rs, &w, &present);
	return present ? w : 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void vrrp_metrics(FILE *f, const struct vlbd_conf *c)
{
	static const int states[] = { VRRP_INIT, VRRP_BACKUP, VRRP_MASTER, VRRP_FAULT };
	int i, k;

	if (!c->nvrrp)
		return;
	fprintf(f, "# HELP vlbd_vrrp_state 1 for the state the instance is in.\n"
		"# TYPE vlbd_vrrp_state gauge\n");
	for (i = 0; i < c->nvrrp; i++)
		for (k = 0; k < 4; k++)
			fprintf(f, "vlbd_vrrp_state{instance=\"%s\",state=\"%s\"} %d\n",
				c->vrrp[i].name, vrrp_state_name(states[k]),
				c->vrrp[i].rt && c->vrrp[i].rt->sm.state == states[k]);
#define EACH_VI(metric, type, help, expr)					\
	fprintf(f, "# HELP vlbd_vrrp_" metric " " help "\n# TYPE vlbd_vrrp_" metric " " type "\n"); \
	for (i = 0; i < c->nvrrp; i++) {					\
		const struct vlbd_vrrp_rt *rt = c->vrrp[i].rt;			\
		if (rt)								\
			fprintf(f, "vlbd_vrrp_" metric "{instance=\"%s\"} %llu\n", \
				c->vrrp[i].name, (unsigned long long)(expr));	\
	}
	EACH_VI("priority", "gauge", "The effective priority, trackers applied.", rt->sm.prio)
	EACH_VI("transitions_total", "counter", "State changes.", rt->sm.transitions)
	EACH_VI("became_master_total", "counter", "Times it became master.", rt->sm.to_master)
	EACH_VI("adverts_sent_total", "counter", "Adverts sent.", rt->sm.tx)
	EACH_VI("adverts_received_total", "counter", "Adverts accepted for its VRID.", rt->sm.rx)
	EACH_VI("priority0_sent_total", "counter", "Priority-0 adverts sent.", rt->sm.tx_prio0)
	EACH_VI("priority0_received_total", "counter", "Priority-0 adverts received.",
		rt->sm.rx_prio0)
	EACH_VI("adverts_dropped_total", "counter", "Adverts dropped (checksum, TTL, interval).",
		rt->rx_bad)
	EACH_VI("address_list_mismatches_total", "counter",
		"Adverts accepted whose address list differs from ours.", rt->addr_mismatch)
#undef EACH_VI
}

static void vrrp_json(FILE *f, const struct vlbd_conf *c)
{
	double now = vlbd_now();
	int i;

	fprintf(f, ",\"vrrp_instances\":[");
	for (i = 0; i < c->nvrrp; i++) {
		const struct vlbd_vrrp *v = &c->vrrp[i];
		const struct vlbd_vrrp_rt *rt = v->rt;

		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_str(f, v->name);
		fprintf(f, ",\"interface\":");
		json_str(f, v->ifname);
		fprintf(f, ",\"vrid\":%d,\"version\":%d,\"base_priority\":%d", v->vrid,
			v->version, v->priority);
		if (rt) {
			fprintf(f, ",\"state\":\"%s\",\"priority\":%d,\"state_seconds\":%.3f,"
				"\"transitions\":%llu,\"became_master\":%llu,\"adverts_sent\":%llu,"
				"\"adverts_received\":%llu,\"priority0_sent\":%llu,"
				"\"priority0_received\":%llu,\"adverts_dropped\":%llu,"
				"\"address_list_mismatches\":%llu,\"holding_addresses\":%s,"
				"\"fault\":",
				vrrp_state_name(rt->sm.state), rt->sm.prio, now - rt->state_since,
				rt->sm.transitions, rt->sm.to_master, rt->sm.tx, rt->sm.rx,
				rt->sm.tx_prio0, rt->sm.rx_prio0, rt->rx_bad, rt->addr_mismatch,
				rt->holding ? "true" : "false");
			json_str(f, rt->own_fault ? rt->fault_why : "");
			fprintf(f, ",\"last_dropped\":");
			json_str(f, rt->last_bad);
		}
		fputc('}', f);
	}
	fputc(']', f);
}

static void vrrp_text(FILE *f, const struct vlbd_conf *c)
{
	int i;

	for (i = 0; i < c->nvrrp; i++) {
		const struct vlbd_vrrp *v = &c->vrrp[i];
		const struct vlbd_vrrp_rt *rt = v->rt;

		if (!rt)
			continue;
		fprintf(f, "vrrp_instance %s: %s for %.1f s, priority %d/%d, vrid %d on %s v%d, "
			"%llu transition%s, adverts %llu sent %llu received %llu dropped%s%s\n",
			v->name, vrrp_state_name(rt->sm.state), vlbd_now() - rt->state_since,
			rt->sm.prio, v->priority, v->vrid, v->ifname, v->version,
			rt->sm.transitions, rt->sm.transitions == 1 ? "" : "s", rt->sm.tx,
			rt->sm.rx, rt->rx_bad, rt->own_fault ? "; fault: " : "",
			rt->own_fault ? rt->fault_why : "");
	}
}

static void metrics(FILE *f, const struct vlbd_conf *c)
{
	char vs[160], rs[64];
	int i, j, k;

	fprintf(f, "# HELP vlbd_up 1 while vlbd runs.\n# TYPE vlbd_up gauge\nvlbd_up 1\n");
	fprintf(f, "# TYPE vlbd_start_time_seconds gauge\nvlbd_start_time_seconds %.0f\n",
		vlbd_started_at);
	fprintf(f, "# TYPE vlbd_reloads_total counter\nvlbd_reloads_total %llu\n", vlbd_reloads);
	fprintf(f, "# TYPE vlbd_reload_failures_total counter\nvlbd_reload_failures_total %llu\n",
		vlbd_reload_failures);
	vrrp_metrics(f, c);
	fprintf(f, "# HELP vlbd_virtual_server_quorum 1 when the live weight meets the quorum.\n"
		"# TYPE vlbd_virtual_server_quorum gauge\n");
	for (i = 0; i < c->nvs; i++) {
		vlbd_vs_name(&c->vs[i], vs, sizeof(vs));
		fprintf(f, "vlbd_virtual_server_quorum{vs=\"%s\"} %d\n", vs, c->vs[i].quorum_up);
	}
	fprintf(f, "# TYPE vlbd_virtual_server_live_weight gauge\n");
	for (i = 0; i < c->nvs; i++) {
		vlbd_vs_name(&c->vs[i], vs, sizeof(vs));
		fprintf(f, "vlbd_virtual_server_live_weight{vs=\"%s\"} %ld\n", vs,
			live_weight(&c->vs[i]));
	}
#define EACH_RS(body)							\
	for (i = 0; i < c->nvs; i++)					\
		for (j = 0; j < c->vs[i].nrs; j++) {			\
			const struct vlbd_rs *r = &c->vs[i].rs[j];	\
			vlbd_vs_name(&c->vs[i], vs, sizeof(vs));	\
			vlbd_rs_name(r, rs, sizeof(rs));		\
			body						\
		}
	fprintf(f, "# HELP vlbd_real_server_up 1 when every check of the server passes.\n"
		"# TYPE vlbd_real_server_up gauge\n");
	EACH_RS(fprintf(f, "vlbd_real_server_up{vs=\"%s\",rs=\"%s\"} %d\n", vs, rs, r->up);)
	fprintf(f, "# HELP vlbd_real_server_weight The weight vlbd gives the module (0: absent or "
		"inhibited).\n# TYPE vlbd_real_server_weight gauge\n");
	EACH_RS(fprintf(f, "vlbd_real_server_weight{vs=\"%s\",rs=\"%s\"} %d\n", vs, rs,
			cur_weight(r));)
	fprintf(f, "# TYPE vlbd_real_server_transitions_total counter\n");
	EACH_RS(fprintf(f, "vlbd_real_server_transitions_total{vs=\"%s\",rs=\"%s\"} %d\n", vs, rs,
			r->transitions);)
	fprintf(f, "# TYPE vlbd_check_attempts_total counter\n");
	EACH_RS(for (k = 0; k < r->nchecks; k++)
			fprintf(f, "vlbd_check_attempts_total{vs=\"%s\",rs=\"%s\",check=\"%s\","
				"n=\"%d\"} %llu\n", vs, rs, kinds[r->checks[k].type], k,
				r->checks[k].nchecks);)
	fprintf(f, "# TYPE vlbd_check_failures_total counter\n");
	EACH_RS(for (k = 0; k < r->nchecks; k++)
			fprintf(f, "vlbd_check_failures_total{vs=\"%s\",rs=\"%s\",check=\"%s\","
				"n=\"%d\"} %llu\n", vs, rs, kinds[r->checks[k].type], k,
				r->checks[k].nfails);)
	fprintf(f, "# TYPE vlbd_check_up gauge\n");
	EACH_RS(for (k = 0; k < r->nchecks; k++)
			fprintf(f, "vlbd_check_up{vs=\"%s\",rs=\"%s\",check=\"%s\",n=\"%d\"} %d\n",
				vs, rs, kinds[r->checks[k].type], k, r->checks[k].up);)
	fprintf(f, "# HELP vlbd_check_latency_seconds How long the last attempt took.\n"
		"# TYPE vlbd_check_latency_seconds gauge\n");
	EACH_RS(for (k = 0; k < r->nchecks; k++)
			fprintf(f, "vlbd_check_latency_seconds{vs=\"%s\",rs=\"%s\",check=\"%s\","
				"n=\"%d\"} %.6f\n", vs, rs, kinds[r->checks[k].type], k,
				r->checks[k].last_latency);)
#undef EACH_RS
}

static void json(FILE *f, const struct vlbd_conf *c)
{
	char vs[160], rs[64];
	int i, j, k;

	fprintf(f, "{\"version\":\"" VLBD_VERSION "\",\"router_id\":");
	json_str(f, c->router_id ? c->router_id : "");
	fprintf(f, ",\"start_time\":%.0f,\"reloads\":%llu,\"reload_failures\":%llu,"
		"\"virtual_servers\":[", vlbd_started_at, vlbd_reloads, vlbd_reload_failures);
	for (i = 0; i < c->nvs; i++) {
		const struct vlbd_vs *v = &c->vs[i];

		vlbd_vs_name(v, vs, sizeof(vs));
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_str(f, vs);
		fprintf(f, ",\"quorum\":%d,\"quorum_up\":%s,\"live_weight\":%ld,\"sorry_server\":",
			v->quorum, v->quorum_up ? "true" : "false", live_weight(v));
		if (v->sorry) {
			vlbd_rs_name(v->sorry, rs, sizeof(rs));
			fprintf(f, "{\"address\":");
			json_str(f, rs);
			fprintf(f, ",\"active\":%s}", !v->quorum_up ? "true" : "false");
		} else {
			fprintf(f, "null");
		}
		fprintf(f, ",\"real_servers\":[");
		for (j = 0; j < v->nrs; j++) {
			const struct vlbd_rs *r = &v->rs[j];

			vlbd_rs_name(r, rs, sizeof(rs));
			fprintf(f, "%s{\"address\":", j ? "," : "");
			json_str(f, rs);
			fprintf(f, ",\"up\":%s,\"weight\":%d,\"configured_weight\":%d,"
				"\"transitions\":%d,\"checks\":[", r->up ? "true" : "false",
				cur_weight(r), r->weight, r->transitions);
			for (k = 0; k < r->nchecks; k++) {
				const struct vlbd_checker *ck = &r->checks[k];

				fprintf(f, "%s{\"type\":\"%s\",\"up\":%s,\"attempts\":%llu,"
					"\"failures\":%llu,\"consecutive_failures\":%d,"
					"\"consecutive_successes\":%d,\"last_ok\":%s,"
					"\"last_latency\":%.6f,\"last_result\":", k ? "," : "",
					kinds[ck->type], ck->up ? "true" : "false", ck->nchecks,
					ck->nfails, ck->fails, ck->oks,
					ck->last_ok ? "true" : "false", ck->last_latency);
				json_str(f, ck->last_why);
				fputc('}', f);
			}
			fprintf(f, "]}");
		}
		fprintf(f, "]}");
	}
	fputc(']', f);
	vrrp_json(f, c);
	fprintf(f, "}\n");
}

void vlbd_status_text(FILE *f, const struct vlbd_conf *c)
{
	char vs[160], rs[64];
	int i, j, k;

	fprintf(f, "vlbd " VLBD_VERSION ", router_id %s, running %.0f s, %llu reload%s "
		"(%llu refused)\n", c->router_id ? c->router_id : "-",
		(double)time(NULL) - vlbd_started_at, vlbd_reloads, vlbd_reloads == 1 ? "" : "s",
		vlbd_reload_failures);
	vrrp_text(f, c);
	for (i = 0; i < c->nvs; i++) {
		const struct vlbd_vs *v = &c->vs[i];

		vlbd_vs_name(v, vs, sizeof(vs));
		fprintf(f, "%s: quorum %s (live weight %ld, quorum %d)", vs,
			v->quorum_up ? "up" : "lost", live_weight(v), v->quorum);
		if (v->sorry) {
			vlbd_rs_name(v->sorry, rs, sizeof(rs));
			fprintf(f, ", sorry server %s%s", rs, v->quorum_up ? "" : " in use");
		}
		fputc('\n', f);
		for (j = 0; j < v->nrs; j++) {
			const struct vlbd_rs *r = &v->rs[j];

			vlbd_rs_name(r, rs, sizeof(rs));
			fprintf(f, "  %-24s %-4s weight %d/%d, %d transition%s\n", rs,
				r->up ? "up" : "DOWN", cur_weight(r), r->weight, r->transitions,
				r->transitions == 1 ? "" : "s");
			for (k = 0; k < r->nchecks; k++) {
				const struct vlbd_checker *ck = &r->checks[k];

				fprintf(f, "    %-10s %-4s %llu attempts, %llu failed; last: %s "
					"(%.1f ms)\n", kinds[ck->type], ck->up ? "up" : "DOWN",
					ck->nchecks, ck->nfails,
					ck->nchecks ? ck->last_why : "not yet run",
					ck->last_latency * 1000);
			}
		}
	}
}

static void reply(struct evhttp_request *req, const char *type,
		  void (*render)(FILE *, const struct vlbd_conf *))
{
	struct evbuffer *out;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "only GET");
		return;
	}
	f = open_memstream(&text, &len);
	if (!f || !vlbd_conf_current) {
		if (f)
			fclose(f);
		free(text);
		evhttp_send_error(req, 500, "no memory");
		return;
	}
	render(f, vlbd_conf_current);
	fclose(f);
	out = evbuffer_new();
	if (!out) {
		free(text);
		evhttp_send_error(req, 500, "no memory");
		return;
	}
	evbuffer_add(out, text, len);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

static void metrics_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	reply(req, "text/plain; version=0.0.4", metrics);
}

static void json_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	reply(req, "application/json", json);
}

static void text_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	reply(req, "text/plain", vlbd_status_text);
}

static void other_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, 404, "try /metrics, /status or /status.txt");
}

void vlbd_status_stop(void)
{
	if (http)
		evhttp_free(http);
	http = NULL;
	http_len = 0;
}

static void addr_str(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN], p[8];

	getnameinfo((const struct sockaddr *)ss, len, a, sizeof(a), p, sizeof(p),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(buf, n, ss->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", a, p);
}

int vlbd_status_apply(struct vlbd_conf *c)
{
	struct evhttp *n;
	char name[80];
	int fd, one = 1;

	if (!c->http_set) {
		if (http)
			vlbd_log(LOG_NOTICE, "status endpoint closed");
		vlbd_status_stop();
		return 0;
	}
	if (http && http_len == c->http_len && !memcmp(&http_addr, &c->http_addr, http_len))
		return 0;
	addr_str(&c->http_addr, c->http_len, name, sizeof(name));
	fd = socket(c->http_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&c->http_addr, c->http_len) < 0 || listen(fd, 64) < 0) {
		close(fd);
		goto fail;
	}
	n = evhttp_new(vlbd_base);
	if (!n || evhttp_accept_socket(n, fd) < 0) {
		if (n)
			evhttp_free(n);
		close(fd);
		errno = ENOMEM;
		goto fail;
	}
	evhttp_set_allowed_methods(n, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(n, 10);
	evhttp_set_cb(n, "/metrics", metrics_cb, NULL);
	evhttp_set_cb(n, "/status", json_cb, NULL);
	evhttp_set_cb(n, "/status.txt", text_cb, NULL);
	evhttp_set_gencb(n, other_cb, NULL);
	vlbd_status_stop();
	http = n;
	memcpy(&http_addr, &c->http_addr, c->http_len);
	http_len = c->http_len;
	vlbd_log(LOG_NOTICE, "status endpoint on http://%s/ (/metrics, /status, /status.txt)",
		 name);
	return 0;
fail:
	vlbd_log(LOG_ERR, "http_status %s: %s%s", name, strerror(errno),
		 http ? "; the previous endpoint stays" : "");
	return -1;
}

/* vlbd --status: a blocking HTTP/1.0 GET, for a command line tool. */
int vlbd_status_client(const struct vlbd_conf *c)
{
	struct timeval tv = { 5, 0 };
	char name[80], buf[65536];
	size_t len = 0;
	ssize_t r;
	char *body;
	int fd;

	if (!c->http_set) {
		fprintf(stderr, "vlbd: %s has no http_status in global_defs: the status endpoint "
			"is off\n", c->path);
		return 1;
	}
	addr_str(&c->http_addr, c->http_len, name, sizeof(name));
	fd = socket(c->http_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&c->http_addr, c->http_len) < 0) {
		fprintf(stderr, "vlbd: cannot reach the status endpoint at %s: %s (is vlbd "
			"running?)\n", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	static const char req[] = "GET /status.txt HTTP/1.0\r\nConnection: close\r\n\r\n";
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		fprintf(stderr, "vlbd: %s: %s\n", name, strerror(errno));
		close(fd);
		return 1;
	}
	while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) || strncmp(buf + 9, "200", 3) || !body) {
		fprintf(stderr, "vlbd: %s did not answer as vlbd does\n", name);
		return 1;
	}
	fputs(body + 4, stdout);
	return 0;
}
