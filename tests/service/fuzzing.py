"""Fuzzing every operation of ``/openapi.json`` (native, Akismet, Perspective) with schemathesis-generated requests.

Shared by the suite (``test_fuzz.py``: in process, a bounded number of examples per operation) and by
``benchmarks/reliability.py`` (a real server over HTTP, thousands of requests). Each generated request is sent with
a valid key and blog, so it gets past authentication into the field checks, which is where the crashes were; bad
keys are tested elsewhere. Requests come in schemathesis' two modes: *positive* (bodies that fit the schemas, which
exercise the scoring and storage paths) and *negative* (bodies that break them: wrong types, missing fields, values
out of range). Generation is derandomized, so a run sends the same requests every time.

Schemathesis alone rarely produces what broke the service (lone surrogates, non-text codec names, URLs with
impossible hosts, integers of hundreds of digits), so each generated request also has about a third of its values replaced by
:data:`HOSTILE` ones: a seeded draw, so shrinking still finds the smallest failing request.

An answer is a failure when it is a server error (5xx), carries traceback text, or is not in its API's dialect: a
JSON object for native and Perspective (with ``error.message`` when it is an error), plain text, CSV or JSON for
Akismet.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NotSet

__all__ = ["Tally", "family", "problems", "authenticate", "operations", "fuzz_operation", "request_of", "MODES"]

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
AKISMET_TYPES = ("text/plain", "text/csv", "application/json")


#: Values that once crashed the service or that should never get in, for strings and numbers.
HOSTILE_STRINGS = (
    "\ud800", "a\udfffb", "\udc00\ud800", "\x00", "nul\x00byte", "\u202eevil", "\ufeff", "💥" * 300, "A" * 5000,
    "javascript:alert(document.cookie)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>",
    "http://[::1", "http://[zz::1]/", "http://example.com:99999", "https://x:-1/", "http://[::1]:70000", "//evil",
    "rot13", "base64", "zlib", "idna", "punycode", "uu", "hex", "utf-16", "utf-7", "unicode_escape", "undefined",
    "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "../../etc/passwd", "NaN", "1e999",
    "9" * 400, "-1", "", " ", "\r\nX-Injected: 1", "administrator",
)
HOSTILE_NUMBERS = (10**400, -(10**400), 2**64, 2**63, 1e308, -1e308, 5e-324, -0.0, -1, 2)
# JSON carries lone surrogates as escapes; a form or a query string cannot carry them as UTF-8 at all.
# Three draws in four come from the list (what is known to hurt), one from arbitrary text.
_LISTED = st.sampled_from(HOSTILE_STRINGS)
HOSTILE = st.one_of(_LISTED, _LISTED, _LISTED, st.text(st.characters(codec=None, exclude_categories=()), max_size=40))
_LISTED_ON_THE_WIRE = st.sampled_from([v for v in HOSTILE_STRINGS if not any("\ud800" <= c <= "\udfff" for c in v)])
HOSTILE_ON_THE_WIRE = st.one_of(
    _LISTED_ON_THE_WIRE, _LISTED_ON_THE_WIRE, _LISTED_ON_THE_WIRE, st.text(st.characters(codec="utf-8"), max_size=40)
)


def mutate(value: Any, draw: Callable[[Any], Any], *, form: bool, depth: int = 0) -> Any:
    """``value`` with about one leaf in three replaced by a hostile one (strings only for forms and queries)."""
    if isinstance(value, dict) and depth < 6:
        return {k: mutate(v, draw, form=form, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, list) and depth < 6:
        return [mutate(v, draw, form=form, depth=depth + 1) for v in value]
    if draw(st.integers(0, 2)) != 0:
        return value
    if form:
        return draw(HOSTILE_ON_THE_WIRE)
    if isinstance(value, str):
        return draw(HOSTILE)
    return draw(st.one_of(HOSTILE, st.sampled_from(HOSTILE_NUMBERS)))


def family(path: str) -> str:
    if path.startswith(("/1.1/", "/1.2/")):
        return "akismet"
    if path.startswith("/v1alpha1/"):
        return "perspective"
    return "native"


def problems(path: str, status: int, content_type: str, text: str) -> list[str]:
    """What is wrong with one answer (nothing, usually)."""
    found = []
    if status >= 500:
        found.append(f"server error {status}")
    if "Traceback" in text or 'File "' in text:
        found.append("traceback text in the body")
    mimetype = content_type.split(";")[0].strip()
    if family(path) == "akismet":
        if status != 204 and mimetype not in AKISMET_TYPES:
            found.append(f"Akismet answered {mimetype or 'no content type'}")
    elif path != "/metrics" and status != 204:
        try:
            body = json.loads(text)
        except ValueError:
            found.append(f"not JSON ({mimetype}): {text[:80]!r}")
        else:
            if not isinstance(body, dict):
                found.append("JSON but not an object")
            elif status >= 400 and not (isinstance(body.get("error"), dict) and body["error"].get("message")):
                found.append("an error without error.message")
    return found


@dataclass
class Tally:
    """What a fuzzing run sent and got back."""

    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_family: Counter = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def record(self, method: str, path: str, status: int, content_type: str, text: str) -> list[str]:
        self.sent += 1
        self.statuses[status] += 1
        self.by_family[family(path)] += 1
        found = problems(path, status, content_type, text)
        if found:
            self.failures.append({"method": method, "path": path, "status": status, "problems": found,
                                  "body": text[:300]})
        return found

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def authenticate(case: Any, key: str, site_url: str) -> None:
    """Give a generated request a valid key (and, for Akismet, the key's blog), wherever its API carries them."""
    kind = family(case.path)
    if kind == "native":
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in ("authorization", "x-api-key")}
        case.headers["Authorization"] = f"Bearer {key}"
    elif kind == "perspective":
        case.query = {**(case.query or {}), "key": key}
    else:
        if case.method.upper() == "GET":
            case.query = {**(case.query or {}), "api_key": key}
        elif isinstance(case.body, dict):
            case.body["key" if case.path.endswith("verify-key") else "api_key"] = key
            case.body["blog"] = site_url


