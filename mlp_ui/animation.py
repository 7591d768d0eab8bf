"""Play, Pause and Replay for a plotly animation, as Streamlit buttons of ours.

The frames still play in the browser (plotly's own animation: smooth, and nothing for the
server to do), but plotly's Play/Pause and frame slider are SVG shapes a keyboard cannot
reach and a phone shows on top of the slider's label. So the chart's menu and slider are
not drawn (toy_common.play_controls, menu_hidden), and our buttons (reachable by Tab,
pressed with Space or Enter, focus kept on them after the click) play the menu's
animations in the browser: a few lines of JavaScript, sent once per press. The frame
slider is ours too: a native range input (Tab to it, arrow keys, Home and End; a finger
or the mouse drags it) that shows the chart's frame and follows it as it plays.
"""

from __future__ import annotations

import json

import streamlit as st

from mlp_ui import classroom
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
    label, s["press"] = s["press"], None
    script = "" if label is None else _JS % (json.dumps(f".st-key-{key}"), json.dumps(name))
    script = script.replace("LABEL", json.dumps(label or ""))
    if script:
        script += keep_focus_js(f"{key}_replay" if label == REPLAY else f"{key}_play")
    pressed = f"<script>/* {s['n']} */{script}</script>" if script else ""
    # two elements: the slider's stays the same from run to run (the browser keeps it, and
    # its focus), the press's changes with each press (so its script runs once per press)
    where.html(frame_slider(key, classroom.projector()), unsafe_allow_javascript=True)
    if pressed:
        where.html(pressed, unsafe_allow_javascript=True)


def frame_slider(key: str, big: bool = False) -> str:
    """Our frame slider for the chart shown with `key` (HTML, its style and script): a
    labelled range input that animates the chart to the frame picked and follows it.
    `big`: the projector's frame label, read from the back of the room."""
    ids = f"{key}_frame"
    size = "1.6rem" if big else "1rem"
    css = (
        f".{ids}-row {{ font-size: {size}; }} "
        f"#{ids} {{ width: 100%; accent-color: #a8283a; }}"  # the theme's primary
        f" .{ids}-row {{ display: flex; gap: 0.75rem; align-items: center; }}"
        f" .{ids}-row output {{ min-width: 7.5em; font-variant-numeric: tabular-nums; }}"
    )
    html = (
        f'<div class="{ids}-row"><label for="{ids}">Frame</label>'
        f'<input type="range" id="{ids}" min="0" max="0" step="1" value="0">'
        f'<output id="{ids}_out" for="{ids}" aria-live="off"></output></div>'
    )
    script = _FRAMES % (json.dumps(f".st-key-{key}"), json.dumps(ids))
    return f"<style>{css}</style>{html}<script>{script}</script>"


_FRAMES = """(() => {
  const box = %s, input = document.getElementById(%s);
  if (!input) return;
  const out = input.nextElementSibling;
  const plot = () => { const b = document.querySelector(box);
                       return b && b.querySelector('.js-plotly-plot'); };
  const slider = gd => (gd && gd.layout && gd.layout.sliders || [])[0];
  const show = (gd, i) => {
    const s = slider(gd);
    if (!s || !s.steps || !s.steps[i]) return;
    input.max = s.steps.length - 1;
    input.value = i;
    const text = ((s.currentvalue || {}).prefix || '') + s.steps[i].label;
    out.textContent = text;
    input.setAttribute('aria-valuetext', text);
  };
  input.addEventListener('input', () => {
    const gd = plot(), s = slider(gd), i = Number(input.value);
    if (!s || !s.steps[i] || !window.Plotly) return;
    window.Plotly.animate(gd, ...s.steps[i].args);
    gd._mlpFrame = {meta: gd.layout.meta, i};
    show(gd, i);
  });
  const sync = setInterval(() => {
    if (!document.body.contains(input)) { clearInterval(sync); return; }
    const gd = plot();
    if (!gd || !gd.on || !slider(gd)) return;
    const meta = JSON.stringify(gd.layout.meta);
    if (input.dataset.meta !== meta) {  // a new figure, or this slider new: the frame shown
      input.dataset.meta = meta;
      const kept = gd._mlpFrame;
      show(gd, kept && JSON.stringify(kept.meta) === meta ? kept.i : slider(gd).active || 0);
    }
    if (gd._mlpFrames === input) return;
    gd._mlpFrames = input;
    gd.on('plotly_animatingframe', (e) => {
      const steps = (slider(gd) || {}).steps || [];
      const i = steps.findIndex(st => st.args[0][0] === e.name);
      if (i >= 0) gd._mlpFrame = {meta: gd.layout.meta, i};
      if (i >= 0 && document.activeElement !== input) show(gd, i);
    });
  }, 250);
})();"""


_JS = """(() => {
  const start = Date.now();
  const timer = setInterval(() => {
    const box = document.querySelector(%s);
    const gd = box && box.querySelector('.js-plotly-plot');
    const menu = gd && gd.layout && (gd.layout.updatemenus || [])[0];
    const button = menu && (menu.buttons || []).find(b => (b.label || '').includes(LABEL));
    if (gd && gd.layout.meta === %s && button && window.Plotly) {
      clearInterval(timer);
      window.Plotly.animate(gd, ...button.args);  // the hidden menu's button, pressed
      return;
    }
    if (Date.now() - start > 15000) clearInterval(timer);
  }, 120);
})();"""


def keep_focus_js(key: str, ms: int = 3000) -> str:
    """JavaScript that keeps the keyboard's focus on the button of `key` (a Streamlit key)
    after a press redrew the page: at once, and at every frame for `ms`, a focus that fell
    to the page (the button redrawn under a new label, Play to Pause) goes back to it.
    The person's own moves win: a click, a tap or a key other than Enter and Space ends
    the watch. (One try when the chart was ready, as before, lost the focus now and then.)"""
    return _KEEP_FOCUS % (json.dumps(f".st-key-{key} button"), ms)


_KEEP_FOCUS = """(() => {
  const find = () => document.querySelector(%s), until = Date.now() + %d;
  let moved = false;
  const stop = (e) => { if (!e.key || !['Enter', ' '].includes(e.key)) moved = true; };
  for (const kind of ['pointerdown', 'keydown']) document.addEventListener(kind, stop, true);
  const keep = () => {
    const ours = find(), now = document.activeElement;
    if (!moved && ours && (!now || now === document.body)) ours.focus();
    if (!moved && Date.now() < until) { requestAnimationFrame(keep); return; }
    for (const kind of ['pointerdown', 'keydown']) document.removeEventListener(kind, stop, true);
  };
  keep();
})();"""
