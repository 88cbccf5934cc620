# Shared by the infra scripts (sourced): installing Debian packages and picking ports.

# One apt-get at a time across the project's scripts (the test setup provisions PostgreSQL and Ceph
# at once; the dpkg lock timeout does not cover the lists lock `apt-get update` takes).
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  flock /tmp/pekanu-apt.lock bash -c 'apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends "$@" || { apt-get update && apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends "$@"; }' _ "$@" >&2
}

# A loopback port nothing listens on, below the ephemeral range (32768-60999 by default), where any
# outgoing connection may take a port as its local one before the server meant for it binds.
free_port() {
  python3 -c 'import random, socket
for _ in range(50):
    port = random.randint(20000, 31999)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break'
}
