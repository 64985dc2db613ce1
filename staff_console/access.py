"""Who may reach what under /console/ and /api/v1/: sessions, CSRF, roles, security headers.

Every route needs a signed-in staff member except those marked `@public` (sign-in) and the
console's static files. Without a session the API answers 401 JSON and the pages redirect
to the sign-in page. Every write (any method but GET/HEAD/OPTIONS) needs the session's CSRF
token: header `X-CSRF-Token`, or on /console/ a form field `csrf_token`. Roles are checked
per route with `@require_role`. The cookie is HttpOnly, SameSite=Strict, and Secure when
the request came over TLS (or, with `[console] trust_forwarded_proto = true`, when a proxy
in front of us says `X-Forwarded-Proto: https`).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar
from urllib.parse import quote, urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.app import keys
from staff_console.errors import ApiError, error_response
from staff_console.sessions import SessionBook, SignedIn
from storage.roles import SUPERVISING

COOKIE = "tobira_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
BACKGROUND_HEADER = "X-Tobira-Background"
SIGN_IN_PATH = "/console/login"
STATIC_PREFIX = "/console/static/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# No inline script, no inline style, nothing from elsewhere.
PAGES_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"

_SIGNED_IN = web.RequestKey("tobira_signed_in", SignedIn)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)


# -- for handlers -------------------------------------------------------------------------


def public(handler: H) -> H:
    """Reachable without a session (the sign-in page and the login call)."""
    handler.tobira_public = True  # type: ignore[attr-defined]
    return handler


def require_role(*roles: str) -> Callable[[H], H]:
    """403 for a signed-in staff member whose role is not one of `roles`."""

    def decorate(handler: H) -> H:
        async def checked(request: web.Request) -> web.StreamResponse:
            if current_staff(request).staff.role not in roles:
                raise ApiError(403, "forbidden")
            return await handler(request)

        checked.__name__ = handler.__name__
        checked.__doc__ = handler.__doc__
        return checked  # type: ignore[return-value]

    return decorate


# Supervisors and admins only (storage/roles.py says who supervises).
supervisors_only = require_role(*SUPERVISING)


def current_staff(request: web.Request) -> SignedIn:
    """The signed-in staff member (the middleware let the request through)."""
    return request[_SIGNED_IN]


def csrf_token(request: web.Request) -> str:
    return current_staff(request).csrf_token


def sessions_of(request: web.Request) -> SessionBook:
    app = request.config_dict
    return SessionBook(app[keys.DB], app[keys.CLOCK], app[keys.SETTINGS].console)


def is_tls(request: web.Request) -> bool:
    if request.secure:
        return True
    if request.config_dict[keys.SETTINGS].console.trust_forwarded_proto:
        forwarded = request.headers.get("X-Forwarded-Proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    # A browser-session cookie (no expiry): the server ends the session when idle.
    response.set_cookie(
        COOKIE, token, path="/", httponly=True, samesite="Strict", secure=is_tls(request)
    )


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/", samesite="Strict", secure=is_tls(request))


async def sign_out(request: web.Request, response: web.StreamResponse) -> None:
    """End the current session and clear its cookie."""
    await sessions_of(request).sign_out(current_staff(request))
    clear_session_cookie(request, response)


# -- middlewares ----------------------------------------------------------------------------


def _is_public(request: web.Request, handler: Handler) -> bool:
    if request.path.startswith(STATIC_PREFIX):
        return True
    route_handler = request.match_info.handler if request.match_info.route else None
    return bool(
        getattr(handler, "tobira_public", False) or getattr(route_handler, "tobira_public", False)
    )


def _same_origin(request: web.Request) -> bool:
    """No Origin header (not a browser, or an old one), or one naming this very host."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    hosts = {request.host}
    if request.config_dict[keys.SETTINGS].console.trust_forwarded_proto:
        # Behind the TLS proxy: the host the browser used, if the proxy rewrote Host.
        forwarded = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
        if forwarded:
            hosts.add(forwarded)
    # "null" (a sandboxed frame, a data: page) names no host, and matches none.
    netloc = urlsplit(origin).netloc
    return bool(netloc) and netloc in hosts


def _csrf_ok(request: web.Request, signed_in: SignedIn, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest((sent or "").encode(), signed_in.csrf_token.encode())


def signed_in(kind: Literal["api", "pages"]) -> Middleware:
    """Sessions, CSRF and the signed-in staff member, for one of the two sub-apps."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method not in SAFE_METHODS and not _same_origin(request):
            # A form on another site posting here (sign-in included: no login CSRF).
            if kind == "api":
                return error_response(request, 403, "csrf")
            raise web.HTTPForbidden(text="This form was sent from another site.")
        if _is_public(request, handler):
            return await handler(request)
        token = request.cookies.get(COOKIE, "")
        background = request.headers.get(BACKGROUND_HEADER) == "1"
        found = await sessions_of(request).find(token, activity=not background) if token else None
        if found is None:
            if kind == "api":
                response = error_response(request, 401, "sign_in_needed")
                if token:
                    clear_session_cookie(request, response)
                return response
            target = quote(request.path_qs, safe="")
            raise web.HTTPSeeOther(f"{SIGN_IN_PATH}?next={target}")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER)
            if (
                sent is None
                and kind == "pages"
                and request.content_type
                in (
                    "application/x-www-form-urlencoded",
                    "multipart/form-data",
                )
            ):
                field = (await request.post()).get(CSRF_FIELD)
                sent = field if isinstance(field, str) else None
            if not _csrf_ok(request, found, sent):
                if kind == "api":
                    return error_response(request, 403, "csrf")
                raise web.HTTPForbidden(text="CSRF token missing or wrong; reload the page.")
        request[_SIGNED_IN] = found
        return await handler(request)

    return middleware


def security_headers(kind: Literal["api", "pages"]) -> Middleware:
    csp = API_CSP if kind == "api" else PAGES_CSP
    referrer = "no-referrer" if kind == "api" else "same-origin"

    def add(request: web.Request, response: web.StreamResponse) -> None:
        if response.prepared:
            return
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # Pages: "same-origin", not "no-referrer", under which a browser sends `Origin: null`
        # with a form and the same-origin check would refuse it. Nothing leaves our origin.
        headers.setdefault("Referrer-Policy", referrer)
        headers.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith(STATIC_PREFIX):
            headers.setdefault("Cache-Control", "no-store")

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as error:
            add(request, error)
            raise
        add(request, response)
        return response

    return middleware
