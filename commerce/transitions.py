"""The order's life: which status may follow which, and what each move does to stock.

Stock follows the order's phase, not each status: from placing to pickup the units are
reserved; shipped and delivered they are sold (gone from stock and from reserved); a
cancelled order holds nothing; a returned one put its units back on the shelf.
"""

from commerce.models import OrderStatus as S

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PENDING: (S.CONFIRMED, S.CANCELLED),
    S.CONFIRMED: (S.PROCESSING, S.CANCELLED),
    S.PROCESSING: (S.READY_TO_SHIP, S.CANCELLED),
    # A shop that takes parcels to the carrier itself ships without asking for a pickup.
    S.READY_TO_SHIP: (S.PICKUP_REQUESTED, S.SHIPPED, S.CANCELLED),
    S.PICKUP_REQUESTED: (S.SHIPPED, S.CANCELLED),
    # Returned: refused at the door (from SHIPPED) or sent back by the customer (from DELIVERED).
    S.SHIPPED: (S.DELIVERED, S.RETURNED),
    S.DELIVERED: (S.RETURNED,),
    S.CANCELLED: (),
    S.RETURNED: (),
}

RESERVED, SOLD, RELEASED, RESTOCKED = "reserved", "sold", "released", "restocked"

PHASE = {
    S.PENDING: RESERVED, S.CONFIRMED: RESERVED, S.PROCESSING: RESERVED, S.READY_TO_SHIP: RESERVED,
    S.PICKUP_REQUESTED: RESERVED, S.SHIPPED: SOLD, S.DELIVERED: SOLD, S.CANCELLED: RELEASED, S.RETURNED: RESTOCKED,
}

# (phase before, phase after) → (stock delta, reserved delta) per unit ordered, and the movement's kind.
STOCK_EFFECTS = {
    (RESERVED, SOLD): (-1, -1, "SHIP"),
    (RESERVED, RELEASED): (0, -1, "RELEASE"),
    (SOLD, RESTOCKED): (+1, 0, "RETURN"),
}


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS[status]


def stock_effect(from_status: str, to_status: str):
    """(stock delta, reserved delta, movement kind) per unit, or None when stock stays."""
    return STOCK_EFFECTS.get((PHASE[from_status], PHASE[to_status]))
