"""Shared helpers for the benchmarks: a private throwaway database, synthetic data, tables.

Not a benchmark itself; imported by benchmarks/ingest.py and benchmarks/retrieval.py.

Synthetic vectors are clustered, never uniform: topic -> bot -> document -> chunk, each
level a Gaussian step away from its parent, then normalised. Real embeddings have a low
intrinsic dimension, so by default the steps live mostly in a topic-specific subspace
(`intrinsic_dim` directions) plus a little isotropic noise; intrinsic_dim=0 gives purely
isotropic 768-d noise (the hardest case for any ANN index).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


# --- A private database -------------------------------------------------------------------


def bootstrap(prefix: str) -> Path:
    """Start a throwaway embedded PostgreSQL in a fresh temp dir, set Django up, migrate."""
    workdir = Path(tempfile.mkdtemp(prefix=f"kaiu-bench-{prefix}-"))
    # Registered first, so it runs last: after pgserver has stopped the server and deleted pgdata.
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update({
        "EMBEDDED_DB_DIR": str(workdir / "pgdata"),
        "EMBEDDED_DB_THROWAWAY": "true",
        "KAIU_IGNORE_DOTENV": "true",
        "DEBUG": "true",
        "MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_SETTINGS_MODULE": "kaiu.settings",
    })
    sys.path.insert(0, str(REPO))
    os.chdir(REPO)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # DEBUG only lets the settings start without production secrets; query logging would
    # add its overhead to every timed statement.
    settings.DEBUG = False
    import logging

    for name in ("django-q", "django_q"):  # "Enqueued ..." lines from document_upload
        logging.getLogger(name).setLevel(logging.WARNING)
    return workdir


def server_versions() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        vector = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "maintenance_work_mem", "max_parallel_maintenance_workers", "work_mem",
                     "jit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {"postgresql": pg, "pgvector": vector, **settings}


def print_versions() -> None:
    import platform

    info = server_versions()
    print(f"PostgreSQL {info.pop('postgresql')}, pgvector {info.pop('pgvector')}; "
          + ", ".join(f"{k}={v}" for k, v in info.items()))
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM; "
          f"machine speed: {machine_speed()}")


def machine_speed() -> str:
    """A fixed piece of work timed three times, so figures from days (or minutes) when the
    shared virtual machine runs at different speeds can be compared: the same loop has taken
    from 0.7 to 1.7 s here within an hour."""
    times = []
    for _ in range(3):
        started = time.process_time()
        total = 0
        for i in range(10_000_000):
            total += i
        times.append(time.process_time() - started)
    return f"a Python loop of 10 million additions takes {min(times):.2f}-{max(times):.2f} s of CPU"


def raw_connection():
    """A plain psycopg connection to the same database, outside Django."""
    import psycopg
    from django.db import connection
    from pgvector.psycopg import register_vector

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    conn = psycopg.connect(**params)
    register_vector(conn)
    return conn


def index_definitions(names) -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'documents_chunk' "
                       "AND indexname = ANY(%s)", [list(names)])
        # A partitioned table's index is shown "ON ONLY" the parent; run as is, that would
        # build no index on the partitions (migration 0003).
        return {name: definition.replace(" ON ONLY ", " ON ") for name, definition in cursor.fetchall()}


def table_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(sum(pg_table_size(relid))), pg_size_pretty(sum(pg_indexes_size(relid))), "
                       "count(*) FILTER (WHERE isleaf) FROM pg_partition_tree('documents_chunk')")
        heap, indexes, partitions = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM documents_chunk")
        [rows] = cursor.fetchone()
    return f"{rows:,} rows in {partitions} partitions, heap {heap}, indexes {indexes}"


# --- Tenants, bots, documents -------------------------------------------------------------


def make_tenants(count: int, label: str = "Bench"):
    from kaiu.accounts.models import User
    from kaiu.accounts.services import tenant_create

    tenants = []
    for number in range(count):
        user = User.objects.create_user(email=f"{label.lower()}-{number}@bench.test", password="x" * 20,
                                        full_name=f"{label} {number}")
        tenants.append(tenant_create(owner=user, name=f"{label} tenant {number}"))
    for tenant in tenants:  # lift the plan limits so no quota gets in the way
        plan = tenant.plan
        plan.max_bots = plan.max_documents_per_bot = plan.max_storage_mb = 10**6
        plan.max_queries_per_month = plan.max_ingest_jobs_per_month = 10**6
        plan.save()
    return tenants


def make_bots(tenants, count: int, prefix: str = "bot"):
    from bots.models import Bot
    from documents.partitions import ensure_chunk_partition

    bots = Bot.objects.bulk_create(
        [Bot(tenant=tenants[i % len(tenants)], name=f"{prefix} {i}", language="es") for i in range(count)])
    for bot in bots:  # as a bot's first stored chunk would (raw COPY below bypasses copy_chunks)
        ensure_chunk_partition(bot.pk)
    return bots


def make_documents(bot, count: int, *, status="PROCESSED"):
    from documents.models import Document

    docs = [Document(tenant_id=bot.tenant_id, bot=bot, name=f"doc {i}.txt", source_type="FILE_UPLOAD",
                     mime_type="text/plain", sha256=os.urandom(32).hex(), status=status)
            for i in range(count)]
    return Document.objects.bulk_create(docs)


# --- Synthetic vectors --------------------------------------------------------------------


class ClusterSpace:
    """Unit vectors clustered topic -> bot -> document -> chunk.

    Each level adds `scale * noise` to its parent, where noise has unit expected norm and
    lies (90 % of its energy) in a random `intrinsic_dim`-dimensional subspace of the
    topic, (10 %) isotropic. Expected cosines with the defaults: same document ~0.78, same
    bot ~0.62, same topic ~0.45, unrelated ~0.
    """

    def __init__(self, dim=768, topics=32, intrinsic_dim=64, seed=7, bot_scale=0.6, doc_scale=0.6,
                 chunk_scale=0.7):
        import numpy as np

        self.np = np
        self.dim, self.intrinsic_dim = dim, intrinsic_dim
        self.rng = np.random.default_rng(seed)
        self.scales = (bot_scale, doc_scale, chunk_scale)
        self.topics = self._unit(self.rng.standard_normal((topics, dim)))
        self.bases = []
        if intrinsic_dim:
            for _ in range(topics):
                q, _ = np.linalg.qr(self.rng.standard_normal((dim, intrinsic_dim)))
                self.bases.append(q.astype(np.float32))

    def _unit(self, x):
        x = x.astype(self.np.float32)
        return x / self.np.linalg.norm(x, axis=-1, keepdims=True)

    def noise(self, topic: int, n: int):
        np = self.np
        iso = self.rng.standard_normal((n, self.dim), dtype=np.float32) / np.sqrt(self.dim)
        if not self.intrinsic_dim:
            return iso
        low = self.rng.standard_normal((n, self.intrinsic_dim), dtype=np.float32) / np.sqrt(self.intrinsic_dim)
        return np.sqrt(0.9) * (low @ self.bases[topic].T) + np.sqrt(0.1) * iso

    def bot_center(self, topic: int):
        """Unnormalised: the levels add up, and only the chunk vectors are normalised."""
        return self.topics[topic] + self.scales[0] * self.noise(topic, 1)[0]

    def doc_centers(self, topic: int, bot_center, n: int):
        return bot_center[None, :] + self.scales[1] * self.noise(topic, n)

    def chunks(self, topic: int, doc_center, n: int):
        return self._unit(doc_center[None, :] + self.scales[2] * self.noise(topic, n))


# --- Spanish-ish text ---------------------------------------------------------------------

FUNCTION_WORDS = (
    "el la los las de del que en y a para con por un una se su sus al es lo como más o pero sin sobre "
    "este esta entre cuando muy también hasta desde donde nos le les ya si porque todo cada").split()

CONTENT_WORDS = (
    "cliente pedido envío factura producto tienda precio pago tarjeta garantía devolución horario reserva "
    "mesa habitación servicio cuenta contraseña correo teléfono dirección ciudad entrega plazo descuento "
    "oferta catálogo talla color modelo marca inventario almacén proveedor contrato seguro póliza cita "
    "médico consulta receta paciente curso clase estudiante matrícula examen profesor viaje vuelo equipaje "
    "hotel ruta mapa paquete caja empresa empleado sueldo vacaciones documento formulario solicitud trámite "
    "requisito permiso licencia impuesto banco crédito préstamo interés ahorro tasa comisión transferencia "
    "saldo movimiento extracto sucursal cajero aplicación usuario sesión perfil mensaje notificación problema "
    "error soporte técnico ayuda pregunta respuesta política privacidad dato información registro código "
    "número fecha hora día semana mes año costo valor cantidad calidad material tamaño peso medida zapato "
    "camisa pantalón vestido chaqueta comida bebida menú plato postre ingrediente alergia vino cerveza café "
    "desayuno almuerzo cena domicilio restaurante cocina chef mesero propina evento boleto entrada asiento "
    "concierto parque museo playa montaña río clima lluvia temperatura energía agua luz gas instalación "
    "reparación mantenimiento repuesto vehículo coche moto bicicleta llanta motor aceite batería cargador "
    "pantalla teclado computador celular impresora red internet plan suscripción renovación cancelación "
    "reembolso reclamo queja sugerencia encuesta opinión comprar vender pagar enviar recibir cambiar devolver "
    "cancelar reservar consultar solicitar revisar confirmar actualizar registrar acceder descargar instalar "
    "reparar cobrar incluye ofrece permite requiere cuesta llega abre cierra atiende acepta funciona tarda "
    "vence aplica depende puede debe necesita tiene quiere nuevo usado gratis rápido lento disponible "
    "agotado válido vigente mínimo máximo nacional internacional mensual anual diario principal adicional "
    "especial fácil difícil abierto cerrado grande pequeño mediano barato caro original digital físico "
    "electrónico automático manual personal familiar público privado").split()

_SYLLABLES = ("ba ca da fe ga la ma na pe ra sa ta to lo mo ri ni co ble tra pro cor dis men sol ver zan qui "
              "chi llo ñe gu bri cal des fon gri jun lan mar nor pal ques ron sur tel val").split()


class TextMaker:
    """Sentences from a Zipf-distributed vocabulary (real Spanish words first, invented
    ones in the long tail) plus a few domain words of each bot (its products, its places)."""

    def __init__(self, seed=11, pseudo_words=3000, zipf=1.05):
        import numpy as np

        self.np = np
        self.rng = np.random.default_rng(seed)
        pseudo = set()
        while len(pseudo) < pseudo_words:
            n = int(self.rng.integers(2, 5))
            pseudo.add("".join(self.rng.choice(_SYLLABLES, n)))
        pseudo -= set(CONTENT_WORDS) | set(FUNCTION_WORDS)
        self.pseudo = sorted(pseudo)
        self.content = np.array(CONTENT_WORDS + self.pseudo, dtype=object)
        weights = 1.0 / np.arange(1, len(self.content) + 1) ** zipf
        self.p = weights / weights.sum()
        self.function = np.array(FUNCTION_WORDS, dtype=object)

    def domain_words(self, n=30):
        return self.np.array(self.rng.choice(self.pseudo, n, replace=False), dtype=object)

    def texts(self, n: int, domain, *, words=(110, 160)) -> list[str]:
        """n chunk texts of about 700-1000 characters."""
        np, rng = self.np, self.rng
        lengths = rng.integers(words[0], words[1], n)
        total = int(lengths.sum())
        kind = rng.random(total)
        tokens = np.where(kind < 0.38, self.function[rng.integers(0, len(self.function), total)],
                          np.where(kind < 0.88, self.content[rng.choice(len(self.content), total, p=self.p)],
                                   domain[rng.integers(0, len(domain), total)]))
        out, pos = [], 0
        for length in lengths:
            words_ = tokens[pos:pos + length].tolist()
            pos += length
            sentences, i = [], 0
            while i < len(words_):
                step = int(rng.integers(7, 16))
                sentence = " ".join(words_[i:i + step])
                sentences.append(sentence[:1].upper() + sentence[1:] + ".")
                i += step
            out.append(" ".join(sentences))
        return out

    def question(self, text: str, n_words=None) -> str:
        """A question using 3-5 content words of `text`."""
        rng = self.rng
        function = set(FUNCTION_WORDS)
        words = [w.strip(".").lower() for w in text.split()]
        words = list(dict.fromkeys(w for w in words if w and w not in function))
        n = min(len(words), n_words or int(rng.integers(3, 6)))
        picked = [words[i] for i in sorted(rng.choice(len(words), n, replace=False))]
        opener = rng.choice(["¿Cómo", "¿Qué", "¿Cuál es el", "¿Dónde", "¿Cuándo", "¿Por qué"])
        return f"{opener} {' '.join(picked)}?"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- Reporting ----------------------------------------------------------------------------


def percentile(values, p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def mean(values) -> float:
    return statistics.fmean(values) if values else float("nan")


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(f"\n{title}")
    print(line)
    for number, row in enumerate(cells):
        print("| " + " | ".join(c.rjust(w) if number and i else c.ljust(w)
                                for i, (c, w) in enumerate(zip(row, widths, strict=True))) + " |")
        if number == 0:
            print(line)
    print(line)


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
