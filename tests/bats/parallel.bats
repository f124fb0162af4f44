#!/usr/bin/env bats
# parallel.bats: calibration at scale (pipelines/calib-parallel.sh and
# pipelines/calib.mk): `calib-stats --shard i/n` under GNU parallel, then
# `--merge`, locally with -j and over ssh, gives the unsharded run's bytes;
# an unreachable login, a failing shard and a bad merge leave no statistics.
#
# The ssh tests start a real sshd (Debian's openssh-server) on 127.0.0.1 on
# two free high ports, with a host key, a user key and an authorized_keys
# file made for the test, and a client config that trusts only that host
# key; sshd runs under `timeout` and teardown kills it. Two logins (one per
# port, 2 job slots each) share 4 shards. The remote command finds the tools
# by --remote-bin, as a real remote machine would.
#
# The fixture, as in calib-stats.bats: tinynet at 1x3x32x32 partitioned for
# bpu-s, 12 noise images (pgmnoise, img2npy), the unsharded statistics and
# their max thresholds.

load helpers

CP=$REPO/pipelines/calib-parallel.sh
MK=$REPO/pipelines/calib.mk

setup_file() {
	local d=$BATS_FILE_TMPDIR k
	onnx2ir --input-shape x=1x3x32x32 "$TINY/tinynet.onnx" -o "$d/float.ir"
	ir-fuse "$d/float.ir" | ir-partition --march bpu-s -o "$d/part.ir" 2>/dev/null
	mkdir -p "$d/data"
	for k in $(seq 1 12); do
		pgmnoise -randomseed "$k" 32 32 2>/dev/null |
			img2npy --size 32x32 --mean 0.5,0.5,0.5 --std 0.25,0.25,0.25 \
				-o "$d/data/s_$(printf %02d "$k").npy"
	done
	calib-stats "$d/part.ir" --data "$d/data" -o "$d/all.stats"
	# (the thresholds' header names the IR as given: part.ir, as in the tests)
	(cd "$d" && calib-search part.ir --stats all.stats --method max -o all.th)
}

setup() {
	setup_scratch
	cp "$BATS_FILE_TMPDIR/part.ir" "$BATS_FILE_TMPDIR/all.stats" "$BATS_FILE_TMPDIR/all.th" .
	cp -r "$BATS_FILE_TMPDIR/data" .
	SSHD_PID=
}

teardown() {
	stop_sshd
}

# ---- a throwaway sshd ----------------------------------------------------------

