#!/usr/bin/env bash
# make bench [BENCH_SIZES="1000 100000 1000000"]: libnss_fedjit against
# nss_files, libnss-cache and the raw tdb floor (tests/bench/nss_bench.c).
# Prints markdown tables: per-lookup median/p99 through dlopen'ed entry
# points and through glibc (getpwnam_r & co in a private mount namespace
# whose nsswitch.conf names one backend), instructions per lookup
# (callgrind, only the lookup loop is counted) and syscalls per warm lookup
# (strace, between the loop's markers). Needs root for nss_files (its files
# are bind-mounted over /etc/passwd and /etc/group in a namespace), valgrind,
# strace and libnss-cache (tests/deps.sh installs them). The data of each
# size is generated once into $FEDJIT_BENCH_DIR (default a new directory in
# /var/tmp) and reused when the directory is given again;
# FEDJIT_BENCH_SUMMARY_ONLY=1 only prints the summary table of earlier runs;
# FEDJIT_BENCH_NO_COST=1 skips the (slow) callgrind and strace runs.
set -euo pipefail
: "${top_builddir:=$PWD}"
bench="$top_builddir/tests/bench/nss_bench"
# The installed module reads only its compiled-in store path: as root the
# benchmark shows it the data there inside a private mount namespace (see
# production_db_path in nss_bench.c); otherwise the test build, which also
# reads FEDJIT_NSS_DB (one more getenv per lookup), stands in.
export FEDJIT_BENCH_MODULE="$top_builddir/nss/.libs/libnss_fedjittest.so"
export FEDJIT_BENCH_PROD_MODULE="$top_builddir/nss/.libs/libnss_fedjit.so"
work=${FEDJIT_BENCH_DIR:-$(mktemp -d /var/tmp/fedjit-bench.XXXXXX)}
[ $# -gt 0 ] || set -- 1000 100000 1000000
root=no
[ "$(id -u)" = 0 ] && root=yes

echo "# fedjit NSS benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -r)"
echo "# data in $work"

# glibc: the same operations through getpwnam_r & co, nsswitch.conf naming one backend
glibc_run() { # DIR N LABEL SERVICE
	local d=$1 n=$2 label=$3 service=$4
	unshare -m --propagation private bash -s "$d" "$n" "$label" "$service" <<-'EOF'
		set -e
		d=$1 n=$2 label=$3 service=$4
		libdir=$(dirname "$(readlink -f "$(ldd /bin/true | awk '/libc\.so/ {print $3}')")")
		mkdir -p "$d/ov"
		mount -t tmpfs tmpfs "$d/ov"
		mkdir "$d/ov/upper" "$d/ov/work"
		cp "$FEDJIT_BENCH_PROD_MODULE" "$d/ov/upper/libnss_fedjit.so.2"
		# the production module's store path shows the data (tmpfs on the first missing directory)
		db=$("$BENCH_SELF" dbpath x 0)
		anc=$(dirname "$db")
		while [ ! -e "$anc" ]; do anc=$(dirname "$anc"); done
		case "$anc" in / | /etc | /usr) exit 1 ;; esac
		if [ "$anc" != "$(dirname "$db")" ]; then
			mount -t tmpfs tmpfs "$anc"
			mkdir -p "$(dirname "$db")"
		fi
		[ -e "$db" ] || : >"$db"
		mount --bind "$d/fedjit.tdb" "$db"
		mount -t overlay overlay -o "lowerdir=$libdir,upperdir=$d/ov/upper,workdir=$d/ov/work" "$libdir"
		if [ "$service" = files ]; then
			mount --bind "$d/passwd" /etc/passwd
			mount --bind "$d/group" /etc/group
		fi
		if [ "$service" = cache ]; then
			# libnss-cache reads /etc/{passwd,group}.cache*: an overlay over /etc adds them
			mkdir "$d/ov/etc" "$d/ov/etcwork"
			cp "$d"/passwd.cache* "$d"/group.cache* "$d/ov/etc/"
			mount -t overlay overlay -o "lowerdir=/etc,upperdir=$d/ov/etc,workdir=$d/ov/etcwork" /etc
		fi
		printf 'passwd: %s\ngroup: %s\n' "$service" "$service" >"$d/ov/nsswitch.conf"
		mount --bind "$d/ov/nsswitch.conf" /etc/nsswitch.conf
		"$BENCH_SELF" glibc "$d" "$n" "$label"
	EOF
}

