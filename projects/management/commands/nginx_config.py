"""Write the nginx site configuration for the tracker (deploy/nginx/tracker.conf is its output for
the example below): nginx in front of one or more gunicorn servers, buffering requests and
responses, client_max_body_size from TRACKER_MAX_UPLOAD_BYTES, timeouts, TLS.

    python manage.py nginx_config --server-name tracker.example.org \\
        --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 \\
        --tls-cert /etc/ssl/tracker/fullchain.pem --tls-key /etc/ssl/tracker/privkey.pem \\
        > /etc/nginx/sites-available/tracker.conf

Without --tls-cert it writes a plain-HTTP server on --listen (for a TLS terminator in front, or the
deployment test). deploy/docker/nginx.conf is its output for Docker Compose (see docs/deploy.md):

    python manage.py nginx_config --upstream app1:8000 --upstream app2:8000 --no-ipv6 \\
        --tls-cert /etc/nginx/certs/fullchain.pem --tls-key /etc/nginx/certs/privkey.pem \\
        --access-log /dev/stdout

nginx's own error answers (413 body too large, 502 no server answering, 504 a server too slow) are
the tracker's: the API's JSON error shape under /api/, elsewhere a page like the application's
error pages, in Chinese (English when Accept-Language starts with en), with the request id."""

import json
from types import SimpleNamespace

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template import Context, Template
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _

# Multipart envelope and form fields around an upload of TRACKER_MAX_UPLOAD_BYTES (Django allows
# DATA_UPLOAD_MAX_MEMORY_SIZE = the limit + 256 KiB for non-file bodies).
ENVELOPE_BYTES = 512 * 1024


