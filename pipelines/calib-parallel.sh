#!/bin/bash
# calib-parallel.sh: calibration statistics at scale. Runs `calib-stats
# --shard i/n` for every shard under GNU parallel, on local cores (-j) or on
# the ssh logins of an sshloginfile, then `calib-stats --merge`s the shards
# into one file: the bytes one unsharded `calib-stats PART --data CAL` writes
# (formats/stats.md, "Why merging is exact").
#
#   calib-parallel.sh det.part.ir --data cal/ -o det.stats -j 8
#   calib-parallel.sh det.part.ir --data cal/ -o det.stats -n 32 \
#       --sshloginfile hosts.txt --remote-bin /opt/bpu-ptq/bin
#
# Getting the IR and the samples to the other machines, two ways:
# - transfer (the default with --sshloginfile): parallel copies PART and the
#   CAL directory to every login once (--basefile, over rsync, into
#   ~/.parallel/tmp/calib-parallel-HOST-ID), each shard is written there and
#   brought back (--return), and the copies are removed (--cleanup, then
#   rm -rf of that directory). Needs rsync on every machine; CAL must be a
#   directory; the login ':' (this machine, no ssh) is not allowed.
# - --shared: PART, CAL and the directory of OUT are at the same absolute
#   path on every machine (NFS or the like); nothing is copied, every shard
#   is written next to OUT directly. ':' may be a login.
# Every login is checked before any shard starts: reachable over ssh (an
# unreachable one is an error naming it, and nothing is written), calib-stats
# found (--remote-bin, or the login's PATH), rsync there (transfer) or the
# paths visible (--shared).
#
# OUT is written only when every shard succeeded and merged: the shards go to
# a temporary directory next to OUT, the merge to a temporary name renamed to
# OUT. A failed shard stops the run (no new shards start, running ones
# finish) and is named with its error; --keep-shards DIR keeps the shards
# that succeeded, so the failed one can be re-run by hand (`calib-stats PART
# --data CAL --shard i/n -o DIR/shard_i.stats`) and merged.
#
# The OPENBLAS_* variables set here are passed to the remote jobs (parallel
# --env), so every shard runs the BLAS kernels this machine's run would: the
# float results, and so the statistics, depend on them in the last bits.
me=${0##*/}

usage() {
	cat <<'EOF'
usage: calib-parallel.sh PART.ir --data DIR|LIST -o STATS [-n SHARDS] [-j JOBS] [--threads T]
                         [--sshloginfile FILE [--shared] [--remote-bin DIR]] [--bin DIR]
                         [--keep-shards DIR] [--connect-timeout S]
  PART.ir             a partitioned IR (ir-partition's output), as calib-stats takes it
  --data DIR|LIST     the calibration samples, as calib-stats takes them (a directory
                      when they are transferred)
  -o STATS            the merged statistics, written only when every shard succeeded
  -n SHARDS           number of shards (default: the job slots: JOBS locally; with
                      --sshloginfile, each login's N/ or JOBS or its core count, added)
  -j JOBS             shards at once: on this machine (default: its core count), or on
                      each ssh login (default: the login's N/ prefix, else its cores)
  --threads T         calib-stats --threads of every shard (default 1)
  --sshloginfile FILE run the shards on the ssh logins of FILE (GNU parallel's format:
                      [N/]HOST, [N/]USER@HOST, [N/]ssh -p PORT USER@HOST, ':' this machine)
  --shared            PART, CAL and OUT's directory are at the same absolute path on
                      every login: nothing is copied (default: parallel transfers PART
                      and CAL with --basefile and brings the shards back with --return)
  --remote-bin DIR    calib-stats' directory on the logins (default: their PATH)
  --bin DIR           calib-stats' directory here (default: PATH)
  --keep-shards DIR   keep the shard files (shard_i.stats) in DIR, also after a failure
  --connect-timeout S ssh ConnectTimeout for checking the logins (default 10)
EOF
}

die() {
	echo "$me: $*" >&2
	exit 1
}
usage_error() {
	echo "$me: $*" >&2
	usage >&2
	exit 2
}

# q WORD: WORD quoted for a POSIX (or csh) shell command line
q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# absolute PATH: an absolute, logical (symlinks kept) path of an existing PATH
absolute() {
	local d b
	if [ -d "$1" ]; then
		(cd -- "$1" && pwd)
	else
		d=$(dirname -- "$1") b=$(basename -- "$1")
		printf '%s/%s\n' "$(cd -- "$d" && pwd)" "$b"
	fi
}

# bindir DIR: DIR with one trailing slash, or nothing
bindir() {
	if [ -n "$1" ]; then printf '%s/' "${1%/}"; fi
}

posint() {
	case $1 in '' | *[!0-9]* | 0*) return 1 ;; esac
}

part='' cal='' out='' shards='' jobs='' threads=1 slf='' shared='' rbin='' bin='' keep='' ctimeout=10
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--data | -o | -n | --shards | -j | --jobs | --threads | --sshloginfile | --slf | \
		--remote-bin | --bin | --keep-shards | --connect-timeout)
		[ $# -ge 2 ] || usage_error "$1 needs a value"
		case $1 in
		--data) cal=$2 ;;
		-o) out=$2 ;;
		-n | --shards) shards=$2 ;;
		-j | --jobs) jobs=$2 ;;
		--threads) threads=$2 ;;
		--sshloginfile | --slf) slf=$2 ;;
		--remote-bin) rbin=$2 ;;
		--bin) bin=$2 ;;
		--keep-shards) keep=$2 ;;
		--connect-timeout) ctimeout=$2 ;;
		esac
		shift 2 ;;
	--shared) shared=1; shift ;;
	-*) usage_error "unknown option $1" ;;
	*)
		[ -z "$part" ] || usage_error "more than one IR ($part and $1)"
		part=$1; shift ;;
	esac
