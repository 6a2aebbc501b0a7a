/* Per-host round trips for adaptive TCP timeouts (see probe/rttcache.h). */
#include <string.h>

#include "probe/rttcache.h"

/* The address bytes of a, and their length (0 for another family). */
static size_t key_of(const union ps_sockaddr *a, const uint8_t **k)
{
	if (a->sa.sa_family == AF_INET) {
		*k = (const uint8_t *)&a->v4.sin_addr;
		return 4;
	}
	if (a->sa.sa_family == AF_INET6) {
		*k = (const uint8_t *)&a->v6.sin6_addr;
		return 16;
	}
	return 0;
}

/* FNV-1a over the address bytes. */
static uint32_t slot_of(const uint8_t *k, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return (h ^ (h >> 15)) & (PS_RTTCACHE_SLOTS - 1);
}

static const struct ps_rtt_entry *find(const struct ps_rttcache *c, const union ps_sockaddr *a)
{
	const uint8_t *k;
	size_t n = key_of(a, &k);
	const struct ps_rtt_entry *e;

	if (!n)
		return NULL;
	e = &c->e[slot_of(k, n)];
	if (e->family != a->sa.sa_family || memcmp(e->addr, k, n) != 0)
		return NULL;
	return e;
}

bool ps_rttcache_sample(struct ps_rttcache *c, const union ps_sockaddr *a, double rtt_ms)
{
	const uint8_t *k;
	size_t n = key_of(a, &k);
	struct ps_rtt_entry *e;
	float r = (float)rtt_ms;

	if (!n || rtt_ms < 0)
		return false;
	e = &c->e[slot_of(k, n)];
	if (e->family != a->sa.sa_family || memcmp(e->addr, k, n) != 0) {
		memset(e, 0, sizeof(*e));
		memcpy(e->addr, k, n);
		e->family = (uint8_t)a->sa.sa_family;
		e->srtt = r;
		e->rttvar = r / 2;
		return true;
	}
	e->rttvar = 0.75f * e->rttvar + 0.25f * (e->srtt > r ? e->srtt - r : r - e->srtt);
	e->srtt = 0.875f * e->srtt + 0.125f * r;
	return false;
}

double ps_rttcache_wait(const struct ps_rttcache *c, const union ps_sockaddr *a, int attempt,
			double min_ms, double max_ms)
{
	const struct ps_rtt_entry *e = find(c, a);
	double w;

	if (!e)
		return max_ms;
	w = (double)e->srtt + 4 * (double)e->rttvar;
	if (w < min_ms)
		w = min_ms;
	for (int i = 1; i < attempt && w < max_ms; i++)
		w *= 2;
	return w < max_ms ? w : max_ms;
}
