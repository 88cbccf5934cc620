#!/bin/bash
# A throwaway single-node Ceph cluster (1 monitor, 1 file-backed OSD, no manager) with the RADOS
# Gateway as a real S3 server on 127.0.0.1, for the provider's S3 blob store (tests, benchmarks,
# `npm run start:cluster`). Everything lives in one directory and listens on loopback only.
#
#   scripts/infra/ceph-s3.sh start [dir]   provisions the Debian packages if missing, starts, prints
#                                          PEKANU_S3_* lines (also written to <dir>/env)
#   scripts/infra/ceph-s3.sh stop [dir]    stops the daemons (pid files) and deletes <dir>
#
# dir defaults to $CEPH_S3_DIR or ./.data/ceph-s3. Ports: free ones unless S3_PORT / MON_PORT
# are set. Needs root for apt-get (as the project's CI and dev containers run); the daemons need
# nothing else. Learned the hard way: `ms mon client mode = crc` with auth none (or radosgw hangs),
# lower `mon data avail warn/crit` for a fuller disk, and CompleteMultipartUpload answers an empty
# ETag on this version (Pacific, 16.2).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cmd=${1:-}
BASE=$(realpath -m "${2:-${CEPH_S3_DIR:-$PWD/.data/ceph-s3}}")
T0=$(date +%s.%N)
el() { printf '# +%.1fs %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$*" >&2; }


stop() {
  for n in client.rgw osd.0 mon.a; do
    f=$BASE/run/$n.pid
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$BASE"
}


provision() {
  if command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && command -v radosgw >/dev/null && command -v bc >/dev/null && command -v uuidgen >/dev/null; then return; fi
  el "installing ceph-mon ceph-osd radosgw (Debian)"
  apt_install ceph-mon ceph-osd radosgw bc uuid-runtime
}

start() {
  provision
  [ -e "$BASE" ] && { echo "$BASE exists: run '$0 stop $BASE' first" >&2; exit 1; }
  PORT=${S3_PORT:-$(free_port)}
  MON_PORT=${MON_PORT:-$(free_port)}
  ACCESS_KEY=${S3_ACCESS_KEY:-pekanu-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  SECRET_KEY=${S3_SECRET_KEY:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  mkdir -p "$BASE"/{mon/a,osd/0,run,log}
  FSID=$(uuidgen)
  CONF=$BASE/ceph.conf
  cat > "$CONF" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
run dir = $BASE/run
pid file = $BASE/run/\$name.pid
log file = $BASE/log/\$name.log
crash dir = $BASE/crash
keyring = $BASE/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
# CPU is what a single-node test cluster lacks (it shares the cores with the server and the
# client): no checksums on loopback messages, no in-memory debug logs.
ms crc data = false
debug ms = 0/0
debug osd = 0/0
debug bluestore = 0/0
debug bluefs = 0/0
debug bdev = 0/0
debug rocksdb = 0/0
debug rgw = 0/0
debug objecter = 0/0
debug rados = 0/0
debug monc = 0/0
debug auth = 0/0
debug mon = 0/0
debug paxos = 0/0
[mon]
admin socket = $BASE/run/\$name.asok
mon data = $BASE/mon/\$id
mon cluster log file = $BASE/log/cluster.log
[osd]
admin socket = $BASE/run/\$name.asok
osd data = $BASE/osd/\$id
osd objectstore = bluestore
bluestore block path = $BASE/osd/\$id/block.file
bluestore block create = true
bluestore block size = ${CEPH_BLOCK_BYTES:-4294967296}
bluestore fsck on mount = false
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728
osd max object size = 134217728
# A throwaway store on a file: no data checksums (CPU).
bluestore csum type = none
[client.rgw]
admin socket = $BASE/run/\$name.asok
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $BASE/rgw
rgw dns name = 127.0.0.1
rgw enable usage log = false
rgw enable ops log = false
CONF
  export CEPH_CONF=$CONF
  monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$BASE/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$BASE/monmap"
  ceph-mon -c "$CONF" -i a
  timeout 60 ceph -c "$CONF" mon stat >/dev/null
  el "monitor up"
  OSD_UUID=$(uuidgen)
  OSD_ID=$(ceph -c "$CONF" osd new "$OSD_UUID")
  ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" 2>>"$BASE/log/osd-mkfs.log"
  ceph-osd -c "$CONF" -i "$OSD_ID" 2>>"$BASE/log/osd-start.log"
  up=""
  for _ in $(seq 120); do
    if ceph -c "$CONF" osd dump 2>/dev/null | grep -q "^osd.$OSD_ID up"; then up=1; break; fi
    sleep 0.5
  done
  [ -n "$up" ] || { echo "the OSD did not come up (see $BASE/log)" >&2; exit 1; }
  el "OSD up"
  radosgw -c "$CONF" -n client.rgw
  ok=""
  for _ in $(seq 240); do
    if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then ok=1; break; fi
    sleep 0.5
  done
  [ -n "$ok" ] || { echo "radosgw did not answer (see $BASE/log)" >&2; exit 1; }
  el "RADOS gateway answering"
  radosgw-admin -c "$CONF" user create --uid=pekanu --display-name=pekanu \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null
  umask 077
  cat > "$BASE/env" <<ENV
PEKANU_S3_ENDPOINT=http://127.0.0.1:$PORT
PEKANU_S3_ACCESS_KEY_ID=$ACCESS_KEY
PEKANU_S3_SECRET_ACCESS_KEY=$SECRET_KEY
PEKANU_S3_REGION=us-east-1
PEKANU_S3_PATH_STYLE=true
ENV
  cat "$BASE/env"
  el "ready"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [dir]" >&2; exit 2 ;;
esac