done
[ -n "$part" ] || usage_error "no IR given (the partitioned IR, a file)"
[ -n "$cal" ] || usage_error "--data is required (the calibration samples)"
[ -n "$out" ] || usage_error "-o is required (the statistics file to write)"
[ -z "$shards" ] || posint "$shards" || usage_error "-n $shards: not a positive number of shards"
[ -z "$jobs" ] || posint "$jobs" || usage_error "-j $jobs: not a positive number of jobs"
posint "$threads" || usage_error "--threads $threads: not a positive number"
posint "$ctimeout" || usage_error "--connect-timeout $ctimeout: not a positive number of seconds"
[ -z "$shared" ] || [ -n "$slf" ] || usage_error "--shared needs --sshloginfile"

{ [ -f "$part" ] && [ -r "$part" ]; } || die "$part: no such readable file (the partitioned IR)"
[ -e "$cal" ] || die "$cal: no such directory or list file (the calibration samples)"
[ -z "$slf" ] || [ -r "$slf" ] || die "$slf: cannot read the sshloginfile"
[ ! -d "$out" ] || die "$out: is a directory; -o names the statistics file to write"
command -v parallel >/dev/null 2>&1 ||
	die "GNU parallel is not installed (apt-get install parallel)"
bin=$(bindir "$bin") rbin=$(bindir "$rbin")
cs=${bin}calib-stats
command -v "$cs" >/dev/null 2>&1 ||
	die "$cs: not found (put build/bin on PATH, or give --bin DIR)"
transfer=
if [ -n "$slf" ] && [ -z "$shared" ]; then
	transfer=1
	[ -d "$cal" ] || die "$cal: transferring the samples needs a directory; for a list file the samples must be on a shared path (--shared)"
	command -v rsync >/dev/null 2>&1 ||
		die "rsync is not installed, which parallel needs to transfer the files (apt-get install rsync; or --shared)"
fi

part_abs=$(absolute "$part") cal_abs=$(absolute "$cal")
outdir=$(dirname -- "$out") outbase=$(basename -- "$out")
[ -d "$outdir" ] || die "$out: no directory $outdir to write it in"
outdir=$(absolute "$outdir")
tmp=$(mktemp -d "$outdir/.$outbase.XXXXXX" 2>/dev/null) ||
	die "$out: cannot create a temporary directory in $outdir (is it writable?)"
