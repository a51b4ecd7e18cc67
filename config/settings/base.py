"""Settings shared by every environment.

Everything that differs between machines comes from the environment. With nothing set,
the product runs on an embedded SQLite file and a file-system Celery broker under var/,
so a first run needs nothing but Python.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.settings.database import databases
from config.settings.env import env_bool, env_list
from config.storages import media_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    # Two-factor sign-in (TOTP apps) and failed sign-in throttling, used by the accounts app.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "core.apps.CoreConfig",
    "inventory.apps.InventoryConfig",
    "carriers.apps.CarriersConfig",
    "channels.apps.ChannelsConfig",
    "orders.apps.OrdersConfig",
    # Before fulfillment (it sits above it): its stock receipt receiver holds a receipt's sample for
    # inspection before fulfillment's receivers give the units to waiting orders.
    "quality.apps.QualityConfig",
    "fulfillment.apps.FulfillmentConfig",
    "partners.apps.PartnersConfig",
    "planning.apps.PlanningConfig",
    "marketplaces.apps.MarketplacesConfig",
    "returns.apps.ReturnsConfig",
    "notifications.apps.NotificationsConfig",
    "webhooks.apps.WebhooksConfig",
    "analytics.apps.AnalyticsConfig",
    # History tables of the audited models; all registered from the audit app (audit/models.py).
    "simple_history",
    "audit.apps.AuditConfig",
    "accounts.apps.AccountsConfig",
    "ui.apps.UiConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Keeps the request for the audit trail: a change is recorded with who made it (API tokens too).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.RejectNullBytesMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    # With DEBUG on (the demo), a page scoped to the user's locations still answers 404 with the product's page.
    "core.not_found.ScopedNotFoundPageMiddleware",
    # After sign-in: whether this session passed its second factor, then the lockout page and the
    # "enrol first" redirect of roles that require two-factor sign-in (accounts).
    "django_otp.middleware.OTPMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ui.context_processors.navigation",
                "ui.search.context_processors.search_box",
            ],
            "builtins": ["template_partials.templatetags.partials"],
            "libraries": {"lists": "ui.lists.templatetags"},
        },
    }
]

DATABASES = databases(VAR_DIR)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
# Axes first: it refuses a locked-out username+address before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Failed sign-ins: after AXES_FAILURE_LIMIT wrong passwords or codes for one username from one address, that
# pair waits AXES_COOLOFF_MINUTES (an administrator can unlock it from the users page). See accounts.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = int(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60  # Axes reads a float as hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # last_login says who signed in; only failures are kept
AXES_LOCKOUT_CALLABLE = "accounts.views.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
# The name sign-in apps show next to the six-digit code.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Fulfil")
LOGIN_REDIRECT_URL = "ui:dashboard"
LOGOUT_REDIRECT_URL = "login"
# Sender of customer emails (pickup ready, reminders).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Fulfil orders <orders@fulfil.example.com>")
# Outgoing mail: any SMTP server from the environment. Without EMAIL_HOST, mail is printed to the
# console (the embedded default); EMAIL_BACKEND names another backend (an email API's) outright.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))  # a dead server must not hang a worker
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL (implicit TLS), not both.")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
# Who the packing slips are from: the shop's name, and its address as lines separated by "|".
MERCHANT_NAME = os.environ.get("MERCHANT_NAME", "Fulfil Goods")
MERCHANT_ADDRESS = os.environ.get("MERCHANT_ADDRESS", "100 Commerce St|Dallas, TX 75201|United States")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request if it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Media (photos, labels, partner files): the file system, or an S3 bucket shared by every node with
# MEDIA_STORAGE=s3 (see config/storages.py and docs/operations.md). Served only through the product's views.
STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Redis / Celery -----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control, in the checkout
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Where labels and tracking come from: the in-product sandbox until a real carrier client is configured.
CARRIER_CLIENT = os.environ.get("CARRIER_CLIENT", "carriers.builtin.CarrierSandbox")
# The in-product carrier sandboxes served over HTTP at /carriers/sandbox/<name>/ (the demo's accounts point there).
CARRIER_SANDBOX = env_bool("CARRIER_SANDBOX", True)
IDEMPOTENCY_KEY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "24"))
# --- Marketplace sync ---
# Fernet key(s) for channel credentials, comma-separated, newest first. Unset: derived from
# SECRET_KEY (development only; production settings refuse to start without it).
CHANNEL_CREDENTIALS_KEY = os.environ.get("CHANNEL_CREDENTIALS_KEY", "")
# The in-product marketplace sandboxes (sandbox:// base URLs and /marketplace-sandbox/ pages).
MARKETPLACE_SANDBOX = env_bool("MARKETPLACE_SANDBOX", True)
# Seconds stock changes are gathered before one coalescing pass moves them into the outbox (and
# its priority lane sees a channel's stock reach 0). Batching towards the marketplaces is the max
# wait's job below, so a short window costs passes, not marketplace calls.
CHANNELS_PUSH_COALESCE_SECONDS = float(os.environ.get("CHANNELS_PUSH_COALESCE_SECONDS", "0.25"))
# Seconds a pending change may wait for its channel's batch to fill before it is pushed anyway
# (a channel's own "max wait" overrides it); whole batches go earlier only when they carry FILL_SKUS SKUs;
# above FEED_THRESHOLD pending SKUs Amazon gets a JSON_LISTINGS_FEED. 4.4 s keeps p95 under the 5-second
# target with one flush per ~5 s window; crossings and last units skip the wait (the priority lane).
CHANNELS_PUSH_MAX_WAIT_SECONDS = float(os.environ.get("CHANNELS_PUSH_MAX_WAIT_SECONDS", "4.4"))
CHANNELS_PUSH_FILL_SKUS = int(os.environ.get("CHANNELS_PUSH_FILL_SKUS", "250"))
CHANNELS_AMAZON_FEED_THRESHOLD = int(os.environ.get("CHANNELS_AMAZON_FEED_THRESHOLD", "50"))
# Seconds after which a push claimed by a worker that never finished is taken over by another.
CHANNELS_CLAIM_LEASE_SECONDS = float(os.environ.get("CHANNELS_CLAIM_LEASE_SECONDS", "120"))
# Seconds a channel whose orders are imported still keeps last units it shows before they are split
# afresh (taking back units it shows could show again a sale still on its way).
CHANNELS_LAST_UNITS_KEEP_SECONDS = float(os.environ.get("CHANNELS_LAST_UNITS_KEEP_SECONDS", "120"))
# Channels' sales not imported yet are estimated from their recent pace and held back from what every
# channel shows; at most this many seconds of a channel's pace (0: no estimate).
CHANNELS_UNHEARD_LOOKBACK_SECONDS = float(os.environ.get("CHANNELS_UNHEARD_LOOKBACK_SECONDS", "300"))
# ... and held back this many times over (sales come in bursts).
CHANNELS_UNHEARD_MARGIN = float(os.environ.get("CHANNELS_UNHEARD_MARGIN", "2.0"))
# Returns: photo uploads at inspection, and the channel refund connector factory (empty: refunds by hand;
# the default refunds marketplace channels through their connector, the others by hand).
RETURNS_PHOTO_MAX_BYTES = int(os.environ.get("RETURNS_PHOTO_MAX_BYTES", str(8 * 1024 * 1024)))
RETURNS_REFUND_CONNECTOR = os.environ.get(
    "RETURNS_REFUND_CONNECTOR", "returns.channel_refunds.channel_refund_connector"
)
# Where customers reach the site: the host of links in return emails (status page, label).
RETURNS_PUBLIC_BASE_URL = os.environ.get("RETURNS_PUBLIC_BASE_URL", "http://localhost:8000")
# Customer notifications (order confirmation, shipped, delayed, cancelled, refund): off on a server that
# must not email customers (a staging copy of production data); nothing is recorded or sent then.
NOTIFICATIONS_ENABLED = env_bool("NOTIFICATIONS_ENABLED", True)
# Proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR). See docs/operations.md.
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))
# Outbound webhooks (the merchant's systems): failed attempts in a row before an endpoint is disabled, and
# seconds after which a delivery claimed by a worker that never finished is sent again. See webhooks/conf.py.
WEBHOOKS_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOKS_DISABLE_AFTER_FAILURES", "20"))
WEBHOOKS_CLAIM_LEASE_SECONDS = float(os.environ.get("WEBHOOKS_CLAIM_LEASE_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "core-idempotency-purge-hourly": {"task": "core.tasks.idempotency_purge", "schedule": 60 * 60},
    "inventory-verify-ledger-nightly": {
        "task": "inventory.tasks.ledger_verify",
        "schedule": 24 * 60 * 60,
    },
    "fulfillment-tracking-poll": {"task": "fulfillment.tasks.tracking_poll", "schedule": 15 * 60},
    # Ship-to checks that were never queued or never finished (a worker was down) are queued again.
    "fulfillment-addresses-check-sweep": {"task": "fulfillment.tasks.addresses_check_sweep", "schedule": 15 * 60},
    # Safety net for receipts whose retry could not be queued: every backordered SKU, hourly.
    "fulfillment-backorders-retry-hourly": {"task": "fulfillment.tasks.backorders_retry_task", "schedule": 60 * 60},
    # Channels: re-drive pending stock pushes and confirmations (nothing lost if a worker or Redis dies),
    # poll orders (the backstop for webhooks), read stock back and fix drift, sweep missing confirmations.
    "channels-sync-redrive": {"task": "marketplaces.tasks.sync_redrive", "schedule": 30},
    "channels-orders-poll": {"task": "marketplaces.tasks.orders_poll_all", "schedule": 60},
    # Amazon's ORDER_CHANGE notifications: units sold are held back within seconds, not a poll later.
    "channels-notices-pull": {"task": "marketplaces.tasks.notices_pull_all", "schedule": 5},
    "channels-reconcile": {"task": "marketplaces.tasks.reconcile_all", "schedule": 15 * 60},
    "channels-confirmations-sweep": {"task": "marketplaces.tasks.confirmations_sweep_task", "schedule": 5 * 60},
    "channels-webhooks-sweep": {"task": "marketplaces.tasks.webhooks_sweep", "schedule": 5 * 60},
    # The demo's shoppers buy on the sandbox marketplaces (does nothing when MARKETPLACE_SANDBOX is off).
    "channels-sandbox-orders": {"task": "marketplaces.tasks.sandbox_orders_generate", "schedule": 2 * 60},
    # Returns: scans of return parcels on their way (and labels the carrier could not sell yet).
    "returns-tracking-poll": {"task": "returns.tasks.return_tracking_poll", "schedule": 15 * 60},
    # Webhooks: publish what is left, queue due retries and deliveries whose worker died (the rows are the truth).
    "webhooks-sweep": {"task": "webhooks.tasks.sweep_task", "schedule": 30},
    # Customer notifications: send what is due (a lost task or a dead worker loses nothing), record what a
    # lost change missed, and find shipments newly at risk of missing their promise.
    "notifications-sweep": {"task": "notifications.tasks.notifications_sweep_task", "schedule": 60},
    "notifications-delays": {"task": "notifications.tasks.shipment_delays_task", "schedule": 15 * 60},
    # Stores: expire uncollected pickups, remind customers, re-route requests past their accept SLA.
    "fulfillment-pickups-expire": {"task": "fulfillment.tasks.pickups_expire_task", "schedule": 15 * 60},
    "fulfillment-pickups-remind": {"task": "fulfillment.tasks.pickups_remind_task", "schedule": 15 * 60},
    "fulfillment-store-requests-sla": {"task": "fulfillment.tasks.store_requests_sla_task", "schedule": 60},
    # Dropship POs: send what a lost task left unsent, send elsewhere the lines unanswered past the
    # partner's acknowledgment SLA, cancel open POs whose order was cancelled on our side.
    "partners-purchase-orders-sweep": {"task": "partners.tasks.purchase_orders_sweep_task", "schedule": 5 * 60},
    "partners-edi-inbox": {"task": "partners.tasks_edi.edi_inbox_poll", "schedule": 5 * 60},  # EDI drop folders
    # 3PLs: send what is owed (a lost task or a dead worker loses nothing), poll orders and receiving orders
    # (the backstop for webhooks; receiving has none), record each 3PL's stock and its drift against the ledger.
    "partners-3pl-sync": {"task": "partners.tasks_3pl.threepl_sync_task", "schedule": 60},
    "partners-3pl-poll": {"task": "partners.tasks_3pl.threepl_poll_task", "schedule": 15 * 60},
    "partners-3pl-inventory-snapshot": {
        "task": "partners.tasks_3pl.threepl_inventory_snapshot_task",
        "schedule": 60 * 60,
    },
    # Quality: partner locations above the defect policy's rate are kept out of routing (and let back in).
    "quality-defect-exclusions": {"task": "quality.tasks.defect_exclusions_task", "schedule": 60 * 60},
    # Planning: recompute every demand forecast once a day (the page can also ask for one now).
    "planning-forecasts-nightly": {"task": "planning.tasks.forecast_nightly_task", "schedule": 24 * 60 * 60},
    # routing's shadow prices follow stock and forecasts; large receipts also refresh their SKUs at once
    "planning-shadow-prices": {"task": "planning.tasks_lookahead.shadow_prices_refresh_task", "schedule": 4 * 60 * 60},
    # KPI dashboard: rewrite the daily facts of the days whose orders changed since the last run.
    "analytics-facts-refresh": {"task": "analytics.tasks.facts_refresh_task", "schedule": 5 * 60},
}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "channels.auth.ChannelApiKeyAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # At most core.api.MAX_PAGE_SIZE rows a page; a bad limit or offset is a 400 naming it.
    "DEFAULT_PAGINATION_CLASS": "core.api.StrictLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser with a nesting limit: a deeply nested body is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fulfil back office API",
    "DESCRIPTION": "Locations, SKUs, stock and availability across every location.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Choice sets that share a field name ("kind", "status") across apps get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "LocationKindEnum": "inventory.models.LocationKind",
        "PartnerDocumentKindEnum": "partners.models.DocumentKind",
        "PartnerDocumentStatusEnum": "partners.models.DocumentStatus",
        "PurchaseOrderStatusEnum": "partners.models.orders.PurchaseOrderStatus",
        "PurchaseOrderKindEnum": "partners.models.orders.PurchaseOrderKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

MESSAGE_TAGS = {40: "error", 30: "warning", 25: "success", 20: "info"}
