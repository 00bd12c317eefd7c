# Production image: gunicorn + whitenoise. Point DATABASE_URL at PostgreSQL 15+ with pgvector
# (see docker-compose.yml) and run the worker from the same image with `manage.py qcluster`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    GUNICORN_BIND=0.0.0.0:8000 MEDIA_ROOT=/data/media KAIU_IGNORE_DOTENV=true

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings to import; throwaway values that never reach runtime.
RUN DEBUG=true DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home /app kaiu \
    && mkdir -p /data/media && chown -R kaiu /data

USER kaiu
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn -c gunicorn.conf.py kaiu.wsgi:application"]
