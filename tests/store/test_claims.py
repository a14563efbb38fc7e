"""Store: create requests claimed before EVS is asked, on SQLite and PostgreSQL."""

import dataclasses
import datetime as dt
import threading

import pytest

from evs_transfer.claims import Claim, CreateClaims
from evs_transfer.errors import IdempotencyKeyReused, RequestInProgress

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)
LEASE = dt.timedelta(minutes=1)


@pytest.fixture
def claims(store) -> CreateClaims:
    return CreateClaims(store.engine)


def wanted(key: str = "token-0001", digest: str = "d" * 64, **changes) -> Claim:
    claim = Claim(
        key=key,
        digest=digest,
        transfer_id="a" * 32,
        volume_id="v-1",
        source_account="account-a",
        evs_name="evs-transfer-" + "a" * 32,
        state="claimed",
        lease_until=NOW + LEASE,
    )
    return dataclasses.replace(claim, **changes)


def test_claim_of_a_free_key_is_granted(claims):
    granted = claims.claim(wanted(), NOW)

    assert wanted(created_at=NOW) == granted
    assert not granted.taken_over


def test_claim_of_a_held_key_is_in_progress(claims):
    claims.claim(wanted(), NOW)

    with pytest.raises(RequestInProgress):
        claims.claim(wanted(transfer_id="b" * 32), NOW)


def test_claim_of_a_key_used_for_another_request_is_refused(claims):
    claims.claim(wanted(), NOW)

    with pytest.raises(IdempotencyKeyReused):
        claims.claim(wanted(digest="e" * 64), NOW)


def test_claim_after_the_holder_died_takes_over_its_transfer_id(claims):
    claims.claim(wanted(), NOW)
    later = NOW + 2 * LEASE

    taken = claims.claim(wanted(transfer_id="b" * 32, lease_until=later + LEASE), later)

    assert taken.taken_over
    assert "a" * 32 == taken.transfer_id
    assert later + LEASE == taken.lease_until


def test_released_claim_is_taken_over_at_once(claims):
    claims.claim(wanted(), NOW)
    claims.release("token-0001", NOW)

    taken = claims.claim(wanted(), NOW + dt.timedelta(seconds=1))

    assert taken.taken_over


def test_stale_lists_claims_whose_lease_ran_out(claims):
    claims.claim(wanted(), NOW)
    claims.claim(wanted(key="token-0002", transfer_id="b" * 32), NOW)
    claims.release("token-0002", NOW)

    stale = claims.stale(NOW + dt.timedelta(seconds=1), 10)

    assert ["token-0002"] == [claim.key for claim in stale]


def test_abandoned_claim_is_neither_stale_nor_held(claims):
    claim = claims.claim(wanted(), NOW)

    assert claims.abandon(claim)
    assert [] == claims.stale(NOW + 2 * LEASE, 10)
    assert claims.claim(wanted(), NOW).taken_over


def test_concurrent_claims_of_one_key_grant_exactly_one(claims):
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def claim(index: int) -> None:
        barrier.wait()
        try:
            claims.claim(wanted(transfer_id=f"{index}" * 32), NOW)
            outcomes.append("granted")
        except RequestInProgress:
            outcomes.append("in_progress")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 1 == outcomes.count("granted")
    assert 7 == outcomes.count("in_progress")


def test_claim_settles_only_long_after_it_was_made(claims):
    claim = claims.claim(wanted(), NOW)

    assert not claim.settled(NOW + dt.timedelta(minutes=5))
    assert claim.settled(NOW + dt.timedelta(minutes=16))
