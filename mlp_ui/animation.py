"""Play, Pause and Replay for a plotly animation, as Streamlit buttons of ours.

The frames still play in the browser (plotly's own animation: smooth, and nothing for the
server to do), but plotly's Play/Pause are SVG shapes a keyboard cannot reach and a phone
shows on top of the slider's label. So the chart's menu is hidden, and our buttons
(reachable by Tab, pressed with Space or Enter, focus kept on them after the click) press
its buttons in the browser: a few lines of JavaScript, sent once per press.
"""

from __future__ import annotations

import json

import streamlit as st

from mlp_ui.toy_common import PAUSE, PLAY, REPLAY


def _state(key: str) -> dict:
    return st.session_state.setdefault(f"{key}_anim", {"playing": False, "press": None, "n": 0})


def press(key: str, label: str) -> None:
    """Ask for the chart's button `label` to be pressed once the page is drawn (also the
    action of a "Try this" that starts the animation by itself)."""
    s = _state(key)
    s["n"] += 1
    s["press"], s["playing"] = label, label != PAUSE


def _toggle(key: str) -> None:
    press(key, PAUSE if _state(key)["playing"] else PLAY)


def controls(key: str, name: str, where=None) -> None:
    """Play/Pause and Replay buttons for the chart shown with `key` whose `layout.meta` is
    `name` (a new figure, e.g. new settings, starts paused)."""
    where = where or st
    s = _state(key)
    if s.get("name") != name:
        s.update(name=name, playing=s["press"] is not None and s["playing"])
    left, right = where.columns(2, gap="small")
    left.button(
        "Pause" if s["playing"] else "Play",
        key=f"{key}_play",
        icon=":material/pause:" if s["playing"] else ":material/play_arrow:",
        type="primary",
        on_click=_toggle,
        args=(key,),
        width="stretch",
    )
    right.button(
        "Replay",
        key=f"{key}_replay",
        icon=":material/replay:",
        on_click=press,
        args=(key, REPLAY),
        width="stretch",
    )
    css = f".st-key-{key} .updatemenu-container {{ display: none; }}"
    label, s["press"] = s["press"], None
    script = "" if label is None else _JS % (json.dumps(f".st-key-{key}"), json.dumps(name))
    focus = f"{key}_replay" if label == REPLAY else f"{key}_play"
    script = script.replace("LABEL", json.dumps(label or "")).replace("FOCUS", json.dumps(focus))
    body = f"<style>{css}</style>" + (f"<script>/* {s['n']} */{script}</script>" if script else "")
    st.html(body, unsafe_allow_javascript=bool(script))


_JS = """(() => {
  const start = Date.now();
  const timer = setInterval(() => {
    const box = document.querySelector(%s);
    const gd = box && box.querySelector('.js-plotly-plot');
    const buttons = gd ? Array.from(gd.querySelectorAll('.updatemenu-button')) : [];
    const button = buttons.find(b => (b.textContent || '').includes(LABEL));
    if (gd && gd.layout && gd.layout.meta === %s && button) {
      clearInterval(timer);
      button.dispatchEvent(new MouseEvent('click', {bubbles: true}));
      const ours = document.querySelector('.st-key-' + FOCUS + ' button');
      if (ours && (!document.activeElement || document.activeElement === document.body)) {
        ours.focus();
      }
      return;
    }
    if (Date.now() - start > 15000) clearInterval(timer);
  }, 120);
})();"""
