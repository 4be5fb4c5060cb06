"""gunicorn taught to send the app's ``Date`` and to honour its ``Connection: close``.

Apart from :mod:`mock_ksef.http.wire` (which needs Flask) so that the server's master
applies it before the workers fork without importing the app: a response object gunicorn
makes for a request that arrives while a worker still builds its app must already be the
adapted one (``docs/http-edge.md``).
"""

from __future__ import annotations


def adopt_app_headers_in_gunicorn() -> None:
    """Make gunicorn send the app's ``Date`` and honour its ``Connection: close``.

    gunicorn treats both as hop-by-hop and drops them: ``Date`` is then the wall clock,
    and a ``Connection: close`` from the app is ignored. Call in the master before the
    workers fork; idempotent.
    """
    from gunicorn.http import wsgi

    if getattr(wsgi.Response, "mock_ksef", False):
        return

    class _Response(wsgi.Response):  # type: ignore[misc]
        mock_ksef = True
        app_date: str | None = None

        def process_headers(self, headers: list[tuple[str, str]]) -> None:
            kept = []
            for name, value in headers:
                lname = name.lower().strip()
                if lname == "date":
                    self.app_date = value.strip()
                elif lname == "connection" and value.strip().lower() == "close":
                    self.force_close()
                else:
                    kept.append((name, value))
            super().process_headers(kept)

        def default_headers(self) -> list[str]:
            lines: list[str] = super().default_headers()
            if self.app_date:
                return [
                    f"Date: {self.app_date}\r\n" if line.startswith("Date: ") else line
                    for line in lines
                ]
            return lines

    wsgi.Response = _Response
