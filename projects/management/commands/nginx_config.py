"""Write the nginx site configuration for the tracker (deploy/nginx/tracker.conf is its output for
the example below): nginx in front of one or more gunicorn servers, buffering requests and
responses, client_max_body_size from TRACKER_MAX_UPLOAD_BYTES, timeouts, TLS.

    python manage.py nginx_config --server-name tracker.example.org \\
        --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 \\
        --tls-cert /etc/ssl/tracker/fullchain.pem --tls-key /etc/ssl/tracker/privkey.pem \\
        > /etc/nginx/sites-available/tracker.conf

Without --tls-cert it writes a plain-HTTP server on --listen (for a TLS terminator in front, or the
deployment test)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Multipart envelope and form fields around an upload of TRACKER_MAX_UPLOAD_BYTES (Django allows
# DATA_UPLOAD_MAX_MEMORY_SIZE = the limit + 256 KiB for non-file bodies).
ENVELOPE_BYTES = 512 * 1024


def body_size_limit():
    """client_max_body_size: the upload limit plus the envelope, in kilobytes (rounded up)."""
    return f"{-(-(settings.TRACKER_MAX_UPLOAD_BYTES + ENVELOPE_BYTES) // 1024)}k"


HTTP_CONTEXT = """\
# The tracker behind nginx. Written by `python manage.py nginx_config`; see docs/deploy.md.
# Include it in nginx's http context (Debian: /etc/nginx/sites-enabled/tracker.conf).

upstream tracker_app {{
{servers}
    keepalive 16;
}}

# One id from nginx's access log to the application's JSON log: the client's X-Request-ID when it
# looks like an id (the rule of tracker/logs.py), else nginx's own.
map $http_x_request_id $tracker_request_id {{
    "~^[A-Za-z0-9][A-Za-z0-9._:-]{{7,63}}$" $http_x_request_id;
    default $request_id;
}}

log_format tracker_json escape=json '{{"time":"$time_iso8601","remote_addr":"$remote_addr",'
    '"request_id":"$tracker_request_id","method":"$request_method","uri":"$request_uri",'
    '"status":$status,"bytes":$body_bytes_sent,"request_time":$request_time,'
    '"upstream":"$upstream_addr","upstream_time":"$upstream_response_time",'
    '"user_agent":"$http_user_agent"}}';
"""

PROXY = """\
    access_log {access_log} tracker_json;

    # gunicorn's sync workers serve one request at a time: nginx reads the whole request (headers
    # and body) before passing it on and takes the whole response, so a slow or idle client holds
    # an nginx connection (cheap), never a worker (docs/deploy.md, "Why nginx").
    proxy_request_buffering on;
    proxy_buffering on;
    proxy_buffers 32 16k;
    proxy_buffer_size 16k;

    # A workbook of TRACKER_MAX_UPLOAD_BYTES ({upload_bytes} bytes) plus the multipart envelope.
    client_max_body_size {body_size};
    client_body_buffer_size 1m;

    # Clients that stop sending are dropped: half-sent headers or bodies wait at most this long.
    client_header_timeout 15s;
    client_body_timeout 30s;
    send_timeout 60s;
    keepalive_timeout 30s;

    # gunicorn's --timeout is 60 s (the bulletin PDF prints within it).
    proxy_connect_timeout 5s;
    proxy_send_timeout 60s;
    proxy_read_timeout 75s;
    # A server that is down is skipped; a POST is never sent twice (nginx does not retry
    # non-idempotent requests unless told to).
    proxy_next_upstream error timeout http_502 http_503;
    proxy_next_upstream_tries 2;

    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Request-ID $tracker_request_id;
    proxy_hide_header X-Request-ID;
    add_header X-Request-ID $tracker_request_id always;

    location / {{
        proxy_pass http://tracker_app;
    }}
"""

TLS_SERVERS = """
server {{
    listen 80;
    listen [::]:80;
    server_name {server_name};
    location /.well-known/acme-challenge/ {{ root /var/www/html; }}
    location / {{ return 301 https://$host$request_uri; }}
}}

server {{
    listen 443 ssl http2;
    listen [::]:443 ssl http2;
    server_name {server_name};

    ssl_certificate {tls_cert};
    ssl_certificate_key {tls_key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;
    ssl_session_timeout 1d;
    ssl_session_cache shared:tracker_tls:10m;
    ssl_session_tickets off;
    # The application sends Strict-Transport-Security itself (DJANGO_SECURE_HSTS_SECONDS).

{proxy}}}
"""

HTTP_SERVER = """
server {{
    listen {listen};
    server_name {server_name};

{proxy}}}
"""


def render(*, upstreams, server_name="_", tls_cert=None, tls_key=None, listen="80",
           access_log="/var/log/nginx/tracker.access.log"):
    if not upstreams:
        raise ValueError("at least one upstream server")
    servers = "\n".join(f"    server {address} max_fails=3 fail_timeout=10s;" for address in upstreams)
    proxy = PROXY.format(access_log=access_log, upload_bytes=settings.TRACKER_MAX_UPLOAD_BYTES,
                         body_size=body_size_limit())
    text = HTTP_CONTEXT.format(servers=servers)
    if tls_cert:
        text += TLS_SERVERS.format(server_name=server_name, tls_cert=tls_cert, tls_key=tls_key, proxy=proxy)
    else:
        text += HTTP_SERVER.format(listen=listen, server_name=server_name, proxy=proxy)
    return text


class Command(BaseCommand):
    help = "Print the nginx site configuration (proxy buffering, body size from TRACKER_MAX_UPLOAD_BYTES, TLS)."

    def add_arguments(self, parser):
        parser.add_argument("--server-name", default="_")
        parser.add_argument("--upstream", action="append", default=[],
                            help="A gunicorn address (host:port or unix:/path); repeat for several servers.")
        parser.add_argument("--tls-cert", help="Certificate chain (PEM); with --tls-key: HTTPS on 443, 80 redirects.")
        parser.add_argument("--tls-key")
        parser.add_argument("--listen", default="80", help="Without TLS: nginx's listen argument (default 80).")
        parser.add_argument("--access-log", default="/var/log/nginx/tracker.access.log")

    def handle(self, *args, server_name, upstream, tls_cert, tls_key, listen, access_log, **options):
        if bool(tls_cert) != bool(tls_key):
            raise CommandError("Give both --tls-cert and --tls-key, or neither.")
        self.stdout.write(render(upstreams=upstream or ["127.0.0.1:8000"], server_name=server_name,
                                 tls_cert=tls_cert, tls_key=tls_key, listen=listen, access_log=access_log),
                          ending="")
