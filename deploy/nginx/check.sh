#!/usr/bin/env bash
# `nginx -t` on the production config (kaisetsu.conf and the two files it includes), as an
# unprivileged check: the files are copied into a temporary prefix with their production
# paths mapped into it and a throwaway self-signed certificate, under a minimal main config.
# CI runs it (.ci/run); so can you, after changing anything in deploy/nginx/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v nginx >/dev/null 2>&1; then
  echo "nginx is not installed: apt-get install -y nginx-light" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/conf" "$tmp/cache" "$tmp/static" "$tmp/media" "$tmp/temp"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=kaisetsu.example.com" \
  -keyout "$tmp/conf/test.key" -out "$tmp/conf/test.pem" >/dev/null 2>&1

for file in "$here"/*.conf; do
  sed -e "s#/etc/nginx/kaisetsu/#$tmp/conf/#g" \
      -e "s#/etc/ssl/certs/kaisetsu.example.com.pem#$tmp/conf/test.pem#g" \
      -e "s#/etc/ssl/private/kaisetsu.example.com.key#$tmp/conf/test.key#g" \
      -e "s#/var/cache/nginx/kaisetsu#$tmp/cache#g" \
      -e "s#/srv/kaisetsu/staticfiles/#$tmp/static/#g" \
      -e "s#/srv/kaisetsu/media/#$tmp/media/#g" \
      "$file" > "$tmp/conf/$(basename "$file")"
done
# A path added to the config but not mapped above would be checked against this machine.
if grep -nE '/etc/nginx/kaisetsu/|/etc/ssl/|/var/cache/nginx|/srv/kaisetsu' "$tmp"/conf/*.conf; then
  echo "check.sh: the lines above name production paths this script does not map" >&2
  exit 1
fi

mime=/etc/nginx/mime.types
[ -f "$mime" ] || { echo "types { text/html html; }" > "$tmp/mime.types"; mime="$tmp/mime.types"; }
cat > "$tmp/nginx.conf" <<CONF
pid $tmp/nginx.pid;
error_log stderr;
events {}
http {
    include $mime;
    access_log off;
    client_body_temp_path $tmp/temp/client;
    proxy_temp_path $tmp/temp/proxy;
    fastcgi_temp_path $tmp/temp/fastcgi;
    uwsgi_temp_path $tmp/temp/uwsgi;
    scgi_temp_path $tmp/temp/scgi;
    include $tmp/conf/kaisetsu.conf;
}
CONF

nginx -t -p "$tmp/" -c "$tmp/nginx.conf" -e stderr
echo "deploy/nginx: configuration OK"
