"""Where the BPMN files are: configuration first, else the folder shipped with the package.

Never the working directory: a scheduler started elsewhere would find nothing and silently
wake nothing (issue 13). A process that runs the engine refuses to start without a folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from workflows.core.errors import QuanzeError

BPMN_DIR_ENV = "QUANZE_BPMN_DIR"
# The folder beside the installed packages (models/, workflows/, web/ … and bpmn/).
PACKAGED_BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


class NoBpmnFolder(QuanzeError):
    """No folder with BPMN files was configured or shipped."""

    status = 500
    code = "no_bpmn_folder"


def bpmn_folder(configured: str | os.PathLike | None = None) -> Path:
    """The BPMN folder: `configured`, else $QUANZE_BPMN_DIR, else the packaged one; must hold files."""
    source = configured or os.environ.get(BPMN_DIR_ENV) or PACKAGED_BPMN_DIR
    folder = Path(source).expanduser().resolve()
    if not folder.is_dir() or not any(folder.glob("*.bpmn")):
        raise NoBpmnFolder(
            f"找不到流程定义目录：{folder}（可设置 {BPMN_DIR_ENV}）/ no BPMN folder with .bpmn files at "
            f"{folder}; set {BPMN_DIR_ENV} or --bpmn-dir", folder=str(folder))
    return folder