wd=.parallel/tmp/calib-parallel-$(hostname 2>/dev/null || echo host)-${tmp##*.}

# ---- the ssh logins ---------------------------------------------------------

login_spec=() login_line=() login_slots=() login_ssh=() login_host=() login_opts=()

# remote_sh I TIMEOUT SCRIPT: runs SCRIPT with sh on login number I
# (':' = here), with the checking options (login_opts) after the ssh command.
remote_sh() {
	local i=$1 t=$2 script=$3
	if [ "${login_spec[$i]}" = : ]; then
		timeout "$t" sh -c "$script"
	else
		# shellcheck disable=SC2086 # the ssh command is a word list
		timeout "$t" ${login_ssh[$i]} ${login_opts[$i]} "${login_host[$i]}" "sh -c $(q "$script")" </dev/null
	fi
}

# shellcheck disable=SC2317 # (called by the EXIT trap)
cleanup() {
	local i
	trap '' INT TERM
	if [ -n "$keep" ] && [ -d "$tmp" ] && ls "$tmp"/shard_*.stats >/dev/null 2>&1; then
		mkdir -p -- "$keep" && mv -f "$tmp"/shard_*.stats "$keep"/ 2>/dev/null
	fi
	rm -rf -- "$tmp"
	if [ -n "$transfer" ] && [ -n "${started:-}" ]; then
		# parallel --cleanup removes what it transferred but not the sample
		# directory (a basefile it only knows to rm -f); the run's own work
		# directory goes here
		for i in "${!login_spec[@]}"; do
			remote_sh "$i" $((ctimeout + 20)) "rm -rf $(q "$wd")" >/dev/null 2>&1 &
		done
		wait
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$slf" ]; then
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		spec=$(printf '%s' "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		case $spec in '' | '#'*) continue ;; esac
		slots=
		spec=$(printf '%s' "$spec" | sed 's|^@[^/ ]*/||')  # hostgroups: not used
		if [[ $spec =~ ^([0-9]+)/(.*)$ ]]; then
			slots=${BASH_REMATCH[1]} spec=${BASH_REMATCH[2]}
		fi
		i=${#login_spec[@]}
		login_spec[i]=$spec login_line[i]=$n login_slots[i]=$slots
		if [ "$spec" = : ]; then
			[ -z "$transfer" ] || die "$slf line $n: ':' (this machine, no ssh) cannot take transferred files; list this machine as an ssh login (localhost) or use --shared"
			login_host[i]=: login_ssh[i]=
		elif [[ $spec == *[[:space:]]* ]]; then
			login_host[i]=${spec##*[[:space:]]} login_ssh[i]=${spec%[[:space:]]*}
		else
			login_host[i]=$spec login_ssh[i]=${PARALLEL_SSH:-ssh}
		fi
		# ssh itself (not another command) gets options for the checks
		login_opts[i]=
		case ${login_ssh[i]%%[[:space:]]*} in
		ssh | */ssh) login_opts[i]="-o BatchMode=yes -o ConnectTimeout=$ctimeout" ;;
		esac
	done <"$slf"
	[ ${#login_spec[@]} -gt 0 ] || die "$slf: no ssh logins in it (one per line: [N/]USER@HOST or [N/]ssh -p PORT USER@HOST)"

	# the check, on every login at once: calib-stats there, rsync (transfer)
	# or the paths (--shared); prints "ok NCPUS" or what is missing
	rcs=${rbin}calib-stats
	check="command -v $(q "$rcs") >/dev/null 2>&1 || { echo no-calib-stats; exit 0; };"
	if [ -n "$transfer" ]; then
		check="$check command -v rsync >/dev/null 2>&1 || { echo no-rsync; exit 0; };"
	else
		check="$check test -r $(q "$part_abs") || { echo no-part; exit 0; };"
		check="$check test -e $(q "$cal_abs") || { echo no-cal; exit 0; };"
		check="$check test -d $(q "$tmp") || { echo no-outdir; exit 0; };"
	fi
	check="$check echo ok \$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)"
	for i in "${!login_spec[@]}"; do
		remote_sh "$i" $((ctimeout + 20)) "$check" >"$tmp/check.$i" 2>"$tmp/check.$i.err" &
	done
	wait
	for i in "${!login_spec[@]}"; do
		read -r answer ncpu <"$tmp/check.$i" 2>/dev/null || answer=
		where="${login_host[$i]} ($slf line ${login_line[$i]}: ${login_spec[$i]})"
		[ "${login_spec[$i]}" != : ] || where="this machine ($slf line ${login_line[$i]}: ':')"
		why=$(grep -v '^[[:space:]]*$' "$tmp/check.$i.err" | tail -n 1)
		case $answer in
		ok) ;;
		no-calib-stats)
			if [ -n "$rbin" ]; then
				die "$rcs: not found on $where; install the tools there, or give their directory with --remote-bin (REMOTE_BIN)"
			fi
			die "calib-stats is not on the PATH of $where; install the tools there and give their directory with --remote-bin (REMOTE_BIN)" ;;
		no-rsync) die "rsync not found on $where, which transferring the files needs; install it there, or use --shared" ;;
		no-part) die "$part_abs: not found on $where; with --shared the IR must be at the same path on every machine" ;;
		no-cal) die "$cal_abs: not found on $where; with --shared the samples must be at the same path on every machine" ;;
		no-outdir) die "$outdir: not shared with $where (a temporary directory made here is not seen there); with --shared OUT's directory must be at the same path on every machine" ;;
		*) die "cannot reach ssh login $where: ${why:-no answer within $((ctimeout + 20)) s}; fix it or remove that line" ;;
		esac
		[ -n "${login_slots[$i]}" ] || login_slots[i]=$ncpu
		[ -z "$jobs" ] || login_slots[i]=$jobs
	done
	# the logins as parallel gets them: every line with its job slots
	for i in "${!login_spec[@]}"; do
		printf '%s/%s\n' "${login_slots[$i]}" "${login_spec[$i]}"
	done >"$tmp/sshlogins"
	if [ -z "$shards" ]; then
		shards=0
		for i in "${!login_spec[@]}"; do shards=$((shards + login_slots[i])); done
	fi
