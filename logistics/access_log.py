"""gunicorn's access log without secrets: credentials in query strings are masked (`api_key=***`).

Open311 clients send their key as `?api_key=…` (the standard says so); a CAS ticket comes back
as `?ticket=…`. Neither may end up in a log file that more people read than the database.
"""

import re

from gunicorn.glogging import Logger

SECRET_PARAMETERS = ("api_key", "access_token", "token", "ticket")
_SECRET = re.compile(r"(?i)(^|[?&;])(" + "|".join(SECRET_PARAMETERS) + r")=[^&;#\s\"]*")


def mask_secrets(text):
    """The text with the value of every secret query parameter replaced by ***."""
    if not text or not isinstance(text, str):
        return text
    return _SECRET.sub(r"\1\2=***", text)


class PortalAccessLogger(Logger):
    """gunicorn's logger, masking secrets in the request line, query string and referrer."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "q", "f", "{referer}i"):
            if name in atoms:
                atoms[name] = mask_secrets(atoms[name])
        return atoms
