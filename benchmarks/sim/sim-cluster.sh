#!/usr/bin/env bash
# A simulated multi-host cluster on one Linux machine (issue 16, item 4), for benchmarks and tests.
#
# N hosts are network namespaces <prefix>-h0 .. <prefix>-h<N-1>, each with lo and one veth (eth0)
# whose other end sits on a Linux bridge in a namespace of its own (<prefix>-br). Addresses come
# from 198.18.0.0/15 (RFC 2544, benchmarking) and live only inside these namespaces: host k is
# 198.18.0.<k+1>/15, and there is no default route, so nothing leaves the simulated network and the
# root namespace's links and routes are never touched. Each host's link is rate-limited by a tbf
# qdisc in both directions (egress of eth0, and egress of the bridge port towards the host).
# Optional loss and partitions are nftables rules, with named counters that prove they fired: on
# what a host receives, in its namespace's input chain; on what it sends, on the wire (its bridge
# port's ingress, so that its sockets see no error, as on a real link). Needs root, iproute2 (ip, tc) and nftables; the kernel needs veth, bridge,
# tbf and nf_tables (netem is not used: no delay or reordering is simulated).
#
# Usage (every subcommand but `up` needs AVSIM_PREFIX, which `up` prints as its last line):
#   sim-cluster.sh up N RATE_MBIT [LOSS_PCT]   create the cluster; prints AVSIM_PREFIX=<prefix>
#   sim-cluster.sh down                        delete every namespace (and so link and bridge) of the prefix
#   sim-cluster.sh exec HOST CMD...            run CMD inside host HOST's namespace
#   sim-cluster.sh addr HOST                   print host HOST's address
#   sim-cluster.sh loss HOST PCT               drop PCT% of HOST's IP datagrams, both directions (0 = off)
#   sim-cluster.sh partition HOST on|off       drop all of HOST's traffic on eth0, both directions
#   sim-cluster.sh control-loss HOST PCT       drop PCT% of HOST's outgoing control datagrams only: UDP
#                                              payloads under 100 bytes (Aeron's status messages, NAKs,
#                                              heartbeats; data frames of vectors are larger) (0 = off)
#   sim-cluster.sh rate HOST RATE_MBIT         re-rate HOST's link, both directions
#   sim-cluster.sh mtu HOST BYTES              set the MTU of HOST's link (both ends); the bridge drops larger
#                                              frames towards HOST silently (no ICMP), counted as oversize_in
#   sim-cluster.sh counters HOST               print "name packets bytes" lines: nft drops, tbf drops, link bytes
#   sim-cluster.sh hosts                       print the host count
# Environment: AVSIM_PREFIX (default avsim-<pid> for `up`), AVSIM_LINK_MTU (default 9000: jumbo frames,
# so Averon's 8 KiB frames are not IP-fragmented), AVSIM_QUEUE_MS (tbf queue per direction, default 100).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

PREFIX="${AVSIM_PREFIX:-}"
LINK_MTU="${AVSIM_LINK_MTU:-9000}"
QUEUE_MS="${AVSIM_QUEUE_MS:-100}"
MAX_HOSTS=200

die() { echo "sim-cluster.sh: $*" >&2; exit 2; }
need_prefix() {
  [[ -n "$PREFIX" ]] || die "set AVSIM_PREFIX (printed by 'up')"
  [[ "$PREFIX" =~ ^[a-z0-9-]{1,24}$ ]] || die "AVSIM_PREFIX must be 1-24 of [a-z0-9-], got '$PREFIX'"
}
host_ns() { echo "$PREFIX-h$1"; }
bridge_ns() { echo "$PREFIX-br"; }
host_addr() { echo "198.18.0.$(($1 + 1))"; }
our_namespaces() { ip netns list | awk '{print $1}' | grep -E "^${PREFIX}-(br|h[0-9]+)\$" || true; }
host_count() { our_namespaces | grep -c -- "-h[0-9]*\$" || true; }
check_host() {
  [[ "$1" =~ ^[0-9]+$ ]] || die "HOST must be a number, got '$1'"
  ip netns list | awk '{print $1}' | grep -qx "$(host_ns "$1")" || die "no host $1 in $PREFIX"
}

