"""The HTTP API as the CLI sees it: JSON in, JSON out, errors as one exception."""

from __future__ import annotations

import json
from typing import Any

import requests

from evs_transfer.cli.exits import ApiProblem
from evs_transfer.cli.signing import ApiCredentials

TIMEOUT_SECONDS = 60


class ApiClient:
    """Calls the broker's HTTP API at ``base_url`` (``…/transfers`` lives under it).

    With ``credentials``, every call is signed for APIG's IAM authentication.
    """

    def __init__(
        self,
        base_url: str,
        credentials: ApiCredentials | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._session = session or requests.Session()

    def request_transfer(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /transfers``; a dry run answers with findings."""
        return self._call("POST", "/transfers", body)

    def transfer(self, transfer_id: str) -> dict[str, Any]:
        """``GET /transfers/{id}``: the record with its events and notifications."""
        return dict(self._call("GET", f"/transfers/{transfer_id}")["transfer"])

    def transfers(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """``GET /transfers`` with filters, newest first."""
        answer = self._call("GET", "/transfers", params=query)

        return list(answer["transfers"])

    def decide(self, transfer_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /transfers/{id}/approval``."""
        path = f"/transfers/{transfer_id}/approval"

        return dict(self._call("POST", path, body)["transfer"])

    def cancel(self, transfer_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /transfers/{id}/cancel``."""
        return dict(
            self._call("POST", f"/transfers/{transfer_id}/cancel", body)["transfer"]
        )

    def request_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /batches``; a dry run answers with each disk's findings."""
        return self._call("POST", "/batches", body)

    def batch(self, batch_id: str) -> dict[str, Any]:
        """``GET /batches/{id}``: the batch with the state of each of its disks."""
        return dict(self._call("GET", f"/batches/{batch_id}")["batch"])

    def decide_batch(self, batch_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /batches/{id}/approval``: one decision for every pending disk."""
        path = f"/batches/{batch_id}/approval"

        return dict(self._call("POST", path, body)["batch"])

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        url = self.base_url + path
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self._credentials is not None:
            url, signed = self._credentials.sign(method, url, params or {}, data)
            headers.update(signed)
            params = None
        try:
            response = self._session.request(
                method,
                url,
                data=data or None,
                params=params,
                headers=headers,
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise ApiProblem.unreachable(self.base_url, exc) from None
        try:
            document: Any = response.json()
        except ValueError:
            raise ApiProblem.not_json(response.status_code) from None
        if response.status_code >= 400:
            raise ApiProblem.from_answer(response.status_code, document)
        if not isinstance(document, dict):
            # Something between the CLI and the broker answered, not the broker.
            raise ApiProblem.not_json(response.status_code)

        return document
