# bash completion for portscope: generated from the option tables in cmd/ by
# tools/gen-docs.c (make docs); do not edit.
_portscope()
{
	local cur prev words cword opts
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "list check scan serve broadcast audit addrs watch exporter --version --help" -- "$cur"))
		return
	fi
	case ${words[1]} in
	list)
		case $prev in
		--state) COMPREPLY=($(compgen -W "listen established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait close close-wait last-ack closing unconn" -- "$cur")); return ;;
		--reachable-on) COMPREPLY=(); return ;;
		--port) COMPREPLY=(); return ;;
		--class) COMPREPLY=($(compgen -W "well-known registered dynamic" -- "$cur")); return ;;
		--exposure) COMPREPLY=($(compgen -W "loopback all specific" -- "$cur")); return ;;
		--unit) COMPREPLY=(); return ;;
		--container) COMPREPLY=(); return ;;
		--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson prom" -- "$cur")); return ;;
		esac
		opts="-a --all --state --nat --reachable-on -t --tcp -u --udp -4 --ipv4 -6 --ipv6 --port --class --exposure --unit --container --netns --all-netns -n --numeric -p --processes -P --no-processes -o --output -j --json --ndjson -h --help" ;;
	check)
		case $prev in
		--targets-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--timeout) COMPREPLY=(); return ;;
		--retries) COMPREPLY=(); return ;;
		--max-time) COMPREPLY=(); return ;;
		--source) COMPREPLY=(); return ;;
		--concurrency) COMPREPLY=(); return ;;
		--rate) COMPREPLY=(); return ;;
		--send) COMPREPLY=(); return ;;
		--expect) COMPREPLY=(); return ;;
		--payload) COMPREPLY=(); return ;;
		--payload-hex) COMPREPLY=(); return ;;
		--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
		--sni) COMPREPLY=(); return ;;
		--alpn) COMPREPLY=(); return ;;
		--ca) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--starttls) COMPREPLY=($(compgen -W "smtp imap pop3 ftp postgres xmpp" -- "$cur")); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson prom nagios" -- "$cur")); return ;;
		-w|--warning) COMPREPLY=(); return ;;
		-c|--critical) COMPREPLY=(); return ;;
		--cert-days) COMPREPLY=(); return ;;
		esac
		opts="--targets-file --timeout --retries --max-time --source --concurrency --rate --send --expect --banner --payload --payload-hex -4 --ipv4 -6 --ipv6 --netns --tls --sni --alpn --ca --insecure --starttls -o --output -j --json --ndjson -h --help -w --warning -c --critical --cert-days" ;;
	scan)
		case $prev in
		-p|--ports) COMPREPLY=(); return ;;
		--targets-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--exclude) COMPREPLY=(); return ;;
		--exclude-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--seed) COMPREPLY=(); return ;;
		--shard) COMPREPLY=(); return ;;
		--discover-timeout) COMPREPLY=(); return ;;
		--discover-retries) COMPREPLY=(); return ;;
		--timeout) COMPREPLY=(); return ;;
		--retries) COMPREPLY=(); return ;;
		--max-time) COMPREPLY=(); return ;;
		--source) COMPREPLY=(); return ;;
		--concurrency) COMPREPLY=(); return ;;
		--rate) COMPREPLY=(); return ;;
		--send) COMPREPLY=(); return ;;
		--expect) COMPREPLY=(); return ;;
		--payload) COMPREPLY=(); return ;;
		--payload-hex) COMPREPLY=(); return ;;
		--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
		--sni) COMPREPLY=(); return ;;
		--alpn) COMPREPLY=(); return ;;
		--ca) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--starttls) COMPREPLY=($(compgen -W "smtp imap pop3 ftp postgres xmpp" -- "$cur")); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson prom" -- "$cur")); return ;;
		esac
		opts="-p --ports -t --tcp -u --udp --syn --all-states --targets-file --exclude --exclude-file --force --seed --shard --no-discover --discover-only --discover-timeout --discover-retries --timeout --retries --max-time --source --concurrency --rate --send --expect --banner --payload --payload-hex -4 --ipv4 -6 --ipv6 --netns --tls --sni --alpn --ca --insecure --starttls --progress -o --output -j --json --ndjson -h --help" ;;
	serve)
		case $prev in
		--tcp) COMPREPLY=(); return ;;
		--udp) COMPREPLY=(); return ;;
		--bind) COMPREPLY=(); return ;;
		--reply) COMPREPLY=(); return ;;
		--source-rate) COMPREPLY=(); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table ndjson" -- "$cur")); return ;;
		esac
		opts="--tcp --udp --bind --reply --answer-broadcast --answer-any --source-rate -o --output --ndjson -h --help" ;;
	broadcast)
		case $prev in
		--port) COMPREPLY=(); return ;;
		--wait) COMPREPLY=(); return ;;
		--interface) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
		--payload) COMPREPLY=(); return ;;
		--payload-hex) COMPREPLY=(); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson" -- "$cur")); return ;;
		esac
		opts="--port --wait --interface --payload --payload-hex -n --numeric -o --output -j --json --ndjson -h --help" ;;
	audit)
		case $prev in
		--policy) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--port) COMPREPLY=(); return ;;
		--class) COMPREPLY=($(compgen -W "well-known registered dynamic" -- "$cur")); return ;;
		--exposure) COMPREPLY=($(compgen -W "loopback all specific" -- "$cur")); return ;;
		--unit) COMPREPLY=(); return ;;
		--container) COMPREPLY=(); return ;;
		--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson prom" -- "$cur")); return ;;
		esac
		opts="--policy --init -t --tcp -u --udp -4 --ipv4 -6 --ipv6 --port --class --exposure --unit --container --netns --all-netns -n --numeric -p --processes -P --no-processes -o --output -j --json --ndjson -h --help" ;;
	addrs)
		case $prev in
		--port) COMPREPLY=(); return ;;
		--class) COMPREPLY=($(compgen -W "well-known registered dynamic" -- "$cur")); return ;;
		--exposure) COMPREPLY=($(compgen -W "loopback all specific" -- "$cur")); return ;;
		--unit) COMPREPLY=(); return ;;
		--container) COMPREPLY=(); return ;;
		--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson" -- "$cur")); return ;;
		esac
		opts="-t --tcp -u --udp -4 --ipv4 -6 --ipv6 --port --class --exposure --unit --container --netns --all-netns -n --numeric -p --processes -P --no-processes -o --output -j --json --ndjson -h --help" ;;
	watch)
		case $prev in
		--interval) COMPREPLY=(); return ;;
		--count) COMPREPLY=(); return ;;
		--duration) COMPREPLY=(); return ;;
		--port) COMPREPLY=(); return ;;
		--class) COMPREPLY=($(compgen -W "well-known registered dynamic" -- "$cur")); return ;;
		--exposure) COMPREPLY=($(compgen -W "loopback all specific" -- "$cur")); return ;;
		--unit) COMPREPLY=(); return ;;
		--container) COMPREPLY=(); return ;;
		--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson" -- "$cur")); return ;;
		esac
		opts="--interval --initial --count --duration -t --tcp -u --udp -4 --ipv4 -6 --ipv6 --port --class --exposure --unit --container --netns --all-netns -n --numeric -p --processes -P --no-processes -o --output -j --json --ndjson -h --help" ;;
	exporter)
		case $prev in
		--listen) COMPREPLY=(); return ;;
		--config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--policy) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		--max-probes) COMPREPLY=(); return ;;
		--max-connections) COMPREPLY=(); return ;;
		--idle-timeout) COMPREPLY=(); return ;;
		--request-timeout) COMPREPLY=(); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table ndjson" -- "$cur")); return ;;
		esac
		opts="--listen --config --policy --max-probes --max-connections --idle-timeout --request-timeout --log-requests -n --numeric -P --no-processes -o --output --ndjson -h --help" ;;
	*) return ;;
	esac
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _portscope portscope
