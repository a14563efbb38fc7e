"""Packages: each function's zip, built for this interpreter, runs with nothing else.

``infra/scripts/package.py`` builds the zips (pip fetches the pinned wheels for this
Python from the package registry). Each is unzipped into an empty folder, and its handler
runs in a fresh interpreter that sees only that folder and the standard library: no
site-packages, no repository. It answers real events against localcloud, served here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.functional.transfers.conftest import DISK_1, Stack

ROOT = Path(__file__).resolve().parents[2]
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
# Runs inside the bare interpreter: FunctionGraph's part, reduced to what the handler
# touches (its context and the event).
RUNNER = """
import json, os, sys
sys.path[:0] = [os.environ["PACKAGE_DIR"]]

class Context:
    def getRequestID(self): return "package-test"
    def getRemainingTimeInMilliSeconds(self): return 60000
    def getSecurityAccessKey(self): return os.environ["TEST_AK"]
    def getSecuritySecretKey(self): return os.environ["TEST_SK"]
    def getSecurityToken(self): return os.environ["TEST_TOKEN"]

import index
outside = [m.__file__ for m in list(sys.modules.values())
           if getattr(m, "__file__", None) and "site-packages" in m.__file__]
event = json.loads(sys.stdin.read())
print(json.dumps({"result": index.handler(event, Context()), "outside": outside}))
"""


def build(out: Path) -> Path:
    """Run the package builder for this interpreter's version into ``out``."""
    subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(ROOT / "infra" / "scripts" / "package.py"),
            "--python-version",
            VERSION,
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("dist"))


def run_packaged(
    stack: Stack, packages: Path, tmp_path: Path, function: str, event: dict
) -> dict:
    folder = tmp_path / function
    with zipfile.ZipFile(packages / f"{function}.zip") as archive:
        archive.extractall(folder)
    broker = stack.cloud.account("broker")
    credentials = stack.cloud.iam.issue_agency_credentials(
        broker.domain_id, "fgs-evs-transfer"
    )
    settings = {k: v for k, v in os.environ.items() if k.startswith("EVS_TRANSFER_")}
    environment = {
        **settings,
        "PACKAGE_DIR": str(folder),
        "TEST_AK": credentials.access,
        "TEST_SK": credentials.secret,
        "TEST_TOKEN": credentials.security_token,
        "PATH": "/usr/bin:/bin",
    }
    completed = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-I", "-S", "-c", RUNNER],
        input=json.dumps(event),
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert 0 == completed.returncode, completed.stderr[-3000:]
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    assert [] == answer["outside"], "the package imported code from outside itself"

    return dict(answer["result"])


def apig(method: str, path: str, body: dict) -> dict:
    return {
        "httpMethod": method,
        "path": path,
        "headers": {"content-type": "application/json"},
        "queryStringParameters": {},
        "pathParameters": {},
        "body": json.dumps(body),
        "isBase64Encoded": False,
        "requestContext": {"requestId": "r-1", "apiId": "a", "stage": "RELEASE"},
    }


def test_packaged_functions_offer_and_accept_a_disk_on_their_own(
    stack: Stack, packages: Path, tmp_path: Path
):
    request = {
        "volume_id": DISK_1,
        "source_account": "account-a",
        "target_account": "account-b",
        "requester": "packaged",
    }

    created = run_packaged(
        stack,
        packages,
        tmp_path,
        "create_transfer",
        apig("POST", "/transfers", request),
    )
    transfer_id = json.loads(created["body"])["transfer"]["id"]
    token = stack.offer_token(transfer_id)
    decision = {"decision": "approve", "token": token}
    accepted = run_packaged(
        stack,
        packages,
        tmp_path,
        "accept_transfer",
        apig("POST", f"/transfers/{transfer_id}/approval", decision),
    )
    swept = run_packaged(
        stack,
        packages,
        tmp_path,
        "sweep_transfers",
        {"trigger_type": "TIMER", "trigger_name": "t", "time": "", "user_event": ""},
    )

    assert 201 == created["statusCode"], created["body"]
    assert 200 == accepted["statusCode"], accepted["body"]
    assert "accepted" == json.loads(accepted["body"])["transfer"]["state"]
    assert "sweep" in swept
    assert "b1000000000000000000000000000001" == (
        stack.volume_as("account-b", DISK_1).os_vol_tenant_attrtenant_id
    )


def test_packages_are_built_the_same_twice(packages: Path, tmp_path: Path):
    build(tmp_path)

    for built in sorted(packages.glob("*.zip")):
        assert built.read_bytes() == (tmp_path / built.name).read_bytes(), built.name


def test_stdlib_only_interpreter_sees_no_site_packages():
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", "import sys; print(sys.path)"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "site-packages" not in completed.stdout
    assert sysconfig.get_paths()["stdlib"] in completed.stdout