# Stops what still runs inside our namespaces (by pid), then deletes the namespaces: their veths,
# the bridge and the qdiscs go with them.
down() {
  need_prefix
  local ns pid
  for ns in $(our_namespaces); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
  done
  for ns in $(our_namespaces); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null || true
    done
    ip netns delete "$ns" 2>/dev/null || true
  done
}

# tbf on DEV in namespace NS at RATE_MBIT: a burst of at least 4 link frames (or 4 ms of the rate),
# a queue of QUEUE_MS milliseconds beyond which packets are dropped (and counted by tc).
rate_limit() {
  local ns="$1" dev="$2" rate_mbit="$3"
  local bytes_per_s=$((rate_mbit * 125000))
  local burst=$((bytes_per_s / 250)); ((burst >= 4 * (LINK_MTU + 14))) || burst=$((4 * (LINK_MTU + 14)))
  tc -n "$ns" qdisc replace dev "$dev" root tbf rate "${rate_mbit}mbit" burst "$burst" latency "${QUEUE_MS}ms"
}

up() {
  local n="$1" rate="$2" loss="${3:-0}"
  [[ "$n" =~ ^[0-9]+$ ]] && ((n >= 1 && n <= MAX_HOSTS)) || die "N must be 1..$MAX_HOSTS, got '$n'"
  [[ "$rate" =~ ^[0-9]+$ ]] && ((rate >= 1 && rate <= 100000)) || die "RATE_MBIT must be 1..100000, got '$rate'"
  [[ "$loss" =~ ^[0-9]+$ ]] && ((loss <= 100)) || die "LOSS_PCT must be 0..100, got '$loss'"
  PREFIX="${PREFIX:-avsim-$$}"
  need_prefix
  [[ -z "$(our_namespaces)" ]] || die "namespaces of $PREFIX exist already: run down first"
  trap 'rc=$?; if ((rc != 0)); then echo "sim-cluster.sh: up failed, removing $PREFIX" >&2; down; fi' EXIT
  local br k ns answer
  br="$(bridge_ns)"
  ip netns add "$br"
  ip -n "$br" link set lo up
  ip -n "$br" link add br0 type bridge
  ip -n "$br" link set br0 mtu "$LINK_MTU" up
  for ((k = 0; k < n; k++)); do
    ns="$(host_ns "$k")"
    ip netns add "$ns"
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
    # created in the bridge's namespace with its peer straight in the host's: never in the root namespace
    ip -n "$br" link add "h$k" mtu "$LINK_MTU" type veth peer name eth0 netns "$ns"
    ip -n "$br" link set "h$k" master br0 up
    ip -n "$ns" link set eth0 mtu "$LINK_MTU" up
    ip -n "$ns" addr add "$(host_addr "$k")/15" dev eth0
    rate_limit "$ns" eth0 "$rate"
    rate_limit "$br" "h$k" "$rate"
    if ((loss > 0)); then set_loss "$k" "$loss"; fi
  done
  # without loss, every host reaches host 0: a TCP connect to a closed port is refused at once when
  # the path works and times out when it does not (one try each, at most N x 3 s)
  if ((loss == 0)); then
    for ((k = 1; k < n; k++)); do
      answer="$(timeout 3 ip netns exec "$(host_ns "$k")" bash -c "exec 3<>/dev/tcp/$(host_addr 0)/9" 2>&1 || true)"
      [[ "$answer" == *refused* ]] || die "host $k cannot reach host 0 ($answer)"
    done
  fi
  trap - EXIT
  echo "AVSIM_PREFIX=$PREFIX"
}

# Replaces nftables table TABLE in host K's namespace by one with BODY (counters and chains); an
# empty BODY only deletes it (and its counters).
set_table() {
  local ns table="$2" body="$3"
  ns="$(host_ns "$1")"
  ip netns exec "$ns" nft delete table inet "$table" 2>/dev/null || true
  [[ -n "$body" ]] || return 0
  ip netns exec "$ns" nft -f - <<<"table inet $table {
$body
}"
}

