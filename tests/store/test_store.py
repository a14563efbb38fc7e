"""Store: records, transitions and the audit trail, on SQLite and PostgreSQL."""

import datetime as dt
import threading

import pytest

from evs_transfer.errors import InvalidState, TransferNotFound
from evs_transfer.models import AuditEvent, TransferRecord, TransferState


def event(
    record: TransferRecord, action: str, to_state: TransferState | None
) -> AuditEvent:
    return AuditEvent(
        transfer_id=record.id,
        at=dt.datetime.now(dt.timezone.utc),
        action=action,
        actor="test",
        from_state=record.state,
        to_state=to_state,
        request_id="r",
    )


def test_store_round_trips_a_record(store, record):
    store.insert(record, event(record, "created", TransferState.PENDING_APPROVAL))

    assert record == store.get(record.id)


def test_store_get_of_unknown_id_raises_not_found(store):
    with pytest.raises(TransferNotFound):
        store.get("0" * 32)


def test_store_transition_applies_changes_and_appends_an_event(store, record):
    store.insert(record, event(record, "created", TransferState.PENDING_APPROVAL))

    updated = store.transition(
        record.id,
        expected=[TransferState.PENDING_APPROVAL],
        new_state=TransferState.ACCEPTED,
        event=event(record, "accepted", TransferState.ACCEPTED),
        changes={"auth_key_ciphertext": None},
    )

    assert TransferState.ACCEPTED == updated.state
    assert updated.auth_key_ciphertext is None
    assert 2 == updated.version
    assert ["created", "accepted"] == [e.action for e in store.events(record.id)]


def test_store_transition_lets_exactly_one_concurrent_actor_win(store, record):
    store.insert(record, event(record, "created", TransferState.PENDING_APPROVAL))
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def act(new_state: TransferState) -> None:
        barrier.wait()
        try:
            store.transition(
                record.id,
                expected=[TransferState.PENDING_APPROVAL],
                new_state=new_state,
                event=event(record, new_state.value, new_state),
            )
            outcomes.append("won")
        except InvalidState:
            outcomes.append("lost")

    states = [TransferState.ACCEPTING, TransferState.CANCELLED] * 4
    threads = [threading.Thread(target=act, args=(state,)) for state in states]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 1 == outcomes.count("won")
    assert 7 == outcomes.count("lost")
    assert 2 == len(store.events(record.id))


def test_store_transition_from_wrong_state_names_the_current_state(store, record):
    store.insert(record, event(record, "created", TransferState.PENDING_APPROVAL))

    with pytest.raises(InvalidState) as caught:
        store.transition(
            record.id,
            expected=[TransferState.ACCEPTING],
            new_state=TransferState.ACCEPTED,
            event=event(record, "accepted", TransferState.ACCEPTED),
        )

    assert "pending_approval" == caught.value.current_state


def test_store_finds_the_open_transfer_of_a_volume(store, record):
    store.insert(record, event(record, "created", TransferState.PENDING_APPROVAL))

    found = store.open_transfer_for_volume(record.volume_id)

    assert record.id == (found.id if found else None)
    assert store.open_transfer_for_volume("other") is None
