# bash completion for portscope
_portscope()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local commands="list check scan serve broadcast audit watch"
	local common="-o --output -j --json --ndjson -h --help"
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$commands --version --help" -- "$cur"))
		return
	fi
	case $prev in
	-o|--output)
		COMPREPLY=($(compgen -W "table json ndjson prom nagios" -- "$cur")); return ;;
	--class)
		COMPREPLY=($(compgen -W "well-known registered dynamic" -- "$cur")); return ;;
	--exposure)
		COMPREPLY=($(compgen -W "loopback all specific" -- "$cur")); return ;;
	--state)
		COMPREPLY=($(compgen -W "listen established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait close close-wait last-ack closing unconn" -- "$cur")); return ;;
	--policy)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--netns)
		COMPREPLY=($(compgen -W "$(ls /run/netns 2>/dev/null)" -- "$cur")); return ;;
	--interface)
		COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
	esac
	local opts
	case ${words[1]} in
	list) opts="-a --all -t --tcp -u --udp -4 --ipv4 -6 --ipv6 --port --class --exposure --state -n --numeric -p --processes -P --no-processes --netns" ;;
	check) opts="--timeout --retries --concurrency --rate --send --expect --banner --payload --payload-hex -4 -6 -w --warning -c --critical" ;;
	scan) opts="-p --ports -t --tcp -u --udp --all-states --timeout --retries --concurrency --rate --send --expect --banner --payload --payload-hex -4 -6" ;;
	serve) opts="--tcp --udp --bind" ;;
	broadcast) opts="--port --wait --interface --payload --payload-hex -n --numeric" ;;
	audit) opts="--policy --init -t -u -4 -6 --port --class --exposure --netns -n -P" ;;
	watch) opts="--interval --initial --count --duration -t -u -4 -6 --port --class --exposure --netns -n -P" ;;
	esac
	COMPREPLY=($(compgen -W "$opts $common" -- "$cur"))
}
complete -F _portscope portscope