else
	[ -n "$jobs" ] || jobs=$(nproc 2>/dev/null || echo 1)
	[ -n "$shards" ] || shards=$jobs
fi

# ---- the shards ---------------------------------------------------------------

# shellcheck disable=SC2054 # (soon,fail=1 is one word)
popts=(--will-cite --halt soon,fail=1 --joblog "$tmp/joblog" --results "$tmp/log/{}")
sh_opts="--shard {}/$shards --threads $threads"
if [ -z "$slf" ]; then
	popts+=(-j "$jobs")
	cmd="$(q "$cs") $(q "$part_abs") --data $(q "$cal_abs") $sh_opts -o $(q "$tmp")/shard_{}.stats"
else
	popts+=(--sshloginfile "$tmp/sshlogins")
	for v in $(compgen -e | grep '^OPENBLAS_'); do popts+=(--env "$v"); done
	if [ -n "$transfer" ]; then
		pb=$(basename -- "$part_abs") cb=$(basename -- "$cal_abs")
		case $pb in "$cb" | shard_*) die "$part: rename it: its name clashes with the samples' directory or the shard files in the remote work directory" ;; esac
		case $cb in shard_*) die "$cal: rename it: its name clashes with the shard files in the remote work directory" ;; esac
		popts+=(--wd "$wd" --basefile "$(dirname -- "$part_abs")/./$pb"
			--basefile "$(dirname -- "$cal_abs")/./$cb"
			--return "$tmp/./shard_{}.stats" --cleanup)
		# rsync sends symbolic links as the files they point to
		export PARALLEL_RSYNC_OPTS=${PARALLEL_RSYNC_OPTS:--rLDzR}
		cmd="$(q "$rcs") $(q "$pb") --data $(q "$cb") $sh_opts -o shard_{}.stats"
	else
		cmd="$(q "$rcs") $(q "$part_abs") --data $(q "$cal_abs") $sh_opts -o $(q "$tmp")/shard_{}.stats"
	fi
fi

started=1
seq 1 "$shards" | parallel "${popts[@]}" "$cmd" >"$tmp/parallel.log" 2>&1
pstatus=$?

# a failed shard: the first in shard order that failed by itself
if [ -r "$tmp/joblog" ]; then
	failed=$(awk -F '\t' 'NR > 1 && ($7 != 0 || $8 != 0) { print $1 "\t" $2 "\t" $7 "\t" $8 }' \
		"$tmp/joblog" | sort -n)
else
	failed=
fi
if [ -n "$failed" ]; then
	IFS=$'\t' read -r s host code sig <<<"$(printf '%s\n' "$failed" | head -n 1)"
	nfail=$(printf '%s\n' "$failed" | wc -l)
	# calib-stats' own line, not what a --return of the missing file says
	why=$(grep -m 1 '^calib-stats: ' "$tmp/log/$s.err" 2>/dev/null ||
		grep -m 1 -v '^[[:space:]]*$' "$tmp/log/$s.err" 2>/dev/null)
	[ "$sig" = 0 ] && how="exit $code" || how="signal $sig"
	[ "$host" = : ] && on="this machine" || on=${host##*[[:space:]]}
	more=
	[ "$nfail" -le 1 ] || more=" (and $((nfail - 1)) more)"
	die "shard $s/$shards failed on $on ($how)$more: ${why:-no message}; $out not written, fix that and run again"
fi
if [ "$pstatus" -ne 0 ]; then
	why=$(grep -v '^[[:space:]]*$' "$tmp/parallel.log" | tail -n 1)
	die "GNU parallel failed (exit $pstatus): ${why:-no message}; $out not written"
fi

# ---- the merge ------------------------------------------------------------------

files=()
for s in $(seq 1 "$shards"); do
	[ -e "$tmp/shard_$s.stats" ] && files+=("$tmp/shard_$s.stats")
done
[ ${#files[@]} -gt 0 ] || die "no shard came back (is calib-stats writing where it should?); $out not written"
if ! "$cs" --merge "${files[@]}" -o "$tmp/merged.stats" 2>"$tmp/merge.err"; then
	die "merging the shards failed: $(head -n 1 "$tmp/merge.err"); $out not written"
fi
mv -f -- "$tmp/merged.stats" "$out" || die "$out: cannot write it"
if [ -n "$keep" ]; then
	mkdir -p -- "$keep" && mv -f "$tmp"/shard_*.stats "$keep"/
fi
exit 0
