"""``python -m localcloud``: serve a world until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from localcloud.cloud import LocalCloud


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--world", type=Path, required=True, help="world file (YAML)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument(
        "--code-root", type=Path, default=Path.cwd(), help="root of function code"
    )
    parser.add_argument(
        "--state-dir", type=Path, default=None, help="${LOCALCLOUD_STATE_DIR}"
    )

    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server; print its URL on one line once it accepts requests.

    Returns:
        The process exit code.
    """
    args = _arguments(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    cloud = LocalCloud.from_world_file(
        args.world, code_root=args.code_root, state_dir=args.state_dir
    )
    with cloud.serve(args.host, args.port) as server:
        sys.stdout.write(f"{server.url}\n")
        sys.stdout.flush()
        stop.wait()
    cloud.close()

    return 0


if __name__ == "__main__":
    sys.exit(main())
