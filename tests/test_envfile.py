"""The .env that `make run` writes: fresh secrets, and a local AI server allowed, as the
README says (a single-machine run, e.g. an Ollama at http://127.0.0.1:11434/v1)."""

import os
import subprocess
import sys
from pathlib import Path

import environ
import pytest
from cryptography.fernet import Fernet

from kaiu.ai.netguard import check_provider_url

ROOT = Path(__file__).resolve().parent.parent


def make_env(directory: Path) -> Path:
    """Run the Makefile's own `.env` target in `directory`, with this interpreter."""
    subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), ".env", f"PY={sys.executable}"],
                   cwd=directory, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True)
    return directory / ".env"


def read_env(path: Path) -> environ.Env:
    """The file as settings.py reads it (django-environ), without touching this process's environment."""

    class FileEnv(environ.Env):
        ENVIRON = {}

    FileEnv.read_env(path)
    return FileEnv()


def test_make_writes_fresh_secrets(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = read_env(make_env(tmp_path / "a")), read_env(make_env(tmp_path / "b"))
    assert len(first.str("SECRET_KEY")) >= 50
    Fernet(first.str("FIELD_ENCRYPTION_KEY"))  # a valid key
    assert first.str("SECRET_KEY") != second.str("SECRET_KEY")
    assert first.str("FIELD_ENCRYPTION_KEY") != second.str("FIELD_ENCRYPTION_KEY")


def test_the_written_env_lets_a_local_ollama_be_the_provider(tmp_path, settings):
    env = read_env(make_env(tmp_path))
    settings.ALLOW_PRIVATE_PROVIDER_HOSTS = env.bool("ALLOW_PRIVATE_PROVIDER_HOSTS", default=False)
    check_provider_url("http://127.0.0.1:11434/v1")  # refused before: the .env held only the secrets
    assert "SSRF" in (tmp_path / ".env").read_text()  # and it says why it is not for a shared server


def test_an_existing_env_is_never_replaced(tmp_path):
    from kaiu.envfile import write

    path = tmp_path / ".env"
    path.write_text("FIELD_ENCRYPTION_KEY=the-key-that-decrypts-stored-secrets\n")
    with pytest.raises(FileExistsError):
        write(str(path))
    make_env(tmp_path)  # make sees the file and leaves it alone
    assert path.read_text() == "FIELD_ENCRYPTION_KEY=the-key-that-decrypts-stored-secrets\n"
