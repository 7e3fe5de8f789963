# Shared by scripts/test.sh and scripts/bench.sh (sourced): install Debian packages when root, and start
# the local PostgreSQL cluster with a `peerpact` role that may create databases.

is_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  is_root || return 1
  [ -f /tmp/.peerpact-apt-updated ] || { apt-get update -q >/dev/null && touch /tmp/.peerpact-apt-updated; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

pg_ready=0
start_postgres() {
  if [ -n "${PEERPACT_TEST_DATABASE_URL:-}" ]; then pg_ready=1; return; fi
  command -v pg_ctlcluster >/dev/null 2>&1 || { echo "==> Installing PostgreSQL"; apt_install postgresql || return 1; }
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  [ -n "$version" ] || return 1
  pg_ctlcluster "$version" main status >/dev/null 2>&1 || pg_ctlcluster "$version" main start || return 1
  for _ in $(seq 1 30); do
    su postgres -c "pg_isready -q -h 127.0.0.1" 2>/dev/null && break
    sleep 0.5
  done
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='peerpact'\"" | grep -q 1 \
    || su postgres -c "psql -qc \"CREATE ROLE peerpact LOGIN PASSWORD 'peerpact' CREATEDB\"" || return 1
  export PEERPACT_TEST_DATABASE_URL="postgres://peerpact:peerpact@127.0.0.1:5432/peerpact"
  pg_ready=1
}
