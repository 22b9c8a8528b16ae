"""Structured logs: one JSON object a line on stderr (LOG_FORMAT=json, the default with
DEBUG=0), each with time, level, logger, message, the request's id and the signed-in
user's id (the pk only: never a name or anything else about a person).

The request id comes from the proxy's `X-Request-ID` when it is well-formed (so one id
follows a request from the proxy's log through ours), or is made here; the response
carries it back in `X-Request-ID`, so a person reporting a fault can quote it. A
middleware puts the request in a context variable, a logging filter puts its id on
every record. Our own formatter, no dependency: the standard library writes JSON.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid

from django.conf import settings
from django.utils.functional import empty

HEADER = "X-Request-ID"
# A proxy's id: UUIDs, nginx's $request_id (32 hex), HAProxy's unique-id formats. Letters,
# digits and - _ . : only, so an id can never break a log line or forge another field.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")

_request = contextvars.ContextVar("request", default=None)


def current_request_id() -> str | None:
    request = _request.get()
    return getattr(request, "request_id", None)


class RequestIdMiddleware:
    """First in MIDDLEWARE: every response, even an error page, carries the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "") if settings.LOG_TRUST_REQUEST_ID else ""
        request.request_id = incoming if WELL_FORMED.fullmatch(incoming) else uuid.uuid4().hex
        token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        response[HEADER] = request.request_id
        return response


def _user_id(request) -> int | str | None:
    """The user's pk, if the request has looked its user up already (the login check
    does, for every page): a log line never causes a query of its own."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestContextFilter(logging.Filter):
    """Puts `request_id` and `user_id` on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx or 5xx answer after the middleware has finished, with the
        # request on the record.
        request = getattr(record, "request", None) or _request.get()
        record.request_id = getattr(request, "request_id", None)
        record.user_id = _user_id(request) if request is not None else None
        return True


# What a LogRecord carries anyway; anything else passed as `extra=` is written as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request",  # Django's request loggers pass the request object: never written
    "server_time",
}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message,
    request_id, user_id, the `extra=` fields, and the traceback if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Development: a readable line, with the request id when there is one."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s%(context)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record = logging.makeLogRecord(vars(record))  # other handlers share the record
        record.context = f" [request {request_id}]" if request_id else ""
        return super().format(record)
