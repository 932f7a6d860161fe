/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the checker kinds share beyond vlbd.h: the non-blocking connect
 * (check_tcp.c) and a seconds-to-timeval helper (check.c).
 */
#ifndef VLBD_CHECK_H
#define VLBD_CHECK_H

#include <sys/time.h>

struct vlbd_checker;
/* A socket with connect() in progress to the checker's target, or -1. */
int vlbd_check_connect(struct vlbd_checker *ck);
void vlbd_timeval(struct timeval *tv, double secs);

#endif
