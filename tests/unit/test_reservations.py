"""The reservation aggregate: expiry rules, transitions, events. Pure: no AWS."""

from __future__ import annotations

import pytest

from chalicelib.adapters.outbox import event_detail
from chalicelib.adapters.reservations_repo import event_items, reservation_from_item, reservation_to_item
from chalicelib.domain.errors import Conflict, Invalid
from chalicelib.domain.orders.state import Customer
from chalicelib.domain.reservations import Reservation, ReservationLine, ReservationStatus, expiry
from tests.unit.test_event_contracts import contract_types

NOW = "2026-11-25T10:00:00.000Z"


def reserved(expires_at: str | None = None, **lines: int) -> Reservation:
    return Reservation.make(
        reservation_id="res_1",
        location_id="store-ams",
        lines=[ReservationLine(sku, q) for sku, q in (lines or {"TEE": 2, "CAP": 1}).items()],
        customer=Customer("cust-1", "a@b.c"),
        expires_at=expires_at,
        actor="channel:webshop",
        now=NOW,
    )


def test_default_expiry_is_48_hours_and_at_most_14_days_ahead():
    assert expiry(NOW, None) == "2026-11-27T10:00:00.000Z"
    assert expiry(NOW, "2026-12-09T10:00:00+00:00") == "2026-12-09T10:00:00.000Z"
    with pytest.raises(Invalid, match="at most 14 days"):
        expiry(NOW, "2026-12-09T10:00:01Z")
    with pytest.raises(Invalid, match="past"):
        expiry(NOW, "2026-11-25T09:59:59Z")
    with pytest.raises(Invalid, match="past"):
        expiry(NOW, NOW)


def test_a_new_reservation_is_active_at_version_1_and_records_its_creation():
    r = reserved()
    assert (r.status, r.version, r.expires_at) == (ReservationStatus.ACTIVE, 1, "2026-11-27T10:00:00.000Z")
    [event] = r.new_events
    assert event.type == "ReservationCreated"
    assert event.detail["lines"] == [{"sku": "TEE", "quantity": 2}, {"sku": "CAP", "quantity": 1}]


def test_lines_must_be_positive_and_distinct():
    with pytest.raises(Invalid) as err:
        Reservation.make(
            reservation_id="r",
            location_id="s",
            lines=[ReservationLine("A", 1), ReservationLine("A", 2), ReservationLine("B", 0)],
            customer=Customer("c"),
            expires_at=None,
            actor="cs",
            now=NOW,
        )
    assert [e["loc"] for e in err.value.errors] == [["body", "lines", 1, "sku"], ["body", "lines", 2, "quantity"]]
    with pytest.raises(Invalid):
        Reservation.make(
            reservation_id="r", location_id="s", lines=[], customer=Customer("c"), expires_at=None, actor="cs", now=NOW
        )


def stored(r: Reservation) -> Reservation:
    """As read back: the stored version, no pending events."""
    return reservation_from_item(reservation_to_item(r))


def test_complete_records_the_order_once():
    r = stored(reserved())
    r.complete("ord_1", actor="store:store-ams", now="2026-11-26T10:00:00.000Z")
    assert (r.status, r.order_id, r.version) == (ReservationStatus.COMPLETED, "ord_1", 2)
    assert [e.type for e in r.new_events] == ["ReservationCompleted"]
    with pytest.raises(Conflict, match="is completed"):
        r.complete("ord_2", actor="cs", now="2026-11-26T10:00:00.000Z")
    with pytest.raises(Conflict, match="is completed"):
        r.cancel(actor="cs", now="2026-11-26T10:00:00.000Z")


def test_an_expired_reservation_cannot_be_completed_even_before_the_schedule_ran():
    r = stored(reserved())
    with pytest.raises(Conflict, match="expired"):
        r.complete("ord_1", actor="cs", now="2026-11-27T10:00:00.000Z")
    assert r.active and r.new_events == []


def test_cancel_twice_is_a_conflict():
    r = stored(reserved())
    r.cancel(actor="cs", now=NOW, reason="changed mind")
    assert r.status is ReservationStatus.CANCELLED
    assert r.new_events[0].detail["reason"] == "changed mind"
    with pytest.raises(Conflict):
        r.cancel(actor="cs", now=NOW)


def test_expire_only_when_due_and_only_while_active():
    r = stored(reserved())
    assert not r.is_due("2026-11-27T09:59:59.999Z")
    with pytest.raises(Conflict, match="holds until"):
        r.expire(actor="reservation-expiry", now="2026-11-27T09:59:59.999Z")
    assert r.is_due("2026-11-27T10:00:00.000Z")
    r.expire(actor="reservation-expiry", now="2026-11-27T10:00:00.000Z")
    assert r.status is ReservationStatus.EXPIRED
    with pytest.raises(Conflict, match="is expired"):
        r.expire(actor="reservation-expiry", now="2026-11-28T10:00:00.000Z")


def test_what_is_taken_at_the_till_defaults_to_every_unit_and_never_exceeds_the_hold():
    r = reserved()
    assert r.taken([("TEE", None), ("CAP", None)]) == {"TEE": 2, "CAP": 1}
    assert r.taken([("CAP", 1), ("TEE", 1)]) == {"TEE": 1, "CAP": 1}
    with pytest.raises(Invalid) as err:
        r.taken([("TEE", 3), ("SOCKS", 1)])
    msgs = [e["msg"] for e in err.value.errors]
    assert msgs == ["at most the 2 reserved", "SOCKS is not reserved", "CAP needs a line with its unitPrice"]


def test_only_an_active_reservation_is_in_the_expiry_index():
    r = reserved()
    item = reservation_to_item(r)
    assert item["GSI3PK"].startswith("EXPIRES#")
    assert item["GSI3SK"] == "2026-11-27T10:00:00.000Z#res_1"
    assert item["GSI1PK"] == "RESERVATIONS#store-ams#active"
    assert "expiresAt" not in item  # the table's TTL attribute
    r = stored(r)
    r.cancel(actor="cs", now=NOW)
    ended = reservation_to_item(r)
    assert "GSI3PK" not in ended and ended["GSI1PK"] == "RESERVATIONS#store-ams#cancelled"


def test_every_reservation_event_fits_its_contract():
    r = reserved()
    items = event_items(r)
    done = stored(r)
    done.complete("ord_1", actor="cs", now=NOW)
    cancelled = stored(r)
    cancelled.cancel(actor="cs", now=NOW)
    expired = stored(r)
    expired.expire(actor="reservation-expiry", now="2026-12-01T00:00:00.000Z")
    for one in (done, cancelled, expired):
        items += event_items(one)
    assert contract_types(items) == [
        "ReservationCreated",
        "ReservationCompleted",
        "ReservationCancelled",
        "ReservationExpired",
    ]
    for detail in map(event_detail, items):
        assert (detail["reservationId"], detail["locationId"]) == ("res_1", "store-ams")
        assert detail["lines"] == [{"sku": "TEE", "quantity": 2}, {"sku": "CAP", "quantity": 1}]
