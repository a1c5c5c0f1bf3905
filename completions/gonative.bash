# bash completion for gonative(1)                          -*- shell-script -*-
# Installed to share/bash-completion/completions/gonative.

# os/arch as gn/platform.c knows them (tests/docs checks they match).
_gonative_platforms='aix/ppc64 android/386 android/amd64 android/arm android/arm64 darwin/386 darwin/amd64 darwin/arm darwin/arm64 dragonfly/amd64 freebsd/386 freebsd/amd64 freebsd/arm freebsd/arm64 freebsd/riscv64 illumos/amd64 ios/amd64 ios/arm64 js/wasm linux/386 linux/amd64 linux/arm linux/arm64 linux/loong64 linux/mips linux/mips64 linux/mips64le linux/mipsle linux/ppc64 linux/ppc64le linux/riscv64 linux/s390x nacl/386 nacl/amd64p32 nacl/arm netbsd/386 netbsd/amd64 netbsd/arm netbsd/arm64 openbsd/386 openbsd/amd64 openbsd/arm openbsd/arm64 openbsd/mips64 openbsd/ppc64 openbsd/riscv64 plan9/386 plan9/amd64 plan9/arm solaris/amd64 wasip1/wasm windows/386 windows/amd64 windows/arm windows/arm64'

_gonative_commands='init lock sync check verify env hash exec mirror'

# Long and short options per command; -q/-v are accepted after the command too.
_gonative_command_options()
{
	case $1 in
	init) echo '--go -p --platform --force -h --help' ;;
	lock) echo '--upgrade --offline --check --json -h --help' ;;
	sync) echo '--frozen --offline -j --jobs --provenance --sign --json -h --help' ;;
	check) echo '--upstream --deep --json -h --help' ;;
	verify) echo '--json -h --help' ;;
	env) echo '--json --shell -h --help' ;;
	hash) echo '-h --help' ;;
	exec) echo '--no-sync --frozen --offline -h --help' ;;
	mirror) echo '--sign -h --help' ;;
	esac
	echo '-q --quiet -v --verbose'
}

_gonative_files()
{
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	COMPREPLY=($(compgen -f -- "$1"))
}

_gonative_dirs()
{
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	COMPREPLY=($(compgen -d -- "$1"))
}

_gonative()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i word dashdash=0
	local global_opts='-C -f --cache-dir --cacert -q --quiet -v --verbose -h --help -V --version'

	COMPREPLY=()
	if ((COMP_CWORD > 0)); then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi
	# "--opt=value" is split at "=" by COMP_WORDBREAKS.
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	# The command is the first word that is not a global option or its value.
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		case $word in
		-C | -f | --cache-dir | --cacert)
			((i++))
			if [[ ${COMP_WORDS[i]} == = ]]; then
				((i++))
			fi
			;;
		-*) ;;
		*)
			cmd=$word
			break
			;;
		esac
	done
	if [[ -n $cmd ]]; then
		for ((i++; i < COMP_CWORD; i++)); do
			if [[ ${COMP_WORDS[i]} == -- ]]; then
				dashdash=$i
				break
			fi
		done
	fi

	# exec -- CMD ARGS: the command, then what bash would complete for it.
	if [[ $cmd == exec ]] && ((dashdash > 0)); then
		if ((COMP_CWORD == dashdash + 1)); then
			COMPREPLY=($(compgen -c -- "$cur"))
		else
			_gonative_files "$cur"
		fi
		return 0
	fi

	case $prev in
	-C | --cache-dir)
		_gonative_dirs "$cur"
		return 0
		;;
	-f | --cacert)
		_gonative_files "$cur"
		return 0
		;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_gonative_commands" -- "$cur"))
		fi
		return 0
	fi

	case $cmd:$prev in
	init:-p | init:--platform)
		COMPREPLY=($(compgen -W "$_gonative_platforms" -- "$cur"))
		return 0
		;;
	init:--go)
		COMPREPLY=($(compgen -W 'stable' -- "$cur"))
		return 0
		;;
	sync:-j | sync:--jobs)
		return 0
		;;
	sync:--provenance | sync:--sign | mirror:--sign)
		_gonative_files "$cur"
		return 0
		;;
	env:--shell)
		COMPREPLY=($(compgen -W 'sh bash zsh fish powershell pwsh' -- "$cur"))
		return 0
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_gonative_command_options "$cmd")" -- "$cur"))
		if [[ $cmd == exec ]]; then
			COMPREPLY+=($(compgen -W '--' -- "$cur"))
		fi
		return 0
	fi
	case $cmd in
	hash | mirror)
		_gonative_dirs "$cur"
		;;
	esac
	return 0
}

complete -F _gonative gonative
