"""Default locations, relative to the project checkout."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
DEFAULT_DB = os.environ.get("FEEDHOUSE_DB", str(PROJECT_ROOT / "warehouse" / "feedhouse.ducklake"))
DEFAULT_FEEDS = os.environ.get("FEEDHOUSE_FEEDS", str(PROJECT_ROOT / "feeds.toml"))
