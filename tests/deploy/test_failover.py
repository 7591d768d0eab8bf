"""Failover as an operator checks it: three replicas behind deploy/'s HAProxy on one
PostgreSQL (deploy/run_local.sh), a student's replica stopped, the page watched in
Chromium.

- Idle student, replica stopped with SIGTERM: without a click the page is redrawn by a
  live replica, says in one line that the server changed, and shows the saved run as it
  was; the first press of Start trains the next run (before the fix the old page stayed
  as it was, and the first press only redrew it as "No run yet").
- Student training, replica killed with SIGKILL: the page is redrawn with the note and
  the run, cut short at its last saved minibatch (no earlier than the page last showed);
  one press of Continue trains it on from there to the end.

Screenshots of each step go to artifacts/ (failover_*.png). Skips without haproxy,
PostgreSQL or Chromium.
"""

from __future__ import annotations

import re
import signal

import pytest

from mlp_ui.failover import NOTE
from tests.deploy.deployment import WHY_NOT, Deployment, run_local
from tests.e2e.server import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(WHY_NOT is not None, reason=str(WHY_NOT)),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]
WAIT = 120_000  # ms: a replica restarting, three servers on two shared cores


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    with run_local(tmp_path_factory.mktemp("failover"), replicas=3) as running:
        yield running


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(WAIT)
    yield tab
    context.close()


def _replica(page) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("MLPLAB_SERVER", "")


def _status(page, pattern: str):
    """The Train page's status line matching `pattern`, once it is shown."""
    found = page.get_by_text(re.compile(pattern)).first
    found.wait_for(timeout=WAIT)
    return found


def _open_train(page, deployment: Deployment, query: str) -> None:
    from tests.e2e.conftest import wait_for_app

    page.goto(f"{deployment.url}/train?{query}", timeout=WAIT)
    wait_for_app(page)
    _status(page, "No run yet")


def test_an_idle_students_page_moves_to_a_live_replica_and_loses_no_click(page, deployment):
    from tests.e2e.conftest import screenshot, wait_for_app

    _open_train(page, deployment, "epochs=2&n=2000")
    page.get_by_role("button", name="Start").click()
    finished = _status(page, r"Run #1 finished 2 epochs").inner_text()
    wait_for_app(page)
    first = _replica(page)
    screenshot(page, "failover_idle_before")

    deployment.stop(first, signal.SIGTERM)
    page.get_by_text(NOTE).wait_for(timeout=WAIT)  # redrawn by a live replica, no click
    assert _status(page, r"Run #1 finished").inner_text() == finished
    wait_for_app(page)
    screenshot(page, "failover_idle_after")

    page.get_by_role("button", name="Start").click()  # the first press after the change
    _status(page, r"Run #2 finished 2 epochs")
    assert page.get_by_text(NOTE).count() == 0, "the note goes at the student's next action"
    wait_for_app(page)
    screenshot(page, "failover_idle_trained_again")


def test_a_run_training_on_a_killed_replica_is_cut_short_there_and_continues(page, deployment):
    from tests.e2e.conftest import screenshot, wait_for_app

    _open_train(page, deployment, "epochs=40&n=5000&hidden=300")
    page.get_by_role("button", name="Start").click()
    shown = _status(page, r"\b([2-9]|[1-3]\d) of 40 epochs done").inner_text()
    seen = int(re.search(r"(\d+) of 40 epochs done", shown).group(1))  # saved by now
    deployment.stop(_replica(page), signal.SIGKILL)

    page.get_by_text(NOTE).wait_for(timeout=WAIT)
    cut = _status(page, r"Run #1: cut short at epoch \d+\.\d\d").inner_text()
    at = float(re.search(r"cut short at epoch (\d+\.\d\d)", cut).group(1))
    # Each slice is saved before the page shows it; training went on between the page's
    # last redraw and the kill, so the cut is at or after what the page showed.
    assert seen <= at < 40, f"cut short at epoch {at} of 40, the page had shown {seen}"
    wait_for_app(page)
    screenshot(page, "failover_killed_after")

    page.get_by_role("button", name="Continue").click()  # one press: it trains on
    _status(page, r"Run #1 finished 40 epochs")
    wait_for_app(page)
    screenshot(page, "failover_killed_continued")
