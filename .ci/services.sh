#!/usr/bin/env bash
# Start Redis and MariaDB on 127.0.0.1 if they are not already answering,
# then wait until both accept connections. Safe to run any number of times.
set -euo pipefail

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "::: starting redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

if ! mariadb -h 127.0.0.1 -uroot -e 'select 1' >/dev/null 2>&1; then
  echo "::: starting mariadb"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi

for _ in $(seq 1 60); do
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 &&
    mariadb -h 127.0.0.1 -uroot -e 'create database if not exists test' >/dev/null 2>&1; then
    echo "::: redis and mariadb are up"
    exit 0
  fi
  sleep 1
done
echo "redis or mariadb did not come up within 60 s" >&2
exit 1
