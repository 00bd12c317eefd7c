"""Orders benchmark: orders/s placed through commerce.services.order_place by concurrent
clients on the same products, with the oversell count and latency percentiles.

Run from the repository root:

    .venv/bin/python benchmarks/orders.py                 # 16 clients, 20 s, ~40 s in all
    .venv/bin/python benchmarks/orders.py --seconds 5     # quick run

A throwaway embedded PostgreSQL gets one shop (pesos) with 50 products, shipping rates, 16
customers. Each client is its own process (as web workers are), with its own database
connection, and places orders of 1-3 random products (1-2 units each) from the same 50
for the measured seconds. Ten of the products have little stock, so they sell out during
the run and later orders for them are refused (most on the read they are priced from, taking
no lock; a few in the write, when the last units went in between), and the oversell count
(units ordered beyond a product's stock, summed) must be 0.

Printed: orders/s, refusals/s, p50/p95/p99 latency of order_place, the oversell count, the
products' final levels against their movements, and whether order numbers are gap-free.
Target on this machine: >= 300 orders/s with 16 clients, oversell 0.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

TARGET_ORDERS_PER_SECOND = 300
PRODUCTS, SCARCE, SCARCE_STOCK, PLENTY_STOCK = 50, 10, 40, 1_000_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=2)
    return parser.parse_args()


def build():
    from commerce import services
    from kaiu.accounts.models import User
    from kaiu.accounts.services import tenant_create

    owner = User.objects.create_user(email="orders@bench.test", password="x" * 20)
    tenant = tenant_create(owner=owner, name="Orders bench", currency="COP", language="es")
    services.shipping_rate_save(tenant=tenant, city="Bogotá", cost=1_200_000, days_min=1, days_max=2,
                                free_from=15_000_000, cash_on_delivery=True, cash_on_delivery_max=40_000_000)
    services.shipping_rate_save(tenant=tenant, cost=1_500_000, days_min=4, days_max=6, free_from=15_000_000)
    products = [services.product_create(tenant=tenant, sku=f"B-{i:02d}", name=f"Producto {i}", price=(30 + i) * 100_000,
                                        stock=SCARCE_STOCK if i < SCARCE else PLENTY_STOCK)
                for i in range(PRODUCTS)]
    buyers = []
    for i in range(16):
        customer = services.customer_upsert(tenant=tenant, name=f"Cliente {i}", phone=f"300 555 {1000 + i}")
        address = services.address_add(customer=customer, line1=f"Calle {i} # 1-2",
                                       city="Bogotá" if i % 2 else "Pasto")
        buyers.append((customer.pk, address.pk))
    return tenant.pk, [p.pk for p in products], {p.pk: p.stock for p in products}, buyers


def client(number, tenant_id, product_ids, buyers, start_at, warm_until, stop_at, results):
    from django.db import connection

    from commerce import services
    from commerce.models import Address, Customer
    from kaiu.accounts.models import Tenant

    connection.close()  # never share the parent's connection across fork
    tenant = Tenant.objects.get(pk=tenant_id)
    customer_id, address_id = buyers[number % len(buyers)]
    customer, address = Customer.objects.get(pk=customer_id), Address.objects.get(pk=address_id)
    rng = random.Random(number)
    latencies, placed, refused, cpu_at_warm = [], 0, 0, None
    while time.time() < start_at:
        time.sleep(0.001)
    while (now := time.time()) < stop_at:
        if cpu_at_warm is None and now >= warm_until:
            cpu_at_warm = time.process_time()
        lines = [services.OrderLine(pk, rng.randint(1, 2)) for pk in rng.sample(product_ids, rng.randint(1, 3))]
        began = time.perf_counter()
        try:
            services.order_place(tenant=tenant, lines=lines, customer=customer, address=address,
                                 payment_method="TRANSFER")
            ok = True
        except services.ShopError:
            ok = False
        took = time.perf_counter() - began
        if now >= warm_until:
            latencies.append(took * 1000)
            placed, refused = placed + ok, refused + (not ok)
    cpu = time.process_time() - (cpu_at_warm or time.process_time())
    connection.close()
    results.put((latencies, placed, refused, cpu))


def busy_cpu_seconds() -> tuple[float, float]:
    """(CPU seconds PostgreSQL's processes used, CPU seconds the whole machine used) so far:
    the share the rest of the machine took shows when the figures are from a busy machine."""
    postmaster = int(Path(os.environ["EMBEDDED_DB_DIR"], "postmaster.pid").read_text().split()[0])
    tick = os.sysconf("SC_CLK_TCK")
    postgres = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == postmaster or int(fields[1]) == postmaster:
                postgres += sum(int(value) for value in fields[11:15])
    with open("/proc/stat") as stat:
        user, nice, system = (int(value) for value in stat.readline().split()[1:4])
    return postgres / tick, (user + nice + system) / tick


def sample_waits(stop: threading.Event, waits: collections.Counter) -> None:
    """What the clients' database sessions wait on, sampled every 10 ms."""
    conn = c.raw_connection()
    conn.autocommit = True
    while not stop.is_set():
        for event, count in conn.execute(
                "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU'), count(*) FROM pg_stat_activity "
                "WHERE state = 'active' AND query LIKE '%%commerce_%%' AND pid <> pg_backend_pid() GROUP BY 1"):
            waits[event] += count
        time.sleep(0.01)
    conn.close()


def check(tenant_id, initial):
    from django.db.models import Sum

    from commerce.models import Order, OrderItem, Product, StockMovement

    ordered = dict(OrderItem.objects.filter(tenant_id=tenant_id).values_list("product_id").annotate(Sum("quantity")))
    oversold = sum(max(0, ordered.get(pk, 0) - stock) for pk, stock in initial.items())
    ledger_ok = True
    for product in Product.objects.filter(tenant_id=tenant_id):
        moved = StockMovement.objects.filter(product=product).aggregate(s=Sum("delta"), r=Sum("reserved_delta"))
        ledger_ok &= (moved["s"], moved["r"]) == (product.stock, product.stock_reserved)
        ledger_ok &= product.stock_reserved == ordered.get(product.pk, 0)
    numbers = sorted(Order.objects.filter(tenant_id=tenant_id).values_list("number", flat=True))
    gap_free = numbers == list(range(1001, 1001 + len(numbers)))
    sold_out = Product.objects.filter(tenant_id=tenant_id, stock=SCARCE_STOCK, stock_reserved=SCARCE_STOCK).count()
    return oversold, ledger_ok, gap_free, len(numbers), sold_out


def main():
    args = parse_args()
    c.bootstrap("orders")
    c.print_versions()
    tenant_id, product_ids, initial, buyers = build()
    from django.db import connection

    connection.close()
    start_at = time.time() + 1.5  # every client connected and waiting
    warm_until, stop_at = start_at + args.warmup, start_at + args.warmup + args.seconds
    results = multiprocessing.get_context("fork").Queue()
    workers = [multiprocessing.get_context("fork").Process(
        target=client, args=(i, tenant_id, product_ids, buyers, start_at, warm_until, stop_at, results))
        for i in range(args.clients)]
    for worker in workers:
        worker.start()
    time.sleep(max(0.0, warm_until - time.time()))
    pg_before, machine_before = busy_cpu_seconds()
    stop, waits = threading.Event(), collections.Counter()
    sampler = threading.Thread(target=sample_waits, args=(stop, waits))
    sampler.start()
    collected = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    stop.set()
    sampler.join()
    pg_after, machine_after = busy_cpu_seconds()

    latencies = [ms for chunk, *_ in collected for ms in chunk]
    placed, refused = sum(r[1] for r in collected), sum(r[2] for r in collected)
    oversold, ledger_ok, gap_free, orders, sold_out = check(tenant_id, initial)

    rate = placed / args.seconds
    c.print_table(f"order_place, {args.clients} clients (processes) on {PRODUCTS} products, {args.seconds:.0f} s "
                  f"measured after {args.warmup:.0f} s warm-up", [
                      "orders/s", "refused/s", "p50 ms", "p95 ms", "p99 ms", "oversold units", "ledger exact",
                      "numbers gap-free", "scarce sold out"], [[
                          f"{rate:.0f}", f"{refused / args.seconds:.0f}", f"{c.percentile(latencies, 50):.1f}",
                          f"{c.percentile(latencies, 95):.1f}", f"{c.percentile(latencies, 99):.1f}", oversold,
                          "yes" if ledger_ok else "NO", f"yes ({orders} orders)" if gap_free else "NO",
                          f"{sold_out}/{SCARCE}"]])
    clients_cpu = sum(r[3] for r in collected)
    pg_cpu, machine_cpu = pg_after - pg_before, machine_after - machine_before
    per_order = 1000 / max(placed + refused, 1)
    print(f"CPU per order_place call: clients {clients_cpu * per_order:.2f} ms, "
          f"PostgreSQL {pg_cpu * per_order:.2f} ms; "
          f"the machine's {os.cpu_count()} cores were {machine_cpu / args.seconds / os.cpu_count():.0%} busy, "
          f"{max(0.0, machine_cpu - clients_cpu - pg_cpu) / args.seconds:.2f} cores of it other work "
          f"(load average {os.getloadavg()[0]:.1f}).")
    total = sum(waits.values()) or 1
    print("Sessions were: " + ", ".join(f"{event} {count / total:.0%}" for event, count in waits.most_common(6)))
    verdict = "met" if rate >= TARGET_ORDERS_PER_SECOND and oversold == 0 else "NOT met"
    print(f"Target >= {TARGET_ORDERS_PER_SECOND} orders/s with oversell 0: {verdict}.")


if __name__ == "__main__":
    main()
