/* libFuzzer target for the cgroup text parsers: arbitrary bytes as /proc/self/mountinfo
 * (in an exact-size copy with no NUL, so a read past the end is caught) and the same
 * bytes, NUL-terminated, as a cgroup path for the unit and container classifier.
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I. \
 *     -o build/fuzz_cgroup tests/fuzz/fuzz_cgroup.c probe/cgroup.c probe/cgroup_path.c \
 *     probe/err.c
 *   build/fuzz_cgroup -max_total_time=60 tests/fuzz/cgroup_corpus */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ps_cgroup_mount m;
	struct ps_cgroup_info info;
	char *copy = malloc(size ? size : 1);
	char *path = malloc(size + 1);

	if (!copy || !path)
		abort();
	memcpy(copy, data, size);
	if (ps_cgroup_parse_mountinfo(copy, size, &m) == 1 &&
	    (m.path[0] != '/' || !memchr(m.path, 0, sizeof(m.path)) || !m.root[0]))
		__builtin_trap();
	memcpy(path, data, size);
	path[size] = 0;
	if (ps_cgroup_classify(path, &info) && !info.unit[0] && !info.runtime[0])
		__builtin_trap();
	if (info.runtime[0] && !info.id[0])
		__builtin_trap();
	free(copy);
	free(path);
	return 0;
}
