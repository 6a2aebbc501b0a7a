/* Per-source token buckets in a small set-associative table: a source hashes to a set of
 * four slots; a new source takes a free slot or the one idle longest. */
#include <netinet/in.h>
#include <string.h>

#include "probe/srclimit.h"

#define WAYS 4

void ps_srclimit_init(struct ps_srclimit *l, double rate, double now)
{
	memset(l->slot, 0, sizeof(l->slot));
	l->rate = rate;
	l->burst = rate * 2 < 1 ? 1 : rate * 2;
	ps_tbucket_init(&l->global, rate * 10, l->burst * 10, now);
}

static void key_of(const struct sockaddr_storage *ss, unsigned char key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	} else {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	}
}

static unsigned hash_of(const unsigned char key[16])
{
	unsigned h = 2166136261u;	/* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

static struct ps_srclimit_slot *slot_for(struct ps_srclimit *l, const unsigned char key[16],
					 double now)
{
	struct ps_srclimit_slot *set = &l->slot[(size_t)(hash_of(key) % (PS_SRCLIMIT_SLOTS / WAYS)) * WAYS];
	struct ps_srclimit_slot *pick = &set[0];

	for (int i = 0; i < WAYS; i++) {
		if (set[i].used && memcmp(set[i].addr, key, 16) == 0)
			return &set[i];
		if (!set[i].used)
			pick = pick->used ? &set[i] : pick;
		else if (pick->used && set[i].b.last < pick->b.last)
			pick = &set[i];
	}
	memcpy(pick->addr, key, 16);
	pick->used = true;
	ps_tbucket_init(&pick->b, l->rate, l->burst, now);
	return pick;
}

bool ps_srclimit_take(struct ps_srclimit *l, const struct sockaddr_storage *src, double now)
{
	unsigned char key[16];
	struct ps_srclimit_slot *s;

	if (l->rate <= 0)
		return true;
	key_of(src, key);
	s = slot_for(l, key, now);
	if (!ps_tbucket_take(&s->b, now))
		return false;
	if (!ps_tbucket_take(&l->global, now)) {
		s->b.tokens += 1;	/* not this source's fault */
		return false;
	}
	return true;
}
