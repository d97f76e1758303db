"""Django settings, read from the environment (django-environ).

Everything that must survive restarts lives in CLEARCRM_DATA_DIR: the SQLite
database, stored files and the generated secrets.
"""

from pathlib import Path

import environ

from clearcrm.datadir import data_dir, encryption_keys, secret_key

env = environ.Env()

DATA_DIR: Path = data_dir()
SECRET_KEY = env.str("CLEARCRM_SECRET_KEY", default="") or secret_key(DATA_DIR)
ENCRYPTION_KEYS: list[str] = env.list("CLEARCRM_ENCRYPTION_KEYS", default=[]) or encryption_keys(
    DATA_DIR
)
DEBUG = env.bool("CLEARCRM_DEBUG", default=False)
ALLOWED_HOSTS = env.list("CLEARCRM_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CLEARCRM_CSRF_TRUSTED_ORIGINS", default=[])
# The public address of the site, used in links inside notification emails.
SITE_URL = env.str("CLEARCRM_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Reverse proxies (addresses or networks) whose X-Forwarded-For/-Proto are believed.
TRUSTED_PROXIES: list[str] = env.list("CLEARCRM_TRUSTED_PROXY", default=[])
# Region for national phone numbers when neither the mailbox nor the message says one.
PHONE_REGION = env.str("CLEARCRM_PHONE_REGION", default="").strip().upper()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_htmx",
    "django_filters",
    "clearcrm.staff",
    "clearcrm.customers",
    "clearcrm.leads",
    "clearcrm.tasks",
    "clearcrm.timeline",
    "clearcrm.attachments",
    "clearcrm.notifications",
    "clearcrm.inbound",
    "clearcrm.worker",
    "clearcrm.web",
]

MIDDLEWARE = [
    # First: every later piece must see the real client address and scheme.
    "clearcrm.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "clearcrm.web.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns repeated failed logins into a lockout.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("CLEARCRM_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 1  # hours
# Lock a username only from the address that failed: by username alone anyone could
# lock the admin out, by address alone one attacker locks out a whole office.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]

ROOT_URLCONF = "clearcrm.urls"
WSGI_APPLICATION = "clearcrm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    """SQLite in the data dir unless DATABASE_URL names another database."""
    if env.str("DATABASE_URL", default=""):
        db = env.db_url("DATABASE_URL")
        db.setdefault("CONN_MAX_AGE", 60)
        db.setdefault("CONN_HEALTH_CHECKS", True)
        return db
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "clearcrm.sqlite3",
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the
            # busy timeout instead of failing with "database is locked" mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA temp_store=MEMORY;"
                "PRAGMA mmap_size=268435456;"
            ),
        },
        # A file, not memory: the tests exercise WAL locking between real connections.
        "TEST": {"NAME": DATA_DIR / "test.sqlite3"},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("CLEARCRM_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing directory
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILES_DIR = DATA_DIR / "files"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
# Over HTTPS, cookies never travel over plain HTTP (the templates hand htmx the
# CSRF token, so its cookie stays HttpOnly too).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SITE_URL.startswith("https://")
CSRF_COOKIE_HTTPONLY = True
if SITE_URL.startswith("https://"):
    # Served over HTTPS (directly or behind a TLS proxy): cookies never go over HTTP.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
if TRUSTED_PROXIES:
    # The proxy says whether the browser used HTTPS (TrustedProxyMiddleware drops
    # the header when anyone else sends it).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Without EMAIL_URL, notifications stay in the app and no email is sent.
EMAIL_ENABLED = bool(env.str("EMAIL_URL", default=""))
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("CLEARCRM_FROM_EMAIL", default="ClearCRM <clearcrm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work (clearcrm.worker). Without a Redis URL the queue is a SQLite
# file of its own in the data dir, apart from the main database.
REDIS_URL = env.str("CLEARCRM_REDIS_URL", default="")
QUEUE_NAME = env.str("CLEARCRM_QUEUE_NAME", default="clearcrm")
QUEUE_FILE = DATA_DIR / "queue.sqlite3"
EMBEDDED_WORKER = env.bool("CLEARCRM_EMBEDDED_WORKER", default=True)
WORKER_CONCURRENCY = env.int("CLEARCRM_WORKER_CONCURRENCY", default=2)
DISPATCH_EVERY = env.float("CLEARCRM_DISPATCH_EVERY", default=15.0)  # seconds
LISTENER_CAPACITY = env.int("CLEARCRM_LISTENER_CAPACITY", default=2000)  # mailboxes
SHUTDOWN_GRACE = env.float("CLEARCRM_SHUTDOWN_GRACE", default=20.0)  # seconds
# Seconds in a "minute" of the schedule: only tests and benchmarks shorten it.
MINUTE_SECONDS = env.float("CLEARCRM_MINUTE_SECONDS", default=60.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "clearcrm": {"handlers": ["console"], "level": env.str("CLEARCRM_LOG_LEVEL", "INFO")},
    },
}