# free_port: a TCP port on 127.0.0.1 nothing listens on
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 9<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# listening PORT: something accepts connections on 127.0.0.1:PORT
listening() {
	(exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_sshd: sshd on 127.0.0.1 ports PORT_A and PORT_B, for this user, with
# keys in $SSHD_DIR; writes $SSHD_DIR/ssh_config (hosts calib-a and calib-b)
# and $SSHD_DIR/logins (2 slots on each). Skips the test, saying why, where
# sshd cannot run.
start_sshd() {
	local d=$BATS_TEST_TMPDIR/sshd user try t
	[ -x /usr/sbin/sshd ] || skip "sshd is not installed (apt-get install openssh-server; make deps)"
	command -v ssh >/dev/null || skip "ssh is not installed (apt-get install openssh-client; make deps)"
	command -v ssh-keygen >/dev/null || skip "ssh-keygen is not installed"
	command -v rsync >/dev/null || skip "rsync is not installed (parallel transfers files with it; make deps)"
	user=$(id -un)
	if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
		# sshd's privilege separation directory (Debian's service makes it)
		mkdir -p /run/sshd 2>/dev/null && chmod 755 /run/sshd ||
			skip "cannot create /run/sshd, which sshd needs when run as root"
	fi
	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -C calib-test-host -f "$d/host_key"
	ssh-keygen -q -t ed25519 -N '' -C calib-test-user -f "$d/user_key"
	cp "$d/user_key.pub" "$d/authorized_keys"
	echo "calib-test $(cat "$d/host_key.pub")" >"$d/known_hosts"
	for try in 1 2 3; do
		PORT_A=$(free_port) && PORT_B=$(free_port) || skip "no free TCP port on 127.0.0.1"
		[ "$PORT_A" != "$PORT_B" ] || continue
		cat >"$d/sshd_config" <<-EOF
			Port $PORT_A
			Port $PORT_B
			ListenAddress 127.0.0.1
			HostKey $d/host_key
			PidFile $d/sshd.pid
			AuthorizedKeysFile $d/authorized_keys
			AllowUsers $user
			StrictModes no
			UsePAM no
			PubkeyAuthentication yes
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			PermitRootLogin prohibit-password
			MaxStartups 100:30:200
			MaxSessions 100
			LogLevel VERBOSE
		EOF
		/usr/sbin/sshd -t -f "$d/sshd_config" 2>"$d/sshd.log" ||
			skip "sshd refuses its configuration: $(tail -n 1 "$d/sshd.log")"
		# bounded even if teardown never runs; fd 3 closed so bats does not wait
		timeout 120 /usr/sbin/sshd -D -f "$d/sshd_config" -E "$d/sshd.log" \
			</dev/null >/dev/null 2>&1 3>&- &
		SSHD_PID=$!
		for t in $(seq 1 50); do
			listening "$PORT_A" && listening "$PORT_B" && break
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.1
		done
		if listening "$PORT_A" && listening "$PORT_B"; then
			break
		fi
		stop_sshd # a port taken meanwhile: again on others
	done
	[ -n "$SSHD_PID" ] || skip "sshd does not start here: $(tail -n 1 "$d/sshd.log" 2>/dev/null)"
	cat >"$d/ssh_config" <<-EOF
		Host calib-a
		  Port $PORT_A
		Host calib-b
		  Port $PORT_B
		Host *
		  HostName 127.0.0.1
		  User $user
		  IdentityFile $d/user_key
		  IdentitiesOnly yes
		  HostKeyAlias calib-test
		  UserKnownHostsFile $d/known_hosts
		  GlobalKnownHostsFile /dev/null
		  StrictHostKeyChecking yes
		  BatchMode yes
		  ConnectTimeout 5
		  ServerAliveInterval 5
		  ServerAliveCountMax 2
		  LogLevel ERROR
	EOF
	if ! timeout 20 ssh -F "$d/ssh_config" calib-a true 2>"$d/ssh.err" </dev/null; then
		skip "cannot log in to the test's sshd: $(tail -n 1 "$d/ssh.err") (sshd: $(tail -n 1 "$d/sshd.log"))"
	fi
	printf '2/ssh -F %s calib-a\n2/ssh -F %s calib-b\n' "$d/ssh_config" "$d/ssh_config" >"$d/logins"
	SSHD_DIR=$d
	RBIN=$(dirname "$(command -v calib-stats)")
}

stop_sshd() {
	local pid
	if [ -n "${SSHD_PID:-}" ]; then
		# timeout passes its TERM on to sshd; the pid file names sshd itself
		pid=$(cat "$BATS_TEST_TMPDIR/sshd/sshd.pid" 2>/dev/null)
		kill "$SSHD_PID" 2>/dev/null
		[ -z "$pid" ] || kill "$pid" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	fi
	true
}

# sessions_on PORT [FROM]: how many ssh sessions ran a command through the
# test's sshd on PORT, in its log after line FROM (sshd logs the server port
# with the connection, the command with the client port)
sessions_on() {
	awk -v p="$1" -v from="${2:-0}" 'NR <= from { next }
		/^Connection from / { srv[$5] = $9 }
		/^Starting session: command / && srv[$9] == p { n++ }
		END { print n + 0 }' "$SSHD_DIR/sshd.log"
}

# remote_workdirs: the work directories calib-parallel.sh leaves in ~ (none)
remote_workdirs() {
	ls -d "$HOME"/.parallel/tmp/calib-parallel-* 2>/dev/null | wc -l
}

# ---- locally ---------------------------------------------------------------------

@test "calib-parallel: local shards on 1 and 2 jobs merge to the unsharded run, byte for byte" {
	"$CP" part.ir --data data -o j1.stats -j 1 -n 4
	cmp j1.stats all.stats
	"$CP" part.ir --data data -o j2.stats -j 2 -n 2
	cmp j2.stats all.stats
	"$CP" part.ir --data data -o j2n5.stats -j 2 -n 5 --threads 2
	cmp j2n5.stats all.stats
	# the default: as many shards as jobs; more shards than samples merge too
	"$CP" part.ir --data data -o d.stats
	cmp d.stats all.stats
	"$CP" part.ir --data data -o n16.stats -j 2 -n 16
	cmp n16.stats all.stats
	# a list file, and the shards kept on request
	ls data/*.npy | sort -r >list.txt
	"$CP" part.ir --data list.txt -o l.stats -j 2 -n 3 --keep-shards kept
	cmp l.stats all.stats
	assert_equal "$(ls kept)" "$(printf 'shard_%d.stats\n' 1 2 3)"
	rm -r kept
	# no temporary file left next to the outputs
	assert_only_files all.stats all.th d.stats data j1.stats j2.stats j2n5.stats l.stats \
		list.txt n16.stats part.ir
}

@test "calib.mk: SHARDS and JOBS, the same bytes, nothing rebuilt when only they change" {
	run make -f "$MK" PART=part.ir CAL=data OUT=out/calib.stats SHARDS=4 JOBS=2
	assert_success
	cmp out/calib.stats all.stats
	run make -f "$MK" PART=part.ir CAL=data OUT=out/calib.stats SHARDS=3 JOBS=1
	assert_success
	assert_output --partial "Nothing to be done"
	# OUT defaults to calib.stats next to PART, where ptq.mk looks for it
	mkdir m && cp part.ir m/part.ir
	make -f "$MK" PART=m/part.ir CAL=data SHARDS=2 JOBS=2 BIN="$(dirname "$(command -v calib-stats)")/"
	cmp m/calib.stats all.stats
	run make -f "$MK" CAL=data
	assert_failure
	assert_output --partial "set PART="
}

# ---- over ssh ----------------------------------------------------------------------

@test "calib-parallel: 4 shards on two ssh logins, files transferred by parallel: the local run's stats and thresholds" {
	start_sshd
	before=$(remote_workdirs) from=$(wc -l <"$SSHD_DIR/sshd.log")
	run --separate-stderr timeout 60 "$CP" part.ir --data data -o ssh.stats -n 4 \
		--sshloginfile "$SSHD_DIR/logins" --remote-bin "$RBIN"
	assert_success
	assert_equal "$stderr" ""
	cmp ssh.stats all.stats
	calib-search part.ir --stats ssh.stats --method max -o ssh.th
	cmp ssh.th all.th
	# both logins ran shards (a session for the check, then at least one
	# more), and the copies on the "remote" side are gone
	[ "$(sessions_on "$PORT_A" "$from")" -ge 2 ]
	[ "$(sessions_on "$PORT_B" "$from")" -ge 2 ]
	assert_equal "$(remote_workdirs)" "$before"
	assert_only_files all.stats all.th data part.ir ssh.stats ssh.th
}

@test "calib.mk: 4 shards on two ssh logins, on a shared path: the local run's stats and thresholds" {
	start_sshd
	from=$(wc -l <"$SSHD_DIR/sshd.log")
	run timeout 60 make -f "$MK" PART="$PWD/part.ir" CAL="$PWD/data" OUT="$PWD/shared.stats" \
		SHARDS=4 SSHLOGINFILE="$SSHD_DIR/logins" SHARED=1 REMOTE_BIN="$RBIN"
	assert_success
	cmp shared.stats all.stats
	calib-search part.ir --stats shared.stats --method max -o shared.th
	cmp shared.th all.th
	[ "$(sessions_on "$PORT_A" "$from")" -ge 2 ]
	[ "$(sessions_on "$PORT_B" "$from")" -ge 2 ]
	# a login without the tools where --remote-bin says: named, nothing written
	run --separate-stderr "$CP" part.ir --data data -o none.stats \
		--sshloginfile "$SSHD_DIR/logins" --shared --remote-bin /nonexistent/bin
	assert_fails 1 "/nonexistent/bin/calib-stats: not found on calib-a" "line 1" "--remote-bin"
	assert_only_files all.stats all.th data part.ir shared.stats shared.th
}

# ---- bad input ----------------------------------------------------------------------

@test "calib-parallel: an unreachable ssh login is one clear error and no statistics" {
	port=$(free_port)
	printf '# nothing listens there\n2/ssh -o ConnectTimeout=3 -p %s %s@127.0.0.1\n' "$port" "$(id -un)" >logins
	run --separate-stderr "$CP" part.ir --data data -o out.stats -n 4 --sshloginfile logins \
		--connect-timeout 3
	assert_fails 1 "cannot reach ssh login $(id -un)@127.0.0.1" "logins line 2" \
		"port $port" "fix it or remove that line"
	assert_only_files all.stats all.th data logins part.ir
	# through make as well, an old OUT is left as it was
	echo old >out.stats
	touch -d '2000-01-01' out.stats
	run make -f "$MK" PART=part.ir CAL=data OUT=out.stats SSHLOGINFILE=logins
	assert_failure
	assert_output --partial "cannot reach ssh login"
	assert_equal "$(cat out.stats)" old
}

@test "calib-parallel: a failing shard fails the run, names the shard; --merge refuses the incomplete set" {
	# sample 6 (s_07) belongs to shard 3/4 only; cut it short
	head -c 200 "$BATS_FILE_TMPDIR/data/s_07.npy" >data/s_07.npy
	run --separate-stderr "$CP" part.ir --data data -o out.stats -j 4 -n 4 --keep-shards kept
	assert_fails 1 "shard 3/4 failed on this machine (exit 1)" "data/s_07.npy" "out.stats not written"
	assert_absent out.stats
	# the others ran; calib-stats --merge names the missing one
	assert_equal "$(ls kept)" "$(printf 'shard_%d.stats\n' 1 2 4)"
	run --separate-stderr calib-stats --merge kept/shard_1.stats kept/shard_2.stats \
		kept/shard_4.stats -o merged.stats
	assert_fails 1 "shard 3/4 is missing"
	assert_absent merged.stats
	# re-run the failed shard once the sample is mended: the whole set merges
	cp "$BATS_FILE_TMPDIR/data/s_07.npy" data/
	calib-stats part.ir --data data --shard 3/4 -o kept/shard_3.stats
	calib-stats --merge kept/*.stats -o merged.stats
	cmp merged.stats all.stats
	# make: the recipe fails, no OUT
	head -c 200 "$BATS_FILE_TMPDIR/data/s_07.npy" >data/s_07.npy
	run make -f "$MK" PART=part.ir CAL=data OUT=mk.stats SHARDS=4 JOBS=2
	assert_failure
	assert_output --partial "shard 3/4 failed"
	assert_absent mk.stats
	assert_only_files all.stats all.th data kept merged.stats part.ir
}

@test "calib-parallel: a failing shard on an ssh login is named with the login; the copies there are removed" {
	start_sshd
	before=$(remote_workdirs)
	head -c 200 "$BATS_FILE_TMPDIR/data/s_07.npy" >data/s_07.npy
	# one login, so the failing shard's host is known
	head -n 1 "$SSHD_DIR/logins" >one-login
	run --separate-stderr timeout 60 "$CP" part.ir --data data -o out.stats -n 4 \
		--sshloginfile one-login --remote-bin "$RBIN"
	assert_equal "$status" 1
	assert_equal "${#stderr_lines[@]}" 1
	case $stderr in
	"calib-parallel.sh: shard 3/4 failed on calib-a (exit 1): calib-stats: data/s_07.npy: "*"; out.stats not written"*) ;;
	*) fail "unexpected error: $stderr" ;;
	esac
	assert_equal "$(remote_workdirs)" "$before"
	assert_only_files all.stats all.th data one-login part.ir
}

@test "calib-parallel: usage errors and missing inputs" {
	run --separate-stderr "$CP" part.ir --data data
	assert_usage_error "-o is required"
	run --separate-stderr "$CP" part.ir --data data -o x.stats -n 0
	assert_usage_error "-n 0"
	run --separate-stderr "$CP" part.ir --data data -o x.stats --shared
	assert_usage_error "--shared needs --sshloginfile"
	run --separate-stderr "$CP" nothere.ir --data data -o x.stats
	assert_fails 1 "nothere.ir: no such readable file"
	run --separate-stderr "$CP" part.ir --data nodata -o x.stats
	assert_fails 1 "nodata: no such directory or list file"
	echo ':' >logins
	run --separate-stderr "$CP" part.ir --data data -o x.stats --sshloginfile logins
	assert_fails 1 "logins line 1: ':'" "--shared"
	assert_only_files all.stats all.th data logins part.ir
}
