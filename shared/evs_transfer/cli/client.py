"""The HTTP API as the CLI sees it: JSON in, JSON out, errors as one exception."""

from __future__ import annotations

from typing import Any

import requests

from evs_transfer.cli.exits import ApiProblem

TIMEOUT_SECONDS = 60


class ApiClient:
    """Calls the broker's HTTP API at ``base_url`` (``…/transfers`` lives under it)."""

    def __init__(self, base_url: str, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
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

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                json=body,
                params=params,
                headers={"Accept": "application/json"},
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise ApiProblem.unreachable(self.base_url, exc) from None
        try:
            document: dict[str, Any] = response.json()
        except ValueError:
            raise ApiProblem.not_json(response.status_code) from None
        if response.status_code >= 400:
            raise ApiProblem.from_answer(response.status_code, document)

        return document