per_lookup() { # BACKEND OP DIR N COUNT: instructions per lookup (callgrind)
	local out
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=bench_loop \
		"$bench" loop "$3" "$4" "$1" "$2" "$5" >/dev/null 2>&1 || {
		rm -f "$out"
		echo "n/a"
		return
	}
	awk -v c="$5" '/^(summary|totals):/ {print int($2 / c); exit}' "$out"
	rm -f "$out"
}

syscalls() { # BACKEND OP DIR N COUNT: syscalls per warm lookup (strace)
	local out
	out=$(mktemp)
	strace -f -o "$out" "$bench" loop "$3" "$4" "$1" "$2" "$5" >/dev/null 2>&1 || true
	awk -v c="$5" '/fedjit-bench-begin/ {on = 1; next} /fedjit-bench-end/ {on = 0}
		on {n++} END {printf "%.2f\n", n / c}' "$out"
	rm -f "$out"
}

# One table over all sizes, medians / p99 through dlopen, with the ratios.
summary() { # WORKDIR SIZES...
	local work=$1 n op f
	shift
	echo "| users | lookup | tdb floor | fedjit | fedjit ÷ floor | fedjit via glibc | nss_files | nss_files ÷ fedjit | libnss-cache | libnss-cache ÷ fedjit |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in "$@"; do
		f="$work/$n/run.tsv"
		for op in getpwnam getpwuid miss getgrnam initgroups; do
			awk -F'\t' -v n="$n" -v o="$op" '
			function fmt(ns) { if (ns == "") return "n/a"; if (ns < 10000) return sprintf("%.2f µs", ns / 1000); if (ns < 10000000) return sprintf("%.0f µs", ns / 1000); return sprintf("%.0f ms", ns / 1e6) }
			function cell(b) { return (b in med) ? fmt(med[b]) " / " fmt(p99[b]) : "n/a" }
			function ratio(a, b) { return ((a in med) && (b in med) && med[b] > 0) ? sprintf("%.1f×", med[a] / med[b]) : "n/a" }
			$2 == o && $3 != "n/a" { med[$1] = $3; p99[$1] = $4 }
			END {
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n, o,
					cell("floor"), cell("fedjit"), ratio("fedjit", "floor"), cell("glibc-fedjit"),
					cell("files"), ratio("files", "fedjit"), cell("cache"), ratio("cache", "fedjit")
			}' "$f"
		done
		awk -F'\t' -v n="$n" '$2 == "enumeration" { t[$1] = $3 / 1e6 }
			END { printf "| %s | full enumeration | %.1f ms | %.1f ms | %.1f× | %.1f ms | %.1f ms | %.2f× | %.1f ms | %.2f× |\n", n,
				t["floor"], t["fedjit"], t["fedjit"] / t["floor"], t["glibc-fedjit"], t["files"], t["files"] / t["fedjit"], t["cache"], t["cache"] / t["fedjit"] }' "$f"
	done
}

if [ -n "${FEDJIT_BENCH_SUMMARY_ONLY:-}" ]; then
	summary "$work" "$@"
	exit 0
fi