def _plain(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def request_of(case: Any) -> dict[str, Any]:
    """The HTTP request a case stands for: method, path, query pairs, headers and body bytes.

    Serialized here rather than by schemathesis, which re-validates a changed case and cannot encode the lone
    surrogates a JSON body may carry as escapes.
    """
    path = case.path
    for name, value in (case.path_parameters or {}).items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    query = [(k, str(v)) for k, values in (case.query or {}).items()
             for v in (values if isinstance(values, list) else [values])]
    headers = {str(k): str(v) for k, v in (case.headers or {}).items()}
    content = None
    if not isinstance(case.body, NotSet) and case.media_type:
        headers["Content-Type"] = case.media_type
        if isinstance(case.body, bytes):
            content = case.body
        elif case.media_type == "application/json":
            content = json.dumps(case.body, default=_plain).encode()
        elif isinstance(case.body, dict):
            pairs = [(k, v if isinstance(v, str) else json.dumps(v, default=_plain)) for k, v in case.body.items()]
            content = urlencode(pairs).encode()
        else:
            content = str(case.body).encode("utf-8", "surrogatepass")
    return {"method": case.method.upper(), "path": path, "query": query, "headers": headers, "content": content}


def operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    send: Callable[[dict[str, Any]], tuple[int, str, str]],
    tally: Tally,
    *,
    key: str,
    site_url: str,
    examples: int,
    fail_fast: bool = True,
) -> None:
    """Send ``examples`` generated requests of one operation in one mode; ``send(request) -> (status, content_type,
    text)`` for a request as :func:`request_of` makes it. With ``fail_fast`` the first bad answer raises AssertionError (after hypothesis shrinks it to the
    smallest request that still fails); otherwise every answer is only counted in ``tally``."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink] if fail_fast else [Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Any, data: Any) -> None:
        authenticate(case, key, site_url)
        form = family(case.path) == "akismet"
        if isinstance(case.body, (dict, list, str)):
            case.body = mutate(case.body, data.draw, form=form)
        if case.query:
            case.query = mutate(case.query, data.draw, form=True)
        status, content_type, text = send(request_of(case))
        found = tally.record(case.method.upper(), case.path, status, content_type, text)
        if found and fail_fast:
            raise AssertionError(f"{case.method.upper()} {case.path} ({mode.value}): {found}; answered {text[:300]!r}")

    run()
