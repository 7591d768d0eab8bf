"""The Playground page's per-session state, reached only through these accessors.

Each session has its own `Playground`: the run (data, network, epoch count, curves),
whether it plays, the snapshots kept for comparison and the unit shown large. It lives
in `st.session_state`, so pausing, switching pages and coming back keep it as it was;
app.py pauses it when another page is opened (nothing trains while it is not shown).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from mlp_core.playground import PlaygroundRun, Snapshot
from mlp_core.playground_config import PlaygroundConfig
from mlp_ui import saved_playground

KEY = "playground"
MAX_SNAPSHOTS = 6


@dataclass
class Playground:
    """One session's playground."""

    config: PlaygroundConfig | None = None  # the last valid settings
    run: PlaygroundRun | None = None
    playing: bool = False
    message: str = ""  # why it stopped (divergence), shown until the next action
    stopped_at: tuple[PlaygroundRun, int] | None = None  # where a stop condition stopped it
    snapshots: list[Snapshot] = field(default_factory=list)
    selected: tuple[int, int] | None = None  # (column, unit) shown large
    clicked: tuple | None = None  # the last click on the network figure, applied once
    link_problems: tuple[list[str], PlaygroundConfig | None] = ([], None)
    # The "own" data set: the student's points, the earlier lists (for Undo), a version
    # that changes with every edit, and the version the run was made from.
    own: list[tuple[float, float, int]] = field(default_factory=list)
    own_history: list[list[tuple[float, float, int]]] = field(default_factory=list)
    own_version: int = 0
    run_own_version: int = -1
    own_problem: str = ""  # why the last clicked point could not be added
    csv_read: str = ""  # the uploaded file whose points were taken
    snapshot_points: dict[str, list[tuple[float, float, int]]] = field(default_factory=dict)
    sent_data: str | None = None  # the data id the component last got the points of
    # stop at this test loss / epoch / training seconds (0: never; seconds: a challenge's)
    stop_when: tuple[float, int, float] = (0.0, 0, 0.0)
    no_live: bool = False  # the browser could not open the live channel: fragment timer
    live_ok: bool = False  # this page run's frames come through the live channel
    # a class challenge's progress note for the teacher, which the live channel's frames
    # call with the epoch (playground_challenge.Progress; None outside a challenge)
    progress: Callable[[int], None] | None = None
    # Held while the run trains or changes: a click starts a new script run while the
    # previous one may still be inside its training slice, in another thread.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def halt(self) -> None:
        """Stop playing, between epochs: an epoch a crowded server's frames left in
        progress is finished first (within a challenge's seconds), so a paused run is
        always what its settings train again in whole epochs."""
        self.playing = False
        if self.run is not None and self.run.partial is not None:
            self.message = self.run.finish_epoch(self.stop_when[2]) or self.message

    def snapshot(self) -> None:
        """Keep the current network and curves as a run to compare with."""
        if self.run is None:
            return
        if self.run.partial is not None:  # a snapshot is of whole epochs too
            self.message = self.run.finish_epoch(self.stop_when[2]) or self.message
        run, k = self.run, len(self.snapshots) + 1
        c = run.config
        shape = "-".join(map(str, c.hidden)) or "no hidden layer"
        name = f"#{k} {c.dataset} {shape} {c.activation}, epoch {run.epoch}"
        if c.dataset == "own":  # the points are not in the settings: kept with the run
            name = f"{name}, {len(self.own)} points"
            self.snapshot_points[name] = list(self.own)
        self.snapshots = [*self.snapshots, run.snapshot(name)][-MAX_SNAPSHOTS:]
        saved_playground.keep(self.snapshots[-1])

    def forget_snapshots(self) -> None:
        """Drop the snapshots, here and where they are saved."""
        self.snapshots = []
        saved_playground.forget_all()

    def set_own(self, points: list[tuple[float, float, int]], undoable: bool = True) -> None:
        """New own points (the previous list kept for Undo)."""
        if undoable:
            self.own_history = [*self.own_history, self.own][-50:]
        self.own = list(points)
        self.own_version += 1

    def undo_own(self) -> None:
        if self.own_history:
            self.own = self.own_history[-1]
            self.own_history = self.own_history[:-1]
            self.own_version += 1


def playground() -> Playground:
    """This session's playground (created empty on first use)."""
    if KEY not in st.session_state:  # the first time: with the snapshots saved earlier
        st.session_state[KEY] = Playground(snapshots=saved_playground.load(MAX_SNAPSHOTS))
    return st.session_state[KEY]


def pause() -> None:
    """Stop playing (another page was opened); the run itself is kept."""
    pg = st.session_state.get(KEY)
    if pg is not None:
        with pg.lock:
            pg.halt()
