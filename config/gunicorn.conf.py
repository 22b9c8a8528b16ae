"""gunicorn in production: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

Everything is logged for the journal (access log on stdout, the rest on stderr), one
JSON object a line like the application's own logs (rathausmobil/core/logs.py,
docs/deployment.md "Logs"); with LOG_FORMAT=text, gunicorn's usual lines. The access log names method, path, status,
size, duration and the request id; never the query string (a search for a name would
land in the log), the client's address or its user agent. Settings given on the command
line win over this file (e.g. --bind, --workers).
"""

import os

from django.conf import settings
from gunicorn.glogging import Logger

from rathausmobil.core.logs import JsonFormatter

bind = os.environ.get("GUNICORN_BIND") or "127.0.0.1:8000"
# two sync workers a core: one waits on the database half of the time (docs/performance.md)
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * (os.cpu_count() or 1))
# With threads (gthread), an idle connection from nginx stays open 75 s: longer than nginx
# keeps it (keepalive_timeout 60s in deploy/nginx/rathausmobil.conf), so gunicorn never
# closes a connection nginx is just reusing (nginx would count that as the server failing).
keepalive = 75
# gunicorn's control socket (one fixed path per user) is not used: systemd sends signals.
# Two servers on one host would otherwise take the same socket from each other.
control_socket_disable = True
accesslog = "-"
errorlog = "-"


class JsonLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        headers = dict((name.lower(), value) for name, value in resp.headers)
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        self.access_log.info(
            "%s %s %s",
            method,
            path,
            status,
            extra={
                "method": method,
                "path": path,
                "status": int(status) if status.isdigit() else status,
                "bytes": getattr(resp, "sent", None),
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "request_id": headers.get("x-request-id"),
            },
        )


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if settings.LOG_FORMAT == "json":  # the application's choice (LOG_FORMAT, DEBUG)
    logger_class = JsonLogger
