"""After the other browser tests (files run in name order): the shared server's log holds
no traceback and no warning from normal use of every page."""

from __future__ import annotations


def test_the_server_log_stays_clean(app_server):
    _, log = app_server
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert "Stack (most recent call last)" not in text, text[-3000:]
    assert " WARNING " not in text and " ERROR " not in text, text[-3000:]
