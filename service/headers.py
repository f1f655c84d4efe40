"""Headers every answer carries, and ``OPTIONS`` answered for every route.

* Every response says ``X-Content-Type-Options: nosniff``, so a browser never second-guesses a JSON or plain-text
  answer as HTML.
* HTML pages (the moderators' pages) also carry a Content-Security-Policy that allows only this server's own
  scripts, styles, images and form targets, forbids framing (``frame-ancestors 'none'`` and ``X-Frame-Options:
  DENY`` for older browsers) and plugins, and ``Referrer-Policy: same-origin`` so a link a moderator follows does not
  tell the other site which page it came from. The templates have no inline script or style, so the policy breaks
  nothing; a script injected into a page would not run.
* ``OPTIONS`` on any route answers ``204 No Content`` with ``Allow`` listing its methods, before any key is asked
  for (it reveals nothing a 405 would not). An unknown path still answers 404 in its API's dialect.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

__all__ = ["CONTENT_SECURITY_POLICY", "PAGE_HEADERS", "install"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
#: Headers of every HTML page.
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _options() -> Response | None:
    if request.method != "OPTIONS" or request.routing_exception is not None:
        return None  # a routing error (404) is raised, and answered in the API's dialect, when the view runs
    allow = current_app.make_default_options_response().headers["Allow"]  # every rule of the path, not only one
    response = Response(status=204, headers={"Allow": allow})
    del response.headers["Content-Type"]  # no body, so no type (and no page headers)
    return response


def _secure(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        for name, value in PAGE_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


def install(app: Flask) -> None:
    """Register the OPTIONS answer and the headers on ``app``.

    App-wide ``before_request`` functions run before any blueprint's, so OPTIONS is answered before a key is asked
    for.
    """
    app.before_request(_options)
    app.after_request(_secure)