# A filter chain on HOOK (input or output) at PRIORITY whose rules are RULES.
chain() { echo "  chain $1 { type filter hook $1 priority $2; policy accept; $3 }"; }

# What HOST sends is dropped on the wire: a netdev ingress chain on its bridge port (in the bridge's
# namespace), so that the sender sees no error, as on a real link (an output-chain drop in the host's
# own namespace fails its sendto with EPERM, which no real network does). TABLE gets COUNTERS and a
# chain at PRIORITY with RULES; empty RULES only delete the table (and its counters).
set_wire_table() {
  local br table="$2_h$1" priority="$3" counters="$4" rules="$5"
  br="$(bridge_ns)"
  ip netns exec "$br" nft delete table netdev "$table" 2>/dev/null || true
  [[ -n "$rules" ]] || return 0
  ip netns exec "$br" nft -f - <<<"table netdev $table {
$counters
  chain from_host { type filter hook ingress device \"h$1\" priority $priority; policy accept; $rules }
}"
}

# Random loss: each IP datagram to or from eth0 is dropped with probability PCT/100: arriving, by the
# host's input chain (after reassembly); leaving, on the wire (set_wire_table).
set_loss() {
  local random="numgen random mod 100 < $2"
  set_table "$1" avsim_loss "$( (($2 > 0)) && printf '  counter lost_in {}\n%s' \
    "$(chain input -10 "iifname \"eth0\" $random counter name lost_in drop;")")"
  set_wire_table "$1" avsim_loss -10 '  counter lost_out {}' "$( (($2 > 0)) && echo "$random counter name lost_out drop;")"
}

set_partition() {
  set_table "$1" avsim_cut "$([[ "$2" == on ]] && printf '  counter cut_in {}\n%s' \
    "$(chain input -20 'iifname "eth0" counter name cut_in drop;')")"
  set_wire_table "$1" avsim_cut -20 '  counter cut_out {}' "$([[ "$2" == on ]] && echo 'counter name cut_out drop;')"
}

# Asymmetric loss: only what HOST sends, and only small datagrams (flow and loss control).
set_control_loss() {
  local small='oifname "eth0" udp length < 108'
  set_table "$1" avsim_ctl "$( (($2 > 0)) && printf '  counter ctl_out {}\n  counter ctl_sent {}\n%s' \
    "$(chain output -15 "$small numgen random mod 100 < $2 counter name ctl_out drop; $small counter name ctl_sent;")")"
}

nft_counter() { # ns family table name -> "name packets bytes" (0 0 when the table is absent)
  local line
  line="$(ip netns exec "$1" nft list counter "$2" "$3" "$4" 2>/dev/null | grep -o 'packets [0-9]* bytes [0-9]*' || true)"
  if [[ -n "$line" ]]; then set -- "$4" $line; echo "$1 $3 $5"; else echo "$4 0 0"; fi
}

tbf_drops() { # ns dev label -> "label dropped_packets sent_bytes"
  local stats
  stats="$(tc -n "$1" -s qdisc show dev "$2" | tr -s ' \n' ' ')"
  echo "$3 $(sed -E 's/.*dropped ([0-9]+).*/\1/' <<<"$stats") $(sed -E 's/.*Sent ([0-9]+) bytes.*/\1/' <<<"$stats")"
}

# Host K's link at MTU BYTES (both ends of its veth). The bridge forwards a frame towards K only if
# it fits that MTU and drops a larger one silently, as a switch does: a bridge-family counter in the
# bridge's namespace counts those frames (oversize_in; nftables sees them before the drop).
set_mtu() {
  local k="$1" bytes="$2" br
  br="$(bridge_ns)"
  ip -n "$(host_ns "$k")" link set eth0 mtu "$bytes"
  ip -n "$br" link set "h$k" mtu "$bytes"
  ip netns exec "$br" nft delete table bridge "avsim_mtu_h$k" 2>/dev/null || true
  ip netns exec "$br" nft -f - <<<"table bridge avsim_mtu_h$k {
  counter oversize_in {}
$(chain forward 0 "oifname \"h$k\" meta length > $bytes counter name oversize_in;")
}"
}