for n in "$@"; do
	d="$work/$n"
	mkdir -p "$d"
	if [ ! -f "$d/fedjit.tdb" ]; then
		t0=$(date +%s)
		"$bench" generate "$d" "$n"
		echo "# generated $n users in $(($(date +%s) - t0)) s"
	fi
	"$bench" run "$d" "$n" >"$d/run.tsv" 2>"$d/run.err"
	grep '^fedjit:' "$d/run.err" | head -1 | sed 's/^/# /'
	if [ "$root" = yes ]; then
		for s in fedjit files cache; do
			BENCH_SELF="$bench" glibc_run "$d" "$n" "glibc-$s" "$s" >>"$d/run.tsv" 2>/dev/null ||
				echo "glibc-$s	unavailable" >>"$d/run.tsv"
		done
	fi
	# FEDJIT_BENCH_NO_COST=1: keep the instruction and syscall counts of an earlier run
	[ -n "${FEDJIT_BENCH_NO_COST:-}" ] && [ -s "$d/cost.tsv" ] || : >"$d/cost.tsv"
	for be in floor fedjit cache files; do
		[ -n "${FEDJIT_BENCH_NO_COST:-}" ] && break
		[ "$be" = files ] && [ "$root" = no ] && continue
		count=2000
		[ "$be" = files ] && count=$((n >= 100000 ? 3 : 50))
		[ "$be" = cache ] && count=500
		for op in getpwnam getpwuid miss getgrnam initgroups; do
			printf '%s\t%s\t%s\t%s\n' "$be" "$op" \
				"$(per_lookup "$be" "$op" "$d" "$n" "$count")" \
				"$(syscalls "$be" "$op" "$d" "$n" "$count")" >>"$d/cost.tsv"
		done
	done

	echo
	echo "### $n users"
	echo
	echo "Per lookup, median / p99 in ns (dlopen'ed entry points; \"via glibc\": getpwnam_r & co with nsswitch.conf naming the backend):"
	echo
	echo "| operation | tdb floor | fedjit | fedjit via glibc | nss_files | nss_files via glibc | libnss-cache | libnss-cache via glibc | fedjit / floor |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for op in getpwnam getpwuid miss getgrnam initgroups; do
		row="| $op"
		for be in floor fedjit glibc-fedjit files glibc-files cache glibc-cache; do
			cell=$(awk -F'\t' -v b="$be" -v o="$op" '$1 == b && $2 == o {
				if ($3 == "n/a") print "n/a"; else print $3 " / " $4 }' "$d/run.tsv")
			row="$row | ${cell:-n/a}"
		done
		ratio=$(awk -F'\t' -v o="$op" '$2 == o && $1 == "floor" {f = $3} $2 == o && $1 == "fedjit" {x = $3}
			END {if (f > 0 && x != "") printf "%.1f×", x / f; else print "n/a"}' "$d/run.tsv")
		echo "$row | $ratio |"
	done
	row="| full enumeration (ms)"
	for be in floor fedjit glibc-fedjit files glibc-files cache glibc-cache; do
		cell=$(awk -F'\t' -v b="$be" '$1 == b && $2 == "enumeration" {printf "%.1f (%d)", $3 / 1e6, $4}' "$d/run.tsv")
		row="$row | ${cell:-n/a}"
	done
	echo "$row | |"
	echo
	echo "Instructions / syscalls per warm lookup:"
	echo
	echo "| operation | tdb floor | fedjit | nss_files | libnss-cache |"
	echo "|---|---|---|---|---|"
	for op in getpwnam getpwuid miss getgrnam initgroups; do
		row="| $op"
		for be in floor fedjit files cache; do
			cell=$(awk -F'\t' -v b="$be" -v o="$op" '$1 == b && $2 == o {print $3 " / " $4}' "$d/cost.tsv")
			row="$row | ${cell:-n/a}"
		done
		echo "$row |"
	done
	echo
	echo "Memory a process pays (KiB; VSZ / RSS anonymous / RSS file-backed, i.e. shared page cache of the mapped file):"
	echo
	echo "| backend | after loading + 1 lookup | after all lookups and one enumeration |"
	echo "|---|---|---|"
	awk -F'\t' '$2 == "memory" {printf "| %s | %d / %d / %d | %d / %d / %d |\n", $1, $3, $4, $5, $6, $7, $8}' "$d/run.tsv"
done

echo
echo "### Summary"
echo
summary "$work" "$@"
