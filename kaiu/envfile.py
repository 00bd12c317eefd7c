"""The .env that `make run` writes on first use (`python -m kaiu.envfile .env`).

`make run` starts KAIU on this machine, for this machine: gunicorn listens on 127.0.0.1 and
whoever runs it is its only operator. So besides fresh secrets the file allows providers on
private addresses, such as an Ollama on the same machine; a server others reach takes its
settings from .env.example instead. Kept apart from settings.py, which cannot load until
these secrets exist.
"""

import base64
import secrets
import sys


def render() -> str:
    """The text of a new .env: fresh secrets and the settings of a single-machine run."""
    return "\n".join([
        "# Written by `make run` on first use, for a run on this machine. See .env.example for every setting.",
        f"SECRET_KEY={secrets.token_urlsafe(50)}",
        f"FIELD_ENCRYPTION_KEY={base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}",
        "# Lets a business's base URL be a private or local address, e.g. an Ollama on this machine at",
        "# http://127.0.0.1:11434/v1. Turn it off on a server others can reach: they could make KAIU",
        "# call hosts inside your network (SSRF).",
        "ALLOW_PRIVATE_PROVIDER_HOSTS=true",
    ]) + "\n"


def write(path: str) -> None:
    """Write a new .env at `path`; an existing one is never replaced (its key decrypts stored secrets)."""
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(render())


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else ".env")
