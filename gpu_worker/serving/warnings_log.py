"""Library warnings (transformers' FutureWarnings, ...) as debug log lines, once each.

`aichain worker serve` installs this before it builds the model, so the server's and the CLI's
output hold only the server's own lines; `--log-level debug`-style logging still shows them.
"""

from __future__ import annotations

import logging
import threading
import warnings
from typing import Any, TextIO

log = logging.getLogger("aichain.gpu_worker.warnings")

_seen: set[tuple[str, str, str, int]] = set()
_lock = threading.Lock()


def log_warning_once(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A `warnings.showwarning` replacement: one debug line per distinct warning and place."""
    key = (category.__name__, str(message), filename, lineno)
    with _lock:
        if key in _seen:
            return
        _seen.add(key)
    log.debug("%s:%d: %s: %s", filename, lineno, category.__name__, message)


def install_warning_log() -> Any:
    """Routes every warning shown from now on to log_warning_once (none reach stderr);
    returns the previous `warnings.showwarning`."""
    previous = warnings.showwarning
    warnings.showwarning = log_warning_once
    return previous


def quiet_library_output() -> None:
    """For CLI commands: library warnings go to the debug log (install_warning_log), and
    transformers prints no advisory log lines or progress bars of its own."""
    install_warning_log()
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
