"""Django settings, read from the environment only (see ``.env.example`` at the repository root).

Every value has a safe default for a laptop (SQLite in a per-user data folder, in-memory
channel layer, background threads instead of Celery) except ``SECRET_KEY``, which production
must set: with ``DEBUG`` off and no ``SECRET_KEY`` the process refuses to start.  A malformed
value stops the process with a message naming the variable.
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
import platformdirs

from ganglioside.web.env import Env, ImproperlyConfiguredEnvironment


def _refuse(message: str) -> None:
    # A clear line on stderr and a non-zero exit beat a traceback from deep inside Django.
    sys.stderr.write(f"ganglioside: cannot start: {message}\n")
    raise SystemExit(2)


def _cpu_count() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - not on Linux


env = Env()

try:
    # -- core switches --------------------------------------------------------------------------
    DEBUG = env.bool("DEBUG", False)
    SECRET_KEY = env.str("SECRET_KEY")
    if not SECRET_KEY:
        if DEBUG:
            # Development only: a fixed, obviously insecure key so DEBUG sessions survive restarts.
            SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105
        else:
            _refuse(
                "SECRET_KEY is not set. Set SECRET_KEY to a long random string "
                "(for example the output of `python -c 'import secrets; "
                "print(secrets.token_urlsafe(50))'`), or set DEBUG=1 on a development machine."
            )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
    CSRF_TRUSTED_ORIGINS = env.origins("CSRF_TRUSTED_ORIGINS")

    # -- files ----------------------------------------------------------------------------------
    DATA_DIR = Path(
        env.str("GANGLIOSIDE_DATA_DIR")
        or platformdirs.user_data_dir("ganglioside", appauthor=False)
    ).expanduser()
    MEDIA_ROOT = str(Path(env.str("MEDIA_ROOT") or DATA_DIR / "media").expanduser())
    MEDIA_URL = "/media/"
    STATIC_ROOT = str(Path(env.str("STATIC_ROOT") or DATA_DIR / "static").expanduser())
    STATIC_URL = "/static/"
    with suppress(OSError):
        # WhiteNoise serves STATIC_ROOT (filled by collectstatic) and warns when it is missing.
        Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    GANGLIOSIDE_MAX_UPLOAD_MB = env.float("GANGLIOSIDE_MAX_UPLOAD_MB", 20.0, minimum=0.001)
    # Request bodies a bit larger than the file limit (multipart overhead, parameters), so
    # the service can answer an oversized file with its own message rather than a bare 400.
    DATA_UPLOAD_MAX_MEMORY_SIZE = int(GANGLIOSIDE_MAX_UPLOAD_MB * 1024 * 1024) + 1024 * 1024
    FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

    # -- database -------------------------------------------------------------------------------
    _default_db = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
    _database_url = env.url(
        "DATABASE_URL", ("sqlite", "postgres", "postgresql", "pgsql"), _default_db
    )
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url, conn_max_age=env.int("DATABASE_CONN_MAX_AGE", 0, minimum=0)
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        _sqlite_name = str(DATABASES["default"]["NAME"])
        if _sqlite_name and _sqlite_name != ":memory:":
            # SQLite creates the file but not its folder (a fresh per-user data folder).
            Path(_sqlite_name).parent.mkdir(parents=True, exist_ok=True)
        # The embedded database under concurrency (the server's threads and requests): WAL
        # lets them read while one writes (synchronous=NORMAL is WAL's usual pairing: no fsync
        # per commit, never a corrupt file); a writer waits up to `timeout` seconds for another;
        # transactions take the write lock as they begin (IMMEDIATE), so none has to upgrade a
        # read lock half way, which SQLite refuses at once.  A statement that still meets a lock
        # is tried again (ganglioside.web.common.database).
        DATABASES["default"]["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

    # -- broker, cache, channel layer -----------------------------------------------------------
    REDIS_URL = env.url("REDIS_URL", ("redis", "rediss", "unix"))
    GANGLIOSIDE_EXECUTOR = env.choice(
        "GANGLIOSIDE_EXECUTOR",
        ("celery", "threads", "inline"),
        "celery" if REDIS_URL else "threads",
    )
    if GANGLIOSIDE_EXECUTOR == "celery" and not REDIS_URL:
        raise ImproperlyConfiguredEnvironment(
            "GANGLIOSIDE_EXECUTOR", "celery", "threads or inline when REDIS_URL is not set"
        )
    GANGLIOSIDE_THREADS = env.int("GANGLIOSIDE_THREADS", 2, minimum=1)
    # Without a broker, the CPU work of a study's samples runs in a pool of this many processes
    # of the server (0: in its threads); by default one per CPU.
    GANGLIOSIDE_PROCESSES = env.int("GANGLIOSIDE_PROCESSES", _cpu_count(), minimum=0)
    # The Celery queue of this deployment (several deployments may share one Redis).
    GANGLIOSIDE_QUEUE = env.str("GANGLIOSIDE_QUEUE", "celery") or "celery"
    # A Celery worker analyses the bundled sample once before its pool starts (see warmup.py).
    GANGLIOSIDE_WORKER_WARM_UP = env.bool("GANGLIOSIDE_WORKER_WARM_UP", True)
    if REDIS_URL:
        CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": "ganglioside",
                # Fail fast during a Redis outage (answered 503 or let through, see
                # common/throttles.py) rather than holding the request.
                "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
            }
        }
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    # redis-py 8 times reads out after 5 s by default, exactly the time the
                    # layer blocks waiting for a message; give reads room beyond that.
                    "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                    "prefix": "ganglioside",
                },
            }
        }
    else:
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

    # -- background runs ------------------------------------------------------------------------
    GANGLIOSIDE_TASK_TIME_LIMIT = env.int("GANGLIOSIDE_TASK_TIME_LIMIT", 900, minimum=10)
    GANGLIOSIDE_TASK_SOFT_TIME_LIMIT = env.int(
        "GANGLIOSIDE_TASK_SOFT_TIME_LIMIT", GANGLIOSIDE_TASK_TIME_LIMIT - 30, minimum=5
    )
    if GANGLIOSIDE_TASK_SOFT_TIME_LIMIT >= GANGLIOSIDE_TASK_TIME_LIMIT:
        raise ImproperlyConfiguredEnvironment(
            "GANGLIOSIDE_TASK_SOFT_TIME_LIMIT",
            str(GANGLIOSIDE_TASK_SOFT_TIME_LIMIT),
            f"fewer seconds than GANGLIOSIDE_TASK_TIME_LIMIT ({GANGLIOSIDE_TASK_TIME_LIMIT})",
        )
    # A running job's process stamps it every GANGLIOSIDE_HEARTBEAT_EVERY seconds (a thread,
    # whatever the analysis is doing); a job with no stamp for GANGLIOSIDE_STALE_AFTER seconds
    # was abandoned by its worker and goes back in the queue (web/heartbeats.py).
    GANGLIOSIDE_HEARTBEAT_EVERY = env.int("GANGLIOSIDE_HEARTBEAT_EVERY", 5, minimum=1)
    GANGLIOSIDE_STALE_AFTER = env.int(
        "GANGLIOSIDE_STALE_AFTER", 4 * GANGLIOSIDE_HEARTBEAT_EVERY, minimum=1
    )
    GANGLIOSIDE_MAX_ATTEMPTS = env.int("GANGLIOSIDE_MAX_ATTEMPTS", 3, minimum=1)
    # The sweep runs this often (seconds), and re-sends an upload whose message never reached
    # the broker (Redis was down) once it is GANGLIOSIDE_RESEND_AFTER seconds old.
    GANGLIOSIDE_SWEEP_EVERY = env.int("GANGLIOSIDE_SWEEP_EVERY", 15, minimum=5)
    GANGLIOSIDE_RESEND_AFTER = env.int("GANGLIOSIDE_RESEND_AFTER", 20, minimum=1)
    # Exports (CSV, JSON, XLSX, HTML) are written as files by the worker right after a run
    # succeeds; 0 leaves them to the first download (which asks the worker for them).
    GANGLIOSIDE_EXPORTS_AFTER_RUN = env.bool("GANGLIOSIDE_EXPORTS_AFTER_RUN", True)
    # Behind nginx: the internal location that serves MEDIA_ROOT/exports/ (X-Accel-Redirect);
    # empty: the application streams the file itself.
    GANGLIOSIDE_ACCEL_REDIRECT = env.str("GANGLIOSIDE_ACCEL_REDIRECT", "") or ""
    # Seconds a delete waits for a worker that is storing the results before answering 409.
    GANGLIOSIDE_DELETE_WAIT = env.float("GANGLIOSIDE_DELETE_WAIT", 3.0, minimum=0.1)
    # Largest table the core reads (rows, columns, characters of a cell, unpacked workbook);
    # read from the same variables by the core (ganglioside.inputs.files.ReadLimits), checked
    # here so that a malformed value stops the process at start.
    GANGLIOSIDE_MAX_ROWS = env.int("GANGLIOSIDE_MAX_ROWS", 1_000_000, minimum=1)
    GANGLIOSIDE_MAX_COLUMNS = env.int("GANGLIOSIDE_MAX_COLUMNS", 1_000, minimum=1)
    GANGLIOSIDE_MAX_CELL_CHARS = env.int("GANGLIOSIDE_MAX_CELL_CHARS", 1_000, minimum=1)
    GANGLIOSIDE_MAX_UNPACKED_MB = env.float("GANGLIOSIDE_MAX_UNPACKED_MB", 100.0, minimum=0.001)

    # -- rate limits ----------------------------------------------------------------------------
    GANGLIOSIDE_RATES = {
        "api": env.rate("GANGLIOSIDE_API_RATE", "10/s"),
        "uploads": env.rate("GANGLIOSIDE_UPLOAD_RATE", "2/min"),
        "auth": env.rate("GANGLIOSIDE_AUTH_RATE", "10/min"),
    }
    # Failed sign-ins (pages, admin, token) allowed per account and per client address within
    # the cool-off (seconds); then that account or address waits out the cool-off.
    GANGLIOSIDE_SIGNIN_ACCOUNT_FAILURES = env.int(
        "GANGLIOSIDE_SIGNIN_ACCOUNT_FAILURES", 5, minimum=1
    )
    GANGLIOSIDE_SIGNIN_ADDRESS_FAILURES = env.int(
        "GANGLIOSIDE_SIGNIN_ADDRESS_FAILURES", 20, minimum=1
    )
    GANGLIOSIDE_SIGNIN_COOLOFF = env.int("GANGLIOSIDE_SIGNIN_COOLOFF", 900, minimum=1)

    # -- email ----------------------------------------------------------------------------------
    DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "ganglioside@localhost")
    SERVER_EMAIL = DEFAULT_FROM_EMAIL
    GANGLIOSIDE_SITE_URL = (
        env.url("GANGLIOSIDE_SITE_URL", ("http", "https"), "http://127.0.0.1:8000") or ""
    ).rstrip("/")
    _email_url = env.url(
        "EMAIL_URL", ("smtp", "smtps", "smtp+tls", "console", "locmem"), bare=("console", "locmem")
    )
    if _email_url:
        _parts = urlsplit(_email_url)
        if _parts.scheme in ("console", "locmem"):
            EMAIL_BACKEND = f"django.core.mail.backends.{_parts.scheme}.EmailBackend"
        else:
            EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            EMAIL_HOST = _parts.hostname or "localhost"
            EMAIL_PORT = _parts.port or {"smtps": 465, "smtp+tls": 587}.get(_parts.scheme, 25)
            EMAIL_HOST_USER = unquote(_parts.username or "")
            EMAIL_HOST_PASSWORD = unquote(_parts.password or "")
            EMAIL_USE_SSL = _parts.scheme == "smtps"
            EMAIL_USE_TLS = _parts.scheme == "smtp+tls" or "tls" in parse_qs(_parts.query)
    elif env.str("EMAIL_HOST"):
        EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        EMAIL_HOST = env.str("EMAIL_HOST", "")
        EMAIL_PORT = env.int("EMAIL_PORT", 25, minimum=1)
        EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
        EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
        EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
        EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", False)
    else:
        EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 10, minimum=1)
    GANGLIOSIDE_NOTIFY_BY_EMAIL = env.bool("GANGLIOSIDE_NOTIFY_BY_EMAIL", True)

    LOG_LEVEL = env.choice("LOG_LEVEL", ("debug", "info", "warning", "error"), "info").upper()
    TIME_ZONE = env.str("TIME_ZONE", "UTC")
except ImproperlyConfiguredEnvironment as exc:
    _refuse(str(exc))

# -- Django -------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "ganglioside.web.common",
    "ganglioside.web.analyses",
    "ganglioside.web.methods",
    "ganglioside.web.studies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ganglioside.web.urls"
ASGI_APPLICATION = "ganglioside.web.asgi.application"
WSGI_APPLICATION = "ganglioside.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

STATICFILES_DIRS = [path for path in [Path(__file__).resolve().parent / "static"] if path.is_dir()]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js for the pages' charts, from the installed plotly package (no CDN).
    "ganglioside.web.common.staticfinders.PlotlyJsFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the app folders, so `ganglioside serve` works without collectstatic.
WHITENOISE_USE_FINDERS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "pages:login"
LOGIN_REDIRECT_URL = "pages:home"
LOGOUT_REDIRECT_URL = "pages:login"

LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True

# -- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["ganglioside.web.common.throttles.ApiRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "ganglioside.web.analyses.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "ganglioside.web.common.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ganglioside.web.common.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Request bodies are JSON; only the uploads (analyses, studies) take multipart forms, by
    # their own parser_classes.  The schema then declares each body with the one content type
    # it is read as (a generated client gets one typed body per operation).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # No ?format= override: an answer's type is chosen by the Accept header alone (a parameter
    # that changed nothing was advertised on every file endpoint).
    "URL_FORMAT_OVERRIDE": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "ganglioside API",
    "DESCRIPTION": (
        "Upload LC-MS/MS feature tables, follow their analysis and read or download the "
        "validated ganglioside annotations. Every error has the shape "
        '{"error": {"code", "message", "details"}}.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # OpenAPI 3.0 reads `nullable` only beside a `type`: a nullable reference becomes a oneOf
    # with an explicit null branch (web/common/schema.py).
    # Answers other than files are JSON (a file view's errors too: FileAnswerMixin); the
    # renderer that lets a download be asked for by any Accept header is not a media type.
    "RENDERER_WHITELIST": ["rest_framework.renderers.JSONRenderer"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ganglioside.web.common.schema.nullable_references",
    ],
    # Swagger UI and ReDoc from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Without deep links an operation's summary holds no link inside its button (a control
    # inside a control cannot be reached by keyboard or screen reader).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "ENUM_NAME_OVERRIDES": {
        "AnalysisStatusEnum": "ganglioside.web.analyses.models.AnalysisStatus",
        "CompoundStatusEnum": "ganglioside.result.STATUSES",
        "StudyStatusEnum": "ganglioside.web.studies.models.StudyStatus",
    },
}

# -- Celery (used only when REDIS_URL is set) ---------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_DEFAULT_QUEUE = GANGLIOSIDE_QUEUE
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = GANGLIOSIDE_TASK_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = GANGLIOSIDE_TASK_SOFT_TIME_LIMIT
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A Redis outage never stops a worker: it reconnects for as long as it takes.  A run going on
# when the connection drops is not cancelled: it needs PostgreSQL only, so it runs to its end and
# stores its result (a redelivered message finds the analysis finished; its claim makes that
# harmless).  Should the worker process exit on the lost connection anyway, `ganglioside worker`
# starts it again and the sweep re-queues a run whose process is gone.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Redelivery of an unacknowledged task (a worker died) waits this long; keep it above the
# hard time limit so a slow but healthy run is never delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": GANGLIOSIDE_TASK_TIME_LIMIT + 300,
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
# Sending a task while Redis is down fails within seconds (the upload stays queued and the sweep
# sends it later) rather than holding the request.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-analyses": {
        "task": "ganglioside.web.analyses.tasks.analyses_sweep_stuck",
        "schedule": float(GANGLIOSIDE_SWEEP_EVERY),
    },
    "sweep-stuck-studies": {
        "task": "ganglioside.web.studies.tasks.studies_sweep_stuck",
        "schedule": float(GANGLIOSIDE_SWEEP_EVERY),
    },
}
CELERY_TIMEZONE = TIME_ZONE

# -- logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"ganglioside": {"level": LOG_LEVEL, "propagate": True}},
}

# -- operations ---------------------------------------------------------------------------------
# HTTPS and security headers, database connection checks and pooling, JSON logs with request
# ids, Sentry, Prometheus metrics, the retention clean-up: see ganglioside/web/ops/conf.py.
# Kept last, since it extends the values above (MIDDLEWARE, DATABASES, LOGGING, beat schedule).
from ganglioside.web.ops.conf import apply_operations_settings  # noqa: E402

try:
    apply_operations_settings(globals(), env)
except ImproperlyConfiguredEnvironment as exc:
    _refuse(str(exc))
