"""Disk space for submissions: two floors and a quota, so uploads can never lock out text.

Anyone can open uploads, and per-session budgets are cheap to dodge (a new session is one
page load away), so bytes alone could fill the disk that also holds the database and its
write-ahead log; a full disk then breaks every case, not just new uploads. Three bounds:

* **the floor** (``min_free_bytes``): nothing is accepted that would leave less free (nor
  fewer than a few thousand inodes). Text-only submissions — a no-JS form without big
  files, a browser-sealed report or message envelope (at most 1.25 MiB) — need only this.
* **the text reserve** (``text_reserve_bytes``, default as much as the floor): files and
  resumable upload pieces must leave the floor *plus* the reserve, so however many uploads
  are open, text-only submissions still find room (:func:`ensure_text_room` vs
  :func:`ensure_upload_room`).
* **the open-upload quota** (``upload_quota_bytes``): unfinished resumable uploads together
  reserve at most this many bytes (their declared sizes, checked when an upload opens). Over
  it, sessions past their expiry day are removed first (so space comes back without waiting
  for the retention job), then the upload is refused
  (:func:`start_within_quota`, atomic with concurrent starts).

Refusals are ``UploadError("error.disk_full", 507)``. Leaks: nothing; this reads only the
file system's free space and the byte count of open uploads.
"""

from __future__ import annotations

import os
from pathlib import Path

from vault.errors import UploadQuotaError
from vault.uploads import upload_id_for

from .config import Config
from .errors import UploadError
from .state import Intake

MIN_FREE_INODES = 4096
TEXT_BODY_SLACK = 1 << 20  # multipart framing and small files on top of the text fields


def has_room(path: Path, incoming: int, min_free: int) -> bool:
    """Whether ``incoming`` more bytes fit under ``path`` and leave ``min_free`` bytes free."""
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    inodes_ok = st.f_files == 0 or st.f_favail >= MIN_FREE_INODES  # 0: no inode accounting
    return inodes_ok and free - max(incoming, 0) >= min_free


def ensure_room(path: Path, incoming: int, min_free: int) -> None:
    """UploadError ``error.disk_full`` (507) unless :func:`has_room`."""
    if not has_room(path, incoming, min_free):
        raise UploadError("error.disk_full", 507)


def ensure_text_room(config: Config, incoming: int) -> None:
    """Room for a text-only submission of ``incoming`` bytes: the floor only."""
    ensure_room(config.home, incoming, config.min_free_bytes)


def ensure_upload_room(config: Config, incoming: int) -> None:
    """Room for file bytes: the floor plus the text reserve stay free."""
    ensure_room(config.home, incoming, config.upload_floor)


def ensure_body_room(config: Config, length: int) -> None:
    """Room for a streamed no-JS body of ``length`` bytes: a body no larger than the text
    fields allow (plus framing) is text-only; anything larger carries files."""
    if length <= config.max_text_bytes + TEXT_BODY_SLACK:
        ensure_text_room(config, length)
    else:
        ensure_upload_room(config, length)


def start_within_quota(intake: Intake, owner: bytes, size: int) -> str:
    """Open an upload of ``size`` bytes, named by its owner token
    (:func:`vault.uploads.upload_id_for`), if open uploads plus it stay within the quota (one
    transaction: concurrent starts cannot overshoot it together); else remove expired upload
    sessions and try once more; UploadError 507 if it still does not fit."""
    quota = intake.config.upload_quota
    name = upload_id_for(owner)
    try:
        return intake.vault.start_upload(owner=owner, total_size=size, quota=quota, upload_id=name)
    except UploadQuotaError:
        intake.vault.expire_uploads()
    try:
        return intake.vault.start_upload(owner=owner, total_size=size, quota=quota, upload_id=name)
    except UploadQuotaError as exc:
        raise UploadError("error.disk_full", 507) from exc
