/**
 * The commented example printed by `tidings config example`. Every key appears with its default;
 * keys whose default TOML cannot write (null, or computed) are commented out. Loading it unchanged
 * gives the defaults (a test holds it to that).
 */
export const EXAMPLE_CONFIG = `# Tidings configuration (TOML). Every key is optional; the values shown are the defaults.
# Precedence: command-line flags, then TIDINGS_* environment variables, then this file.
# fedora-messaging's config.toml keys are understood, so one file can serve both.

# The bus: http://HOST:PORT for a "tidings serve" hub, or amqp(s)://USER:PASSWORD@HOST/VHOST for
# RabbitMQ. Left commented out here on purpose: when url is not set anywhere, amqp_url is used.
# Environment: TIDINGS_URL.
# url = "http://127.0.0.1:8780"

# fedora-messaging's broker URL; becomes the bus when url is not set. Environment: TIDINGS_AMQP_URL.
# amqp_url = "amqp://guest:guest@localhost:5672/%2F"

# The exchange messages are published to. Environment: TIDINGS_PUBLISH_EXCHANGE.
publish_exchange = "amq.topic"

# Prepended to every published topic, e.g. "org.fedoraproject.prod". Environment: TIDINGS_TOPIC_PREFIX.
topic_prefix = ""

# AMQP priority (0 to 255) set on published messages; unset means none.
# publish_priority = 0

# Seconds to wait for the broker to confirm a publish. Environment: TIDINGS_PUBLISH_TIMEOUT.
publish_timeout = 30

# Check that exchanges and queues exist instead of declaring them.
passive_declares = false

# The largest message body accepted, in bytes (at least 1024). Environment: TIDINGS_MAX_MESSAGE_BYTES.
max_message_bytes = 1048576

# Handler for "tidings consume": FILE:EXPORT.
# callback = "./handlers.js:onMessage"

# fatal, error, warn, info, debug, trace or silent. Environment: TIDINGS_LOG_LEVEL.
log_level = "info"

# The archive and other state: PostgreSQL at this URL, or (unset) SQLite in the data directory.
# Environment: TIDINGS_DATABASE_URL.
# database_url = "postgresql://tidings@db.example.org/tidings"

# Shown to the broker administrators, to tell connections apart.
[client_properties]
# app = "My Service"
# app_url = "https://example.org/my-service"
# app_contacts_email = "admin@example.org"

# Exchanges to declare. Quote names that contain dots. Each key shows its default.
[exchanges]
# [exchanges."amq.topic"]
# type = "topic"
# durable = true
# auto_delete = false
# arguments = {}

# Queues to declare. Each key shows its default.
[queues]
# [queues."my.queue"]
# durable = true
# auto_delete = false
# exclusive = false
# arguments = {}

# Bindings of queues to exchanges; one [[bindings]] block per queue. None by default.
# exchange defaults to publish_exchange.
# [[bindings]]
# queue = "my.queue"
# exchange = "amq.topic"
# routing_keys = ["org.example.#"]

# Consumer prefetch: prefetch_size in bytes (0 = no limit), prefetch_count in messages.
[qos]
prefetch_size = 0
prefetch_count = 10

# Settings handed to the callback.
[consumer_config]
# example_key = "for my consumer"

# Client certificate and CA for amqps:// connections; unset by default.
[tls]
# ca_cert = "/etc/tidings/cacert.pem"
# certfile = "/etc/tidings/cert.pem"
# keyfile = "/etc/tidings/key.pem"

# fedora-messaging's logging.config dictionary: accepted, not used (see log_level).
[log_config]

# "tidings serve": the hub's address and storage.
[serve]
# HOST:PORT; IPv6 as "[::1]:8780". Environment: TIDINGS_LISTEN.
listen = "127.0.0.1:8780"
# Defaults to $XDG_DATA_HOME/tidings, else ~/.local/share/tidings. Environment: TIDINGS_DATA.
# data_dir = "/var/lib/tidings"
# "normal", or "full" to sync every write to disk. Environment: TIDINGS_DURABILITY.
durability = "normal"
# Serve HTTPS with this certificate chain and key (PEM files); unset serves plain HTTP.
# tls_cert = "/etc/tidings/tls/cert.pem"
# tls_key = "/etc/tidings/tls/key.pem"

# Publishing over HTTP (POST /api/v1/messages) and the live streams.
[gateway]
# Messages a minute an identity may publish, unless created with its own --rate.
rate_per_minute = 6000
# How deeply a published message's JSON may nest.
max_depth = 64
# Origins browsers may call the API from; none by default (no CORS headers).
cors_origins = []
# Who may use the bus over serve's port (/api/v1/hub, what http:// URLs connect to): "loopback" lets
# clients on this machine in without a token and asks everyone else for one; "token" asks everyone.
# A client with a token publishes only its identity's topics, stamped and signed like HTTP publishes.
hub_access = "loopback"

# The archive of every message (tidings serve) and its datagrepper-compatible query API.
[archive]
enabled = true
# Seconds a query without start or delta looks back (7 days).
default_window = 604800
# Days to keep messages; unset keeps them forever.
# retention_days = 365

# Notifications (tidings serve): people's rules matched against the bus, delivered where they chose.
[notify]
enabled = true
# The URL people reach serve at, used in the links of notifications; unset: serve's listen address.
# public_url = "https://tidings.example.org"

# Email over SMTP; unset smtp_url keeps email notifications queued until it is set.
[notify.email]
# smtp_url = "smtp://127.0.0.1:25"
from = "Tidings <tidings@localhost>"

# IRC: one connection, private messages to each destination's nick.
[notify.irc]
# server = "ircs://irc.libera.chat:6697"
nick = "tidings"
# password = "…"
lines_per_second = 2

# Matrix, over the client-server API with a bot account.
[notify.matrix]
# homeserver = "https://matrix.example.org"
# access_token = "…"

[notify.webhook]
# Seconds a receiver has to answer.
timeout = 10

# Login to the settings pages: an OpenID Connect provider, or (unset) a local development login.
[notify.auth]
# oidc_issuer = "https://id.example.org"
# oidc_client_id = "tidings"
# oidc_client_secret = "…"
# The ID token claim holding the account name (Fedora's provider gives it as "nickname").
oidc_username_claim = "preferred_username"
# The local development login: anyone types a name and is that person. Unset: on only when no
# issuer is set and serve listens on a loopback address.
# dev_login = false
# Hours a login lasts.
session_hours = 168
admins = []

# The operators' view of the bus (tidings serve): queues, consumers, connections and dead letters
# on the embedded broker or RabbitMQ (its management plugin), alerts, management events, /metrics.
[manage]
enabled = true
# Seconds between looks at the broker (alerts, events and /metrics follow from them).
interval = 10
# RabbitMQ's management API; unset: the bus URL's host on port 15672 with the bus URL's user.
# management_url = "http://guest:guest@127.0.0.1:15672"
# Identities (tidings identity create NAME) that may peek into, retry and discard dead letters,
# purge and move messages; admins may also close connections and delete queues. Everyone else reads.
operators = []
admins = []
# Queues with series of their own on /metrics, the worst first; the rest are summed as "_other".
metrics_max_queues = 200
# RabbitMQ's consumer_timeout (seconds), for queues that do not set x-consumer-timeout.
consumer_timeout = 1800
# Publish management events under tidings.manage.*: alerts raised and cleared, audited actions,
# clients the hub turned away…
events = true
# …and, when on, every object's coming and going: connections opened and closed, queues and exchanges
# declared and deleted, bindings, consumers. Off by default: on a busy bus every "tidings tail" and
# one-shot publish makes a few, which every subscriber to "#" (and the archive) would see.
object_events = false

# Alert thresholds for every queue; [[manage.queues]] entries override them per queue or pattern.
[manage.defaults]
# Messages waiting with no consumer for this long.
no_consumer_seconds = 300
# Consumers present and messages waiting, but nothing delivered or acknowledged for this long.
no_progress_minutes = 10
# Redeliveries a second, while the depth does not fall: a message requeued forever.
redelivery_loop = 1
# The oldest unacknowledged message has used this share of the broker's acknowledgement timeout.
ack_timeout_share = 0.8
# The depth has grown for this long.
growing_minutes = 15
# Ready messages above this (unset: no depth alert).
# max_ready = 10000
# Dead letters above this (0: any).
max_dead_letters = 0
# A level must stay over its threshold this long before it is raised…
sustain_seconds = 60
# …and fall this share below it before it clears.
clear_margin = 0.1

# [[manage.queues]]
# queue = "tidings.archive"
# no_progress_minutes = 2
# max_ready = 50000

# A publisher family gone quiet: no topic under the prefix for this long.
# [[manage.publishers]]
# prefix = "org.fedoraproject.prod.buildsys"
# quiet_minutes = 60
`;
