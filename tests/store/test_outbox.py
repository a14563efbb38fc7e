"""Store: the notification outbox and the work lists, on SQLite and PostgreSQL."""

import datetime as dt
import threading

import pytest

from evs_transfer.errors import InvalidState
from evs_transfer.models import (
    AuditEvent,
    Notice,
    NoticeKind,
    TransferQuery,
    TransferRecord,
    TransferState,
)
from evs_transfer.outbox import Outbox

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
LEASE = dt.timedelta(seconds=60)


@pytest.fixture
def outbox(store) -> Outbox:
    return Outbox(store.engine)


def created(record: TransferRecord) -> AuditEvent:
    return AuditEvent(
        transfer_id=record.id,
        at=NOW,
        action="created",
        actor="test",
        from_state=None,
        to_state=TransferState.PENDING_APPROVAL,
    )


def notice(record: TransferRecord, kind: NoticeKind = NoticeKind.OFFERED) -> Notice:
    return Notice(
        id=kind.value.ljust(32, "0"), transfer_id=record.id, kind=kind, account="b"
    )


def test_outbox_queues_notices_with_the_record(store, outbox, record):
    store.insert(record, created(record), [notice(record)])

    due = outbox.due(NOW, 10)

    assert [notice(record)] == due
    assert ["pending"] == [n["state"] for n in outbox.of_transfer(record.id)]


def test_outbox_claim_lets_exactly_one_sender_win(store, outbox, record):
    store.insert(record, created(record), [notice(record)])
    outcomes: list[bool] = []
    barrier = threading.Barrier(6)

    def claim() -> None:
        barrier.wait()
        outcomes.append(outbox.claim(notice(record).id, NOW, LEASE))

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [True] == [won for won in outcomes if won]
    assert [] == outbox.due(NOW, 10)


def test_outbox_claim_of_a_dead_sender_comes_due_after_its_lease(store, outbox, record):
    store.insert(record, created(record), [notice(record)])
    outbox.claim(notice(record).id, NOW, LEASE)

    during = outbox.due(NOW + LEASE / 2, 10)
    after = outbox.due(NOW + LEASE, 10)

    assert [] == during
    assert [notice(record).id] == [n.id for n in after]


def test_outbox_sent_notice_is_never_due_again(store, outbox, record):
    store.insert(record, created(record), [notice(record)])
    outbox.claim(notice(record).id, NOW, LEASE)

    outbox.sent(notice(record).id, NOW, "m-1")

    assert [] == outbox.due(NOW + dt.timedelta(days=1), 10)
    (told,) = outbox.of_transfer(record.id)
    assert ("sent", 1) == (told["state"], told["attempts"])
    assert told["sent_at"].endswith("+00:00")


def test_outbox_failed_notice_is_due_at_its_retry_time(store, outbox, record):
    store.insert(record, created(record), [notice(record)])
    outbox.claim(notice(record).id, NOW, LEASE)

    outbox.failed(notice(record).id, "SMN.503", NOW + dt.timedelta(seconds=5))

    assert [] == outbox.due(NOW + dt.timedelta(seconds=4), 10)
    assert 1 == len(outbox.due(NOW + dt.timedelta(seconds=5), 10))


def test_outbox_abandoned_notice_is_never_due(store, outbox, record):
    store.insert(record, created(record), [notice(record)])

    outbox.failed(notice(record).id, "no topic", None)

    assert [] == outbox.due(NOW + dt.timedelta(days=1), 10)


def test_store_transition_queues_its_notices_only_when_it_wins(store, outbox, record):
    store.insert(record, created(record))
    event = created(record).model_copy(update={"action": "expired"})
    store.transition(
        record.id,
        expected=[TransferState.PENDING_APPROVAL],
        new_state=TransferState.EXPIRED,
        event=event,
        notices=[notice(record, NoticeKind.EXPIRED)],
    )

    with pytest.raises(InvalidState, match="expired"):
        store.transition(
            record.id,
            expected=[TransferState.PENDING_APPROVAL],
            new_state=TransferState.CANCELLED,
            event=event,
            notices=[notice(record, NoticeKind.CANCELLED)],
        )

    assert ["expired"] == [n["kind"] for n in outbox.of_transfer(record.id)]


def test_store_due_lists_overdue_offers_oldest_first(store, record):
    later = record.model_copy(
        update={"id": "2" * 32, "expires_at": record.expires_at + LEASE}
    )
    for each in (later, record):
        store.insert(each, created(each))

    due = store.due(
        TransferState.PENDING_APPROVAL, "expires_at", later.expires_at + LEASE, 10
    )
    not_yet = store.due(
        TransferState.PENDING_APPROVAL, "expires_at", record.expires_at, 10
    )

    assert [record.id, later.id] == [r.id for r in due]
    assert [] == not_yet


def test_store_unfinished_puts_the_least_recently_checked_first(store, record):
    checked = record.model_copy(update={"id": "2" * 32, "evs_transfer_open": True})
    unchecked = record.model_copy(update={"id": "3" * 32, "evs_transfer_open": True})
    for each in (checked, unchecked, record):
        store.insert(each, created(each))
    store.update(checked.id, TransferState.PENDING_APPROVAL, {"checked_at": NOW})

    unfinished = store.unfinished(10)

    assert [unchecked.id, checked.id] == [r.id for r in unfinished]


def test_store_find_combines_filters_and_limits(store, record):
    other = record.model_copy(update={"id": "2" * 32, "target_account": "account-c"})
    for each in (record, other):
        store.insert(each, created(each))

    for_b = store.find(TransferQuery(target="account-b"))
    pending = store.find(TransferQuery(state=TransferState.PENDING_APPROVAL, limit=1))

    assert [record.id] == [r.id for r in for_b]
    assert 1 == len(pending)