counters() {
  local k="$1" ns br
  ns="$(host_ns "$k")"; br="$(bridge_ns)"
  nft_counter "$ns" inet avsim_loss lost_in
  nft_counter "$br" netdev "avsim_loss_h$k" lost_out
  nft_counter "$ns" inet avsim_cut cut_in
  nft_counter "$br" netdev "avsim_cut_h$k" cut_out
  nft_counter "$ns" inet avsim_ctl ctl_out
  nft_counter "$ns" inet avsim_ctl ctl_sent
  tbf_drops "$ns" eth0 tbf_out
  tbf_drops "$br" "h$k" tbf_in
  nft_counter "$br" bridge "avsim_mtu_h$k" oversize_in
  # IP fragments this host made and datagrams it reassembled (its namespace's /proc/net/snmp)
  ip netns exec "$ns" awk '/^Ip:/ { if (!n) { for (i = 1; i <= NF; i++) col[$i] = i; n = 1 } else {
    print "frag_creates 0 " $col["FragCreates"]; print "reasm_oks 0 " $col["ReasmOKs"] } }' /proc/net/snmp
  echo "link_mtu 0 $(ip netns exec "$ns" cat /sys/class/net/eth0/mtu)"
  echo "link_tx 0 $(ip netns exec "$ns" cat /sys/class/net/eth0/statistics/tx_bytes)"
  echo "link_rx 0 $(ip netns exec "$ns" cat /sys/class/net/eth0/statistics/rx_bytes)"
}

[[ $# -ge 1 ]] || die "usage: up N RATE_MBIT [LOSS_PCT] | down | exec HOST CMD... | addr HOST | loss HOST PCT | partition HOST on|off | control-loss HOST PCT | rate HOST RATE_MBIT | mtu HOST BYTES | counters HOST | hosts"
[[ "$(id -u)" == 0 ]] || die "needs root (network namespaces)"
command="$1"; shift
case "$command" in
  up) [[ $# -ge 2 ]] || die "usage: up N RATE_MBIT [LOSS_PCT]"; up "$@" ;;
  down) down ;;
  exec) need_prefix; [[ $# -ge 2 ]] || die "usage: exec HOST CMD..."; check_host "$1"; ns="$(host_ns "$1")"; shift
        exec ip netns exec "$ns" "$@" ;;
  addr) need_prefix; check_host "$1"; host_addr "$1" ;;
  loss) need_prefix; [[ $# -eq 2 && "$2" =~ ^[0-9]+$ ]] && (($2 <= 100)) || die "usage: loss HOST PCT (0..100)"
        check_host "$1"; set_loss "$1" "$2" ;;
  partition) need_prefix; [[ $# -eq 2 && "$2" =~ ^(on|off)$ ]] || die "usage: partition HOST on|off"
             check_host "$1"; set_partition "$1" "$2" ;;
  control-loss) need_prefix; [[ $# -eq 2 && "$2" =~ ^[0-9]+$ ]] && (($2 <= 100)) || die "usage: control-loss HOST PCT (0..100)"
                check_host "$1"; set_control_loss "$1" "$2" ;;
  rate) need_prefix; [[ $# -eq 2 && "$2" =~ ^[0-9]+$ ]] && (($2 >= 1 && $2 <= 100000)) || die "usage: rate HOST RATE_MBIT"
        check_host "$1"; rate_limit "$(host_ns "$1")" eth0 "$2"; rate_limit "$(bridge_ns)" "h$1" "$2" ;;
  mtu) need_prefix; [[ $# -eq 2 && "$2" =~ ^[0-9]+$ ]] && (($2 >= 576 && $2 <= 65535)) || die "usage: mtu HOST BYTES (576..65535)"
       check_host "$1"; set_mtu "$1" "$2" ;;
  counters) need_prefix; [[ $# -eq 1 ]] || die "usage: counters HOST"; check_host "$1"; counters "$1" ;;
  hosts) need_prefix; host_count ;;
  *) die "unknown subcommand '$command'" ;;
esac
