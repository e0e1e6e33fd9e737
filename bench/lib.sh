# Helpers for the boot benchmarks (sourced; the caller is in a private
# network namespace and runs from the top of the source tree).

# bench_load: the host's load average, printed with every figure: TCG
# guests run on host CPU time, and a busy host slows them (and can skew
# their clock calibration, so console timestamps run fast).
bench_load() {
	echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_median: the median of the integers on stdin, one per line.
bench_median() {
	sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'
}

# bench_qemu_timed LOG [qemu/run options] DIR: boots under TCG with the
# serial console on stdout; each console line goes to LOG as
# "HOST_MS<TAB>line", HOST_MS counted from just before QEMU starts.
bench_qemu_timed() {
	local log=$1 t0
	shift
	: >"$log"
	t0=${EPOCHREALTIME/./}
	qemu/run --accel tcg --timeout 300 "$@" </dev/null 2>/dev/null |
		while IFS= read -r line; do
			printf '%d\t%s\n' $(((${EPOCHREALTIME/./} - t0) / 1000)) "${line%$'\r'}" >>"$log"
		done
}

# bench_console_ms LOG PATTERN: the console timestamp (ms since kernel
# start) of the first line matching PATTERN (SeaBIOS's screen-clearing
# escapes may precede it); fails if there is none.
bench_console_ms() {
	cut -f2- "$1" | grep -E -m1 -- "$2" |
		sed -nE 's/^[^[]*(\x1b\[[^a-zA-Z]*[a-zA-Z][^[]*)*\[ *([0-9]+)\.([0-9]{3})[0-9]*\] .*/\2\3/p' |
		sed 's/^0*\([0-9]\)/\1/' | grep .
}

# bench_firmware_ms LOG: QEMU start to kernel start, the smallest gap
# between a line's arrival on the host and its console timestamp.
bench_firmware_ms() {
	awk -F'\t' 'match($2, /\[ *[0-9]+\.[0-9]+\] /) {
		s = substr($2, RSTART + 1, RLENGTH - 3); gsub(/ /, "", s)
		d = $1 - s * 1000; if (!n++ || d < m) m = d
	} END {print n ? int(m) : 0}' "$1"
}

# bench_floor_image KERNEL DIR: DIR boots KERNEL into a trivial static
# init (bench/floor_init.c) that prints its timestamp and powers off.
bench_floor_image() {
	if [ ! -f "$2/initramfs.img" ]; then
		mkdir -p "$2/root/dev"
		musl-gcc -Os -static -s -o "$2/root/init" bench/floor_init.c
		(cd "$2/root" && echo init | cpio -o -H newc --quiet | gzip -9 >"$2/initramfs.img")
		echo "console=ttyS0 quiet panic=-1" >"$2/cmdline"
	fi
	cp "$1" "$2/vmlinuz"
}

# bench_plot_timeline DAT PNG [XLABEL]: horizontal stacked bars, one pair
# (node, floor) per kernel. DAT rows: kernel, the 7 cumulative stage ends,
# the floor's kernel start and line (bench/timeline.sh).
bench_plot_timeline() {
	local seg=${2%.png}.segments
	awk '{y = 2 * (NR_TOTAL - NR) + 1
		prev = 0
		for (i = 2; i <= 8; i++) { print y + 0.5, prev, $i, i - 1; prev = $i }
		print y - 0.5, 0, $9, 1; print y - 0.5, $9, $10, 2
	}' NR_TOTAL="$(wc -l <"$1")" "$1" >"$seg"
	local tics
	tics=$(awk -v n="$(wc -l <"$1")" '{y = 2 * (n - NR) + 1
		printf "%s\"%s: node\" %s, \"%s: floor\" %s", (NR > 1 ? ", " : ""), $1, y + 0.5, $1, y - 0.5}' "$1")
	gnuplot <<GP
set terminal pngcairo size 1100,$((140 + 90 * $(wc -l <"$1"))) font "sans,10"
set output "$2"
set title "Skiff node boot under QEMU TCG: a cluster node (DHCP, agent, the demo's web task) beside a trivial init (the floor)"
set xlabel "${3:-ms since QEMU started}"
set ytics ($tics)
set yrange [0:$((2 * $(wc -l <"$1") + 1))]
set key outside bottom horizontal
set grid xtics
set style fill solid 0.9 border -1
stages = "firmware kernel init network services registered task"
plot for [s=1:7] "$seg" using ((\$2+\$3)/2):(\$4==s ? \$1 : 1/0):((\$3-\$2)/2):(0.35) with boxxyerror lc s title word(stages, s)
GP
}

# bench_cluster: etcd, a registry with a busybox image and the scheduler
# (tests/fixtures/cluster_env.sh) for ETCD_PORT, REG_PORT and CLUSTER; the
# demo's web task definition, its image from there, in $T_DIR/web.json.
bench_cluster() {
	export SKIFF_TOP=$PWD SKIFF_BIN=$PWD/build/bin SKIFF_TEST_OUT=$PWD/build/bench
	. tests/lib.sh
	. tests/fixtures/cluster_env.sh
	start_etcd && make_image || { echo "bench: cluster setup failed" >&2; exit 1; }
	start_scheduler
	jq --arg i "10.0.2.2:$REG_PORT/busybox:latest" '.containerDefinitions[0].image = $i' \
		examples/taskdefs/demo-web.json >"$T_DIR/web.json"
}

# bench_trial_task TRIAL: runs the web task on the node labelled
# trial=TRIAL only (a family per trial, placed by memberOf), so a trial's
# task can never go to the previous trial's node while its lease lasts;
# prints the task id.
bench_trial_task() {
	jq --arg t "$1" '.family = "web-\($t)"
		| .placementConstraints = [{type: "memberOf", expression: "attribute:trial == \($t)"}]' \
		"$T_DIR/web.json" >"$T_DIR/web-$1.json"
	$CTL taskdef register "$T_DIR/web-$1.json" >/dev/null && $CTL task run "web-$1"
}

# bench_node_image PROFILE DIR CLUSTER ETCD_PORT REG_PORT TRIAL:
# examples/node.yaml on kernel PROFILE, pointed at the bench's cluster,
# with the label trial=TRIAL.
bench_node_image() {
	sed -e "s/^kernel:/kernel:\n  profile: $1/" -e "s/^  name: demo$/  name: $3/" \
		-e "s|10.0.2.2:2379|10.0.2.2:$4|" -e "s|10.0.2.2:5000|10.0.2.2:$5|" \
		-e "s/^  labels: {zone: local}$/  labels: {zone: local, trial: $6}/" \
		examples/node.yaml >"$2.yaml"
	grep -q "trial: $6}" "$2.yaml" || { echo "bench: examples/node.yaml: no 'labels: {zone: local}' line" >&2; exit 1; }
	build/bin/skiff-imagegen build --quiet "$2.yaml" -o "$2"
}
