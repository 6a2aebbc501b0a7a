# Sourced by the shell tests and benchmarks that build labs of network namespaces (root).
# Each function says nothing and returns nonzero when a step fails, so that the caller
# chooses between "skip" and "FAIL".
# ns_add NS...: make each namespace, with its loopback up.
# ns_veth NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair from IF1 in NS1 to IF2 in NS2, both
#   ends up, ADDR on each ("198.18.2.1/24", words such as "broadcast 198.18.2.255" may
#   follow; "-" for none).
# ns_del NS...: remove the namespaces that exist (for a cleanup trap).
ns_add() {
	for ns_n in "$@"; do
		ip netns add "$ns_n" 2>/dev/null && ip -n "$ns_n" link set lo up || return 1
	done
}

ns_veth() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" 2>/dev/null || return 1
	# shellcheck disable=SC2086 # an address may carry more words (broadcast ...)
	{ [ "$3" = - ] || ip -n "$1" addr add $3 dev "$2"; } &&
		{ [ "$6" = - ] || ip -n "$4" addr add $6 dev "$5"; } &&
		ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}

ns_del() {
	for ns_n in "$@"; do ip netns del "$ns_n" 2>/dev/null; done
	return 0
}
