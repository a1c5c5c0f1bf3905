# fish completion for gonative(1).
# Installed to share/fish/vendor_completions.d/gonative.fish.

# os/arch as gn/platform.c knows them (tests/docs checks they match).
set -l platforms aix/ppc64 android/386 android/amd64 android/arm android/arm64 darwin/386 darwin/amd64 darwin/arm darwin/arm64 dragonfly/amd64 freebsd/386 freebsd/amd64 freebsd/arm freebsd/arm64 freebsd/riscv64 illumos/amd64 ios/amd64 ios/arm64 js/wasm linux/386 linux/amd64 linux/arm linux/arm64 linux/loong64 linux/mips linux/mips64 linux/mips64le linux/mipsle linux/ppc64 linux/ppc64le linux/riscv64 linux/s390x nacl/386 nacl/amd64p32 nacl/arm netbsd/386 netbsd/amd64 netbsd/arm netbsd/arm64 openbsd/386 openbsd/amd64 openbsd/arm openbsd/arm64 openbsd/mips64 openbsd/ppc64 openbsd/riscv64 plan9/386 plan9/amd64 plan9/arm solaris/amd64 wasip1/wasm windows/386 windows/amd64 windows/arm windows/arm64

# The command: the first word that is not a global option or its value.
function __gonative_command
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case -C -f --cache-dir --cacert
                set skip 1
            case '-*'
            case '*'
                echo $t
                return 0
        end
    end
    return 1
end

function __gonative_needs_command
    not __gonative_command >/dev/null
end

function __gonative_using
    set -l cmd (__gonative_command); or return 1
    contains -- $cmd $argv
end

function __gonative_exec_after_dashdash
    __gonative_using exec; and contains -- -- (commandline -opc)
end

complete -c gonative -f

# Global options.
complete -c gonative -n __gonative_needs_command -s C -x -a '(__fish_complete_directories)' -d 'Run as if started in DIR'
complete -c gonative -n __gonative_needs_command -s f -r -F -d 'Manifest path (default gonative.yaml)'
complete -c gonative -n __gonative_needs_command -l cache-dir -x -a '(__fish_complete_directories)' -d 'Download cache'
complete -c gonative -n __gonative_needs_command -l cacert -r -F -d 'Trust the CA certificates in FILE'
complete -c gonative -n 'not __gonative_exec_after_dashdash' -s q -l quiet -d 'Print nothing on success'
complete -c gonative -n 'not __gonative_exec_after_dashdash' -s v -l verbose -d 'Print more detail'
complete -c gonative -n 'not __gonative_exec_after_dashdash' -s h -l help -d 'Print the usage'
complete -c gonative -n __gonative_needs_command -s V -l version -d 'Print the version'

# Commands.
complete -c gonative -n __gonative_needs_command -a init -d 'Write a starter gonative.yaml for this machine'
complete -c gonative -n __gonative_needs_command -a lock -d 'Resolve gonative.yaml and write gonative.lock'
complete -c gonative -n __gonative_needs_command -a sync -d 'Install the locked GOROOT'
complete -c gonative -n __gonative_needs_command -a check -d 'Report drift'
complete -c gonative -n __gonative_needs_command -a verify -d 'Re-hash the installed GOROOT against the lock'
complete -c gonative -n __gonative_needs_command -a env -d 'Print GOROOT and PATH for a shell'
complete -c gonative -n __gonative_needs_command -a hash -d "Print a folder's git-sha256 tree hash"
complete -c gonative -n __gonative_needs_command -a exec -d 'Run a command with the synced GOROOT and PATH'
complete -c gonative -n __gonative_needs_command -a mirror -d 'Copy every locked file and an index into a folder'

# init
complete -c gonative -n '__gonative_using init' -l go -x -a stable -d 'Go version spec: 1.21.5, 1.21 or stable'
complete -c gonative -n '__gonative_using init' -s p -l platform -x -a "$platforms" -d 'A target platform to merge'
complete -c gonative -n '__gonative_using init' -l force -d 'Overwrite an existing manifest'

# lock
complete -c gonative -n '__gonative_using lock' -l upgrade -d 'Re-resolve to the newest release that matches'
complete -c gonative -n '__gonative_using lock' -l check -d 'Exit 1 unless the lock is complete and canonical'
complete -c gonative -n '__gonative_using lock sync' -l offline -d 'Use only the cache'
complete -c gonative -n '__gonative_using exec; and not __gonative_exec_after_dashdash' -l offline -d 'Sync from the cache only'
complete -c gonative -n '__gonative_using exec; and not __gonative_exec_after_dashdash' -l frozen -d 'Sync without writing the lock'
complete -c gonative -n '__gonative_using lock sync check verify env' -l json -d 'One JSON document on stdout'

# sync
complete -c gonative -n '__gonative_using sync' -l frozen -d 'Never write the lock; fail if it is out of date'
complete -c gonative -n '__gonative_using sync' -s j -l jobs -x -d 'Parallel downloads (default 4)'
complete -c gonative -n '__gonative_using sync' -l provenance -r -F -d 'Write an in-toto provenance statement'
complete -c gonative -n '__gonative_using sync mirror' -l sign -r -F -d 'Sign with this minisign secret key'

# check
complete -c gonative -n '__gonative_using check' -l upstream -d 'Also report a newer matching release'
complete -c gonative -n '__gonative_using check' -l deep -d 'Re-hash the installed tree'

# env
complete -c gonative -n '__gonative_using env' -l shell -x -a 'sh bash zsh fish powershell pwsh' -d 'Output for this shell'

# hash DIR, mirror DIR
complete -c gonative -n '__gonative_using hash mirror' -x -a '(__fish_complete_directories)'

# exec [--no-sync] -- CMD ARGS
complete -c gonative -n '__gonative_using exec; and not __gonative_exec_after_dashdash' -l no-sync -d 'Use the installed tree as it is'
complete -c gonative -n __gonative_exec_after_dashdash -x -a '(__fish_complete_subcommand --fcs-skip=2 -C -f --cache-dir --cacert)'
