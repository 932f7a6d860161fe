// SPDX-License-Identifier: GPL-2.0
/*
 * Counters and rate estimation. The packet path bumps per-CPU counters (the
 * inline helpers in vlb.h), so no cache line is shared between CPUs. The
 * control plane sums them over every possible CPU when asked and subtracts
 * the totals recorded at the last zero: zeroing never writes the per-CPU
 * data, so it needs no synchronisation with the packet path. Rates are
 * estimated as IPVS does, every two seconds, as a moving average with
 * weight 1/4 of the per-second difference, kept in fixed point (<< 10 for
 * connections and packets, << 5 for bytes). Unlike IPVS on 6.1 the
 * estimator runs from a delayed work item per namespace, in process
 * context, so thousands of services never stall softirq.
 */

#include <linux/percpu.h>
#include <linux/sched.h>

#include "vlb.h"

#define EST_INTERVAL	(2 * HZ)

int vlb_stats_init(struct vlb_stats *s)
{
	int cpu;

	memset(s, 0, sizeof(*s));
	INIT_LIST_HEAD(&s->est_list);
	s->cpu = alloc_percpu(struct vlb_cpu_stats);
	if (!s->cpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(s->cpu, cpu)->syncp);
	return 0;
}

void vlb_stats_free(struct vlb_stats *s)
{
	free_percpu(s->cpu);
	s->cpu = NULL;
}

/* Raw totals since creation. */
static void stats_sum(const struct vlb_stats *s, struct vlb_stats_snap *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct vlb_cpu_stats *c = per_cpu_ptr(s->cpu, cpu);
		u64 conns, inpkts, outpkts, inbytes, outbytes;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			conns = u64_stats_read(&c->conns);
			inpkts = u64_stats_read(&c->inpkts);
			outpkts = u64_stats_read(&c->outpkts);
			inbytes = u64_stats_read(&c->inbytes);
			outbytes = u64_stats_read(&c->outbytes);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		sum->conns += conns;
		sum->inpkts += inpkts;
		sum->outpkts += outpkts;
		sum->inbytes += inbytes;
		sum->outbytes += outbytes;
	}
}

/*
 * Totals since the last zero, and rates per second. Caller holds vn->lock,
 * which also serialises the estimator.
 */
void vlb_stats_read(const struct vlb_stats *s, struct vlb_stats_snap *tot,
		    struct vlb_stats_snap *rate)
{
	const struct vlb_stats_snap *r = &s->est_rate;

	stats_sum(s, tot);
	tot->conns -= s->zero_base.conns;
	tot->inpkts -= s->zero_base.inpkts;
	tot->outpkts -= s->zero_base.outpkts;
	tot->inbytes -= s->zero_base.inbytes;
	tot->outbytes -= s->zero_base.outbytes;

	/* Round to nearest when dropping the fixed-point fraction. */
	rate->conns = (r->conns + 0x1ff) >> 10;
	rate->inpkts = (r->inpkts + 0x1ff) >> 10;
	rate->outpkts = (r->outpkts + 0x1ff) >> 10;
	rate->inbytes = (r->inbytes + 0xf) >> 5;
	rate->outbytes = (r->outbytes + 0xf) >> 5;
}

/* Start counting from zero again; the caller holds vn->lock. */
void vlb_stats_zero(struct vlb_stats *s)
{
	stats_sum(s, &s->zero_base);
	s->est_last = s->zero_base;
	memset(&s->est_rate, 0, sizeof(s->est_rate));
}

/*
 * One step of the moving average: avg += (rate - avg) / 4, where rate is
 * the difference over the 2 s interval scaled by 2^shift; the scale absorbs
 * the division by two seconds.
 */
static void est_step(u64 *avg, u64 now, u64 *last, unsigned int shift)
{
	s64 rate = (s64)((now - *last) << shift);

	*last = now;
	*avg = (u64)((s64)*avg + ((rate - (s64)*avg) >> 2));
}

static void est_one(struct vlb_stats *s)
{
	struct vlb_stats_snap now;

	stats_sum(s, &now);
	est_step(&s->est_rate.conns, now.conns, &s->est_last.conns, 9);
	est_step(&s->est_rate.inpkts, now.inpkts, &s->est_last.inpkts, 9);
	est_step(&s->est_rate.outpkts, now.outpkts, &s->est_last.outpkts, 9);
	est_step(&s->est_rate.inbytes, now.inbytes, &s->est_last.inbytes, 4);
	est_step(&s->est_rate.outbytes, now.outbytes, &s->est_last.outbytes, 4);
}

static void est_work(struct work_struct *work)
{
	struct vlb_net *vn = container_of(to_delayed_work(work),
					  struct vlb_net, est_work);
	struct vlb_stats *s;
	unsigned int n = 0;

	mutex_lock(&vn->lock);
	list_for_each_entry(s, &vn->est_list, est_list) {
		est_one(s);
		/* A namespace may hold 100,000 destinations. */
		if (!(++n & 1023))
			cond_resched();
	}
	mutex_unlock(&vn->lock);
	queue_delayed_work(system_long_wq, &vn->est_work, EST_INTERVAL);
}

/* Estimate the rates of @s from now on; the caller holds vn->lock. */
void vlb_est_add(struct vlb_net *vn, struct vlb_stats *s)
{
	stats_sum(s, &s->est_last);
	list_add_tail(&s->est_list, &vn->est_list);
}

void vlb_est_del(struct vlb_stats *s)
{
	list_del_init(&s->est_list);
}

void vlb_est_net_init(struct vlb_net *vn)
{
	INIT_LIST_HEAD(&vn->est_list);
	INIT_DELAYED_WORK(&vn->est_work, est_work);
	vlb_est_add(vn, &vn->tot_stats);
	queue_delayed_work(system_long_wq, &vn->est_work, EST_INTERVAL);
}

/* The work re-arms itself; cancel_delayed_work_sync() copes with that. */
void vlb_est_net_exit(struct vlb_net *vn)
{
	cancel_delayed_work_sync(&vn->est_work);
}
