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
		COMPREPLY=($(compgen -W "list check scan serve broadcast audit watch --version --help" -- "$cur"))
		return
	fi
	case ${words[1]} in
	list)
		case $prev in
		--state) COMPREPLY=($(compgen -W "listen established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait close close-wait last-ack closing unconn" -- "$cur")); return ;;
		--port) COMPREPLY=(); return ;;
		--class) COMPREPLY=($(compgen -W "well-known registered dynamic" -- "$cur")); return ;;
		--exposure) COMPREPLY=($(compgen -W "loopback all specific" -- "$cur")); return ;;
		--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson prom" -- "$cur")); return ;;
		esac
		opts="-a --all --state -t --tcp -u --udp -4 --ipv4 -6 --ipv6 --port --class --exposure --netns -n --numeric -p --processes -P --no-processes -o --output -j --json --ndjson -h --help" ;;
	check)
		case $prev in
		--timeout) COMPREPLY=(); return ;;
		--retries) COMPREPLY=(); return ;;
		--concurrency) COMPREPLY=(); return ;;
		--rate) COMPREPLY=(); return ;;
		--send) COMPREPLY=(); return ;;
		--expect) COMPREPLY=(); return ;;
		--payload) COMPREPLY=(); return ;;
		--payload-hex) COMPREPLY=(); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson prom nagios" -- "$cur")); return ;;
		-w|--warning) COMPREPLY=(); return ;;
		-c|--critical) COMPREPLY=(); return ;;
		esac
		opts="--timeout --retries --concurrency --rate --send --expect --banner --payload --payload-hex -4 --ipv4 -6 --ipv6 -o --output -j --json --ndjson -h --help -w --warning -c --critical" ;;
	scan)
		case $prev in
		-p|--ports) COMPREPLY=(); return ;;
		--timeout) COMPREPLY=(); return ;;
		--retries) COMPREPLY=(); return ;;
		--concurrency) COMPREPLY=(); return ;;
		--rate) COMPREPLY=(); return ;;
		--send) COMPREPLY=(); return ;;
		--expect) COMPREPLY=(); return ;;
		--payload) COMPREPLY=(); return ;;
		--payload-hex) COMPREPLY=(); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson prom" -- "$cur")); return ;;
		esac
		opts="-p --ports -t --tcp -u --udp --all-states --timeout --retries --concurrency --rate --send --expect --banner --payload --payload-hex -4 --ipv4 -6 --ipv6 -o --output -j --json --ndjson -h --help" ;;
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
		--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson prom" -- "$cur")); return ;;
		esac
		opts="--policy --init -t --tcp -u --udp -4 --ipv4 -6 --ipv6 --port --class --exposure --netns -n --numeric -p --processes -P --no-processes -o --output -j --json --ndjson -h --help" ;;
	watch)
		case $prev in
		--interval) COMPREPLY=(); return ;;
		--count) COMPREPLY=(); return ;;
		--duration) COMPREPLY=(); return ;;
		--port) COMPREPLY=(); return ;;
		--class) COMPREPLY=($(compgen -W "well-known registered dynamic" -- "$cur")); return ;;
		--exposure) COMPREPLY=($(compgen -W "loopback all specific" -- "$cur")); return ;;
		--netns) COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
		-o|--output) COMPREPLY=($(compgen -W "table json ndjson" -- "$cur")); return ;;
		esac
		opts="--interval --initial --count --duration -t --tcp -u --udp -4 --ipv4 -6 --ipv6 --port --class --exposure --netns -n --numeric -p --processes -P --no-processes -o --output -j --json --ndjson -h --help" ;;
	*) return ;;
	esac
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _portscope portscope
