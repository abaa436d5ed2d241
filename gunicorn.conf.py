"""Production serving: `.venv/bin/gunicorn -c gunicorn.conf.py` (see README, "Deploying").

One worker process per core. Workers are synchronous: the app is CPU-bound (templates,
scoring, photo processing) and SQLite serialises writes, so threads would add contention,
not throughput; the reverse proxy in front buffers slow phones' uploads. Every setting can
be overridden with GUNICORN_CMD_ARGS or the SHOPPER_* variables read below.
"""

import gc
import multiprocessing
import os

wsgi_app = "shopper:create_app()"
bind = os.environ.get("SHOPPER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SHOPPER_WORKERS", multiprocessing.cpu_count()))
worker_class = "sync"
# Migrations run once, in the master, before the workers fork (create_app applies them).
preload_app = True
# A 16 MB photo over a slow proxy connection still fits; a stuck worker is replaced.
timeout = 60
graceful_timeout = 30
# gunicorn itself trusts no one's X-Forwarded-* headers (its default would believe
# X-Forwarded-Proto from 127.0.0.1 whatever the app is told). The app alone decides:
# it believes the headers of as many proxies as SHOPPER_TRUSTED_PROXIES says (0, the
# default: none), through werkzeug's ProxyFix. SHOPPER_FORWARDED_ALLOW_IPS re-enables
# gunicorn's own trust for a deployment that wants it.
forwarded_allow_ips = os.environ.get("SHOPPER_FORWARDED_ALLOW_IPS", "")
accesslog = "-"
errorlog = "-"


def pre_fork(server, worker):
    """What the preloaded app holds lives as long as the worker: freezing it keeps the
    workers' garbage collections from walking it again and again (and from touching the
    pages they share with the master)."""
    gc.freeze()