def body_size_kib():
    return -(-(settings.TRACKER_MAX_UPLOAD_BYTES + ENVELOPE_BYTES) // 1024)


def body_size_limit():
    """client_max_body_size: the upload limit plus the envelope, in kilobytes (rounded up)."""
    return f"{body_size_kib()}k"


# The statuses nginx answers itself, with the API's error code of each.
NGINX_ERRORS = {413: "too_large", 502: "bad_gateway", 504: "gateway_timeout"}
# The languages of nginx's error answers: the map key and Django's language code.
ERROR_LANGUAGES = {"zh": "zh-hans", "en": "en"}
# The request id in nginx's answers (the variable of the map in HTTP_CONTEXT).
REQUEST_ID_VARIABLE = "$tracker_request_id"

# The page: the application's error page (tracker/templates/error_page.html) with nginx's texts.
ERROR_PAGE = ('{% extends "error_page.html" %}'
              "{% block title %}{{ title }} ({{ status }}){% endblock %}"
              "{% block heading %}{{ title }} ({{ status }}){% endblock %}"
              "{% block text %}{{ text }}{% endblock %}")


def error_texts(status):
    """(title, detail of the API body, text of the page) of an nginx error in the active language."""
    if status == 413:
        return (_("Request too large"),
                _("The request body is too large (at most %(limit)s bytes).") % {"limit": body_size_kib() * 1024},
                _("The file is larger than the limit of %(limit)s.")
                % {"limit": filesizeformat(settings.TRACKER_MAX_UPLOAD_BYTES)})
    if status == 502:
        text = _("No application server answered. Try again in a moment.")
        return _("Service temporarily unavailable"), text, text
    text = _("The application server did not answer in time. Try again in a moment.")
    return _("Server timed out"), text, text


def _nginx_string(text):
    """text as a single-quoted nginx string; nothing in it but the request id is a variable."""
    if "'" in text or "\\" in text or text.replace(REQUEST_ID_VARIABLE, "").count("$"):
        raise ValueError(f"not safe in an nginx string: {text!r}")
    return f"'{text}'"


def error_maps():
    """nginx maps from "$status:$tracker_error_lang" to the JSON body and to the HTML page."""
    json_lines, html_lines = [], []
    template = Template(ERROR_PAGE)
    for status, code in NGINX_ERRORS.items():
        for key, language in ERROR_LANGUAGES.items():
            with translation.override(language):
                title, detail, text = error_texts(status)
                body = json.dumps({"status": status, "code": code, "detail": detail, "errors": [],
                                   "request_id": REQUEST_ID_VARIABLE}, ensure_ascii=False, separators=(",", ":"))
                page = template.render(Context({
                    "title": title, "status": status, "text": text,
                    "request": SimpleNamespace(request_id=REQUEST_ID_VARIABLE),
                }))
            page = "".join(line.strip() for line in page.splitlines())
            json_lines.append(f'    "{status}:{key}" {_nginx_string(body)};')
            html_lines.append(f'    "{status}:{key}" {_nginx_string(page)};')
    return "\n".join(json_lines), "\n".join(html_lines)


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

# nginx's own error answers (413, 502, 504): the API's error body under /api/, a page elsewhere;
# Chinese unless the client asks for English first; with the request id.
map $request_uri $tracker_error_uri {{
    "~^/api/" /_tracker_error/json;
    default /_tracker_error/html;
}}
map $http_accept_language $tracker_error_lang {{
    "~*^en" en;
    default zh;
}}
map "$status:$tracker_error_lang" $tracker_error_json {{
    default "";
{error_json}
}}
map "$status:$tracker_error_lang" $tracker_error_html {{
    default "";
{error_html}
}}
"""

PROXY = """\
{access_log_note}    access_log {access_log} tracker_json;

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

    # nginx's own errors (the application's pass through unchanged); the status stays the error's.
    error_page 413 502 504 $tracker_error_uri;
    location = /_tracker_error/json {{
        internal;
        default_type application/json;
        return 200 $tracker_error_json;
    }}
    location = /_tracker_error/html {{
        internal;
        default_type text/html;
        charset utf-8;
        return 200 $tracker_error_html;
    }}

    location / {{
        proxy_pass http://tracker_app;
    }}
"""

TLS_SERVERS = """
server {{
    listen 80;
{listen_ipv6_80}    server_name {server_name};
    location /.well-known/acme-challenge/ {{ root /var/www/html; }}
    location / {{ return 301 https://$host$request_uri; }}
}}

server {{
    listen 443 ssl http2;
{listen_ipv6_443}    server_name {server_name};

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
           access_log="/var/log/nginx/tracker/access.log", ipv6=True):
    if not upstreams:
        raise ValueError("at least one upstream server")
    servers = "\n".join(f"    server {address} max_fails=3 fail_timeout=10s;" for address in upstreams)
    note = ""
    if access_log.startswith("/var/log/nginx/tracker/"):
        note = ("    # Its own folder, made at install (install -d /var/log/nginx/tracker), kept 180 days by\n"
                "    # deploy/logrotate/tracker (Debian's nginx rotation of /var/log/nginx/*.log keeps 14).\n")
    proxy = PROXY.format(access_log=access_log, access_log_note=note, upload_bytes=settings.TRACKER_MAX_UPLOAD_BYTES,
                         body_size=body_size_limit())
    error_json, error_html = error_maps()
    text = HTTP_CONTEXT.format(servers=servers, error_json=error_json, error_html=error_html)
    if tls_cert:
        text += TLS_SERVERS.format(server_name=server_name, tls_cert=tls_cert, tls_key=tls_key, proxy=proxy,
                                   listen_ipv6_80="    listen [::]:80;\n" if ipv6 else "",
                                   listen_ipv6_443="    listen [::]:443 ssl http2;\n" if ipv6 else "")
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
        parser.add_argument("--access-log", default="/var/log/nginx/tracker/access.log")
        parser.add_argument("--no-ipv6", action="store_true",
                            help="With TLS: listen on IPv4 only (containers, hosts with IPv6 switched off).")

    def handle(self, *args, server_name, upstream, tls_cert, tls_key, listen, access_log, no_ipv6, **options):
        if bool(tls_cert) != bool(tls_key):
            raise CommandError("Give both --tls-cert and --tls-key, or neither.")
        self.stdout.write(render(upstreams=upstream or ["127.0.0.1:8000"], server_name=server_name,
                                 tls_cert=tls_cert, tls_key=tls_key, listen=listen, access_log=access_log,
                                 ipv6=not no_ipv6),
                          ending="")
