"""gunicorn settings for KAIU (used by `make run` and the Dockerfile).

Threads rather than more processes: a streamed answer from a real model holds its request
for seconds while the worker only waits on the network, so a threaded worker (gthread) keeps
serving other visitors meanwhile, at little memory cost. Measured with benchmarks/chat.py
(2 workers, 6 answers held 4 s each by a slow model, then 10 loads of the chat page):
  sync (2 x 1 thread):     page loads wait up to 11.8 s; the slow answers queue (4.2 to 12.5 s)
  gthread (2 x 8 threads): page loads p50 9 ms, max 138 ms; all slow answers end in 4.4 s
Each thread may hold one database connection (CONN_MAX_AGE), so workers x threads stays well
under PostgreSQL's max_connections (100 by default); raise GUNICORN_THREADS for more
simultaneous streams.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 120
graceful_timeout = 20
accesslog = "-"
