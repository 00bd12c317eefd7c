"""gunicorn settings for KAIU (used by `make run` and the Dockerfile).

Threads rather than more processes: requests spend most of their time waiting on
PostgreSQL (and, once chat lands, on LLM streams), so a threaded worker keeps one slow
request from blocking others at little memory cost. The chat issue re-measures this.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 120
graceful_timeout = 20
accesslog = "-"
