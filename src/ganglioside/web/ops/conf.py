"""Settings of the operations app, applied at the end of ``ganglioside.web.settings``.

Everything comes from the environment, like the rest of the settings.  With ``DEBUG`` off the
defaults are those of a public HTTPS deployment, so ``ganglioside manage check --deploy``
reports nothing once ``SECRET_KEY`` and ``ALLOWED_HOSTS`` are set:

- HTTPS (``GANGLIOSIDE_HTTPS``, default on without DEBUG): redirect to HTTPS (except the health
  and metrics endpoints, probed over the private network), HSTS for a year, secure cookies.
- Headers: ``X-Frame-Options: DENY``, ``nosniff``, ``Referrer-Policy: same-origin``,
  ``Cross-Origin-Opener-Policy: same-origin`` and the ``Content-Security-Policy`` of
  ``GANGLIOSIDE_CSP``.
- PostgreSQL connections: checked before reuse (``CONN_HEALTH_CHECKS``); kept open
  ``DATABASE_CONN_MAX_AGE`` seconds in workers; pooled in the ASGI server
  (``DATABASE_POOL=1``, set by deploy/uvicorn.env), as Django advises under ASGI.
- Logs: JSON lines on stdout with the request id (``LOG_JSON``, default on without DEBUG).
- Sentry when ``SENTRY_DSN`` is set; Prometheus metrics at ``/metrics`` behind
  ``GANGLIOSIDE_METRICS_TOKEN``; the retention clean-up (``GANGLIOSIDE_RETENTION_DAYS``) daily.
"""

from __future__ import annotations

from typing import Any

from ganglioside.web.env import Env

from .jsonlog import logging_config

# Scripts and styles from this site only, nothing from other origins (fonts included).  Inline
# styles are allowed because the charting library (Plotly) writes its own <style> rules at run
# time; no inline script is allowed.  The progress WebSocket is same-origin, which 'self' covers.
DEFAULT_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        # The API reference (ReDoc) runs its search in a worker built from a blob: URL.
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Browser features the site never uses, refused to it and to anything it might embed.
DEFAULT_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
ONE_YEAR = 365 * 24 * 3600
POSTGRES_ENGINES = ("django.db.backends.postgresql",)


def apply_operations_settings(namespace: dict[str, Any], env: Env) -> None:
    """Add the operations settings to ``namespace`` (the settings module's globals)."""
    debug = bool(namespace["DEBUG"])

    namespace["INSTALLED_APPS"] = [*namespace["INSTALLED_APPS"], "ganglioside.web.ops"]
    middleware = list(namespace["MIDDLEWARE"])
    # First, so the request id and the timing cover every other middleware.
    middleware.insert(0, "ganglioside.web.ops.middleware.RequestLogMiddleware")
    # Last, so its process_exception sees what the views raise.
    middleware.append("ganglioside.web.ops.middleware.OutageMiddleware")
    middleware.append("ganglioside.web.ops.signin_limits.SignInLimitMiddleware")
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    middleware.insert(
        security + 1, "ganglioside.web.ops.middleware.ContentSecurityPolicyMiddleware"
    )
    middleware.insert(security + 2, "ganglioside.web.ops.middleware.RefuseNulQueryMiddleware")
    namespace["MIDDLEWARE"] = middleware

    _apply_https_and_headers(namespace, env, debug)
    _apply_database_connections(namespace, env)
    _apply_logs_errors_metrics(namespace, env, debug)
    _apply_retention(namespace, env)


def _apply_https_and_headers(namespace: dict[str, Any], env: Env, debug: bool) -> None:
    https = env.bool("GANGLIOSIDE_HTTPS", not debug)
    namespace.update(
        SECURE_SSL_REDIRECT=https,
        # Probes and Prometheus reach the app port directly, over plain HTTP.
        SECURE_REDIRECT_EXEMPT=[r"^health/", r"^metrics$"],
        SECURE_HSTS_SECONDS=env.int("SECURE_HSTS_SECONDS", ONE_YEAR if https else 0, minimum=0),
        SECURE_HSTS_INCLUDE_SUBDOMAINS=env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True),
        SECURE_HSTS_PRELOAD=env.bool("SECURE_HSTS_PRELOAD", True),
        SESSION_COOKIE_SECURE=https,
        CSRF_COOKIE_SECURE=https,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        CSRF_COOKIE_SAMESITE="Lax",
        X_FRAME_OPTIONS="DENY",
        SECURE_CONTENT_TYPE_NOSNIFF=True,
        SECURE_REFERRER_POLICY="same-origin",
        SECURE_CROSS_ORIGIN_OPENER_POLICY="same-origin",
        GANGLIOSIDE_CSP=env.str("GANGLIOSIDE_CSP", DEFAULT_CSP),
        GANGLIOSIDE_PERMISSIONS_POLICY=env.str(
            "GANGLIOSIDE_PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY
        ),
    )


def _apply_database_connections(namespace: dict[str, Any], env: Env) -> None:
    database = namespace["DATABASES"]["default"]
    if database["ENGINE"] in POSTGRES_ENGINES:
        database["CONN_HEALTH_CHECKS"] = True
        if env.bool("DATABASE_POOL", False):
            # Django refuses persistent connections together with a pool.
            database["CONN_MAX_AGE"] = 0
            database.setdefault("OPTIONS", {})["pool"] = {
                "min_size": 1,
                "max_size": env.int("DATABASE_POOL_MAX_SIZE", 10, minimum=1),
                "timeout": 10,
            }


def _apply_logs_errors_metrics(namespace: dict[str, Any], env: Env, debug: bool) -> None:
    namespace["LOGGING"] = logging_config(
        level=namespace.get("LOG_LEVEL", "INFO"), json_lines=env.bool("LOG_JSON", not debug)
    )
    # Celery would otherwise replace the root handler with its own plain-text one.
    namespace["CELERY_WORKER_HIJACK_ROOT_LOGGER"] = False
    dsn = env.str("SENTRY_DSN")
    if dsn:
        import ganglioside

        from .sentry import init_sentry

        init_sentry(
            dsn=dsn,
            environment=env.str("SENTRY_ENVIRONMENT", "production") or "production",
            release=f"ganglioside@{ganglioside.__version__}",
            traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0.0),
        )
    namespace["GANGLIOSIDE_METRICS_TOKEN"] = env.str("GANGLIOSIDE_METRICS_TOKEN", "") or ""


def _apply_retention(namespace: dict[str, Any], env: Env) -> None:
    from celery.schedules import crontab

    namespace["GANGLIOSIDE_RETENTION_DAYS"] = env.int("GANGLIOSIDE_RETENTION_DAYS", 0, minimum=0)
    namespace["CELERY_BEAT_SCHEDULE"] = {
        **namespace.get("CELERY_BEAT_SCHEDULE", {}),
        "purge-expired-analyses": {
            "task": "ganglioside.web.ops.tasks.analyses_purge_expired",
            # Daily, at a quiet hour of the configured TIME_ZONE.
            "schedule": crontab(hour=3, minute=30),
        },
    }
