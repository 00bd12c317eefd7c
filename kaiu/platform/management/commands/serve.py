"""`manage.py serve`: gunicorn and the django-q2 worker together; Ctrl-C stops both.

`make run` calls it after migrate, seed_demo and collectstatic. In production run the two
processes under your supervisor instead (see the Dockerfile and docker-compose.yml).
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the background worker (qcluster) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args, bind, **options):
        python = sys.executable
        processes = {
            "web": subprocess.Popen([python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", bind,
                                     "kaiu.wsgi:application"]),
            "worker": subprocess.Popen([python, "manage.py", "qcluster"]),
        }
        self.stdout.write(self.style.SUCCESS(f"KAIU is running on http://{bind}/  (Ctrl-C stops it)"))

        def stop(*_):
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            # If either process dies, stop the other: half a product is worse than none.
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
        finally:
            stop()
            deadline = time.monotonic() + 15
            for name, process in processes.items():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    self.stderr.write(f"{name} did not stop in time and was killed.")
        failed = [name for name, process in processes.items() if process.returncode not in (0, -15, None)]
        if failed:
            self.stderr.write(f"Stopped because {' and '.join(failed)} exited with an error.")
