"""Pages: account B's operator opens the offer's link in Chromium and decides."""

from __future__ import annotations

import json
import re
import time

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.functional.transfers.conftest import A_TOPIC, B_TOPIC, DISK_1, DISK_2, Stack

B_PROJECT = "b1000000000000000000000000000001"


def page_link(stack: Stack, transfer_id: str) -> str:
    """The link in the e-mail B's operators received."""
    for delivery in stack.deliveries(B_TOPIC):
        if delivery["protocol"] == "email" and transfer_id in delivery["message"]:
            return re.search(r"(http\S+/approval\?token=\S+)", delivery["message"])[1]
    raise AssertionError(f"no offer e-mail for {transfer_id}")


def after_submit(browser, element_id: str) -> str:
    """Wait for the result page the form's POST leads to; return an element's text."""
    located = expected_conditions.presence_of_element_located((By.ID, element_id))

    return str(WebDriverWait(browser, 15).until(located).text)


def test_operator_opens_the_link_sees_the_offer_and_approves(stack: Stack, browser):
    transfer_id, _ = stack.offered(DISK_1, reason="Data team moves to B")

    browser.get(page_link(stack, transfer_id))
    shown = {
        name: browser.find_element(By.ID, name).text
        for name in ("disk", "size", "type", "source", "reason", "expiry")
    }
    browser.find_element(By.NAME, "approver").send_keys("bob@account-b")
    browser.find_element(By.ID, "approve").click()
    outcome = after_submit(browser, "outcome")

    assert {
        "disk": "data-disk-01",
        "size": "100 GB",
        "type": "SSD",
        "source": "account-a",
        "reason": "Data team moves to B",
    } == {key: value for key, value in shown.items() if key != "expiry"}
    assert shown["expiry"].endswith("UTC")
    assert "The disk is now in your account" == outcome
    assert "token" not in browser.current_url
    assert "accepted" == stack.transfer(transfer_id)["state"]
    volume = stack.volume_as("account-b", DISK_1)
    assert B_PROJECT == volume.os_vol_tenant_attrtenant_id
    actors = [e["actor"] for e in stack.transfer(transfer_id)["events"]]
    assert "http:bob@account-b" in actors


def test_operator_rejects_with_a_reason_from_the_page(stack: Stack, browser):
    transfer_id, _ = stack.offered(DISK_1)

    browser.get(page_link(stack, transfer_id))
    browser.find_element(By.NAME, "reason").send_keys("Not our disk")
    browser.find_element(By.ID, "reject").click()

    assert "rejected" == after_submit(browser, "state")
    assert "available" == stack.volume_as("broker", DISK_1).status
    assert any("Not our disk" in d["message"] for d in stack.deliveries(A_TOPIC))


def test_link_with_a_wrong_token_shows_why_and_changes_nothing(stack: Stack, browser):
    transfer_id, _ = stack.offered(DISK_1)
    link = page_link(stack, transfer_id)

    browser.get(re.sub(r"token=[^&]+", "token=" + "w" * 43, link))

    assert "This link is not valid" == browser.find_element(By.ID, "problem").text
    assert "invalid_approval_token" == browser.find_element(By.ID, "code").text
    transfer = stack.transfer(transfer_id)
    assert "pending_approval" == transfer["state"]
    assert 0 == transfer["failed_approvals"]


def test_prefetching_the_link_changes_nothing_and_leaks_nothing(stack: Stack):
    transfer_id, token = stack.offered(DISK_1)

    page = requests.get(page_link(stack, transfer_id), timeout=30)

    assert 200 == page.status_code
    assert "no-referrer" == page.headers["Referrer-Policy"]
    assert "no-store" == page.headers["Cache-Control"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Content-Type"].startswith("text/html")
    assert "pending_approval" == stack.transfer(transfer_id)["state"]
    assert "cinder_accept_volume_transfer" not in stack.operations()
    assert ["created"] == [e["action"] for e in stack.transfer(transfer_id)["events"]]
    assert token not in "\n".join(json.dumps(c) for c in stack.cloud.calls)


def test_page_escapes_what_the_requester_wrote(stack: Stack):
    transfer_id, _ = stack.offered(DISK_1, reason='<script>alert("x")</script>')

    page = requests.get(page_link(stack, transfer_id), timeout=30)

    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_form_post_answers_json_unless_a_page_is_asked_for(stack: Stack):
    transfer_id, token = stack.offered(DISK_1)
    url = f"{stack.url}/apig/transfers/{transfer_id}/approval"

    as_json = requests.post(
        url, data={"decision": "reject", "token": token, "reason": ""}, timeout=30
    )

    assert 200 == as_json.status_code
    assert "rejected" == as_json.json()["transfer"]["state"]


def test_access_log_keeps_the_path_and_drops_the_token(stack: Stack, caplog):
    caplog.set_level("INFO", logger="werkzeug")
    transfer_id, token = stack.offered(DISK_1)

    requests.get(page_link(stack, transfer_id), timeout=30)

    logged = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any(f"/apig/transfers/{transfer_id}/approval?[query]" in m for m in logged)
    assert not any(token in m for m in logged)


def test_link_of_an_offer_past_its_expiry_offers_no_buttons(stack: Stack, browser):
    transfer_id, _ = stack.offered(DISK_1, ttl_seconds=1)
    time.sleep(1.2)

    browser.get(page_link(stack, transfer_id))

    assert "This offer expired" == browser.find_element(By.ID, "problem").text
    assert [] == browser.find_elements(By.ID, "approve")


def test_nul_in_a_form_is_refused_as_a_page(stack: Stack):
    transfer_id, token = stack.offered(DISK_1)

    page = requests.post(
        f"{stack.url}/apig/transfers/{transfer_id}/approval",
        data={"decision": "approve", "token": token, "approver": "a\x00b"},
        headers={"Accept": "text/html"},
        timeout=30,
    )

    assert 400 == page.status_code
    assert page.headers["Content-Type"].startswith("text/html")
    assert "pending_approval" == stack.transfer(transfer_id)["state"]


def test_operator_approves_a_whole_batch_from_its_page(stack: Stack, browser):
    response = stack.api(
        "POST",
        "/batches",
        {
            "volume_ids": [DISK_1, DISK_2],
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "alice@account-a.example.com",
            "reason": "Data team moves to B",
        },
    )
    batch_id = response.json()["batch"]["id"]
    stack.cloud.wait_idle(timeout=60)

    browser.get(page_link(stack, batch_id))
    rows = browser.find_elements(By.CSS_SELECTOR, "#disks tr")
    shown = browser.find_element(By.ID, "size").text
    browser.find_element(By.NAME, "approver").send_keys("bob@account-b")
    browser.find_element(By.ID, "approve").click()
    outcome = after_submit(browser, "outcome")
    stack.cloud.wait_idle(timeout=60)
    volumes = stack.api("GET", f"/batches/{batch_id}").json()["batch"]["volumes"]

    assert 202 == response.status_code, response.text
    assert 3 == len(rows)  # a header and one row per disk
    assert "140 GB" == shown
    assert "Your decision is being applied to each disk" == outcome
    assert "token" not in browser.current_url
    assert {"accepted"} == {volume["state"] for volume in volumes}
