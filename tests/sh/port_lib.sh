# Sourced by shell tests: free_port prints a loopback port nothing holds, for TCP and UDP
# alike, taken below the kernel's ephemeral range (net.ipv4.ip_local_port_range) so that
# ports the kernel hands out meanwhile (bind to 0, outgoing connections, self-connects of
# probes) cannot land on it while a test expects it closed.
free_port() {
	python3 -c '
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
lo = lo if lo > 11000 else 65536
for _ in range(500):
    p = random.randrange(10000, lo) if lo < 65536 else 0
    try:
        for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, t)
            s.bind(("127.0.0.1", p))
            p = s.getsockname()[1]
            s.close()
    except OSError:
        continue
    print(p)
    break
'
}
