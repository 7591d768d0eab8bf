// MLP Lab's drawing pad for the Draw page (Streamlit components v2): white ink on black,
// drawn with a mouse, a finger or a pen (pointer events; touch draws, it does not scroll).
// At every pen lift the picture goes to the server at once, as a PNG data URL in the
// state value `drawing` ({data}); the server preprocesses it as mlp_digits does. While
// the pen moves it goes too, every MOVE_MS at most and only once the server has answered
// the last one (`answered` changed), so the answer follows the drawing.
// A new key (Clear) mounts a new, empty pad; `image` puts a stored drawing on it.

import { setStyle } from "./draw";

interface PadData {
  size: number; // the picture's pixels (width and height)
  shown: number; // CSS pixels on the page (larger in projector mode: the picture stays size)
  pen: number; // pen width in pixels
  image: string | null; // a PNG data URL to start from
  label: string; // the accessible name
  answered: number; // names the picture the server last answered (0: none)
}

type SetState = (name: string, value: unknown) => void;

interface Pad {
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  pen: number;
  send: SetState;
  last: [number, number] | null;
  image: string | null;
  sent: number; // performance.now() of the last picture sent
  waiting: boolean; // a picture sent while moving is not answered yet
  answered: number;
}

const pads = new WeakMap<object, Pad>();
const MOVE_MS = 250; // while the pen moves, the picture is sent at most this often

function sendPicture(pad: Pad): void {
  pad.sent = performance.now();
  pad.waiting = true;
  pad.send("drawing", { data: pad.canvas.toDataURL("image/png") });
}

function point(pad: Pad, e: PointerEvent): [number, number] {
  const r = pad.canvas.getBoundingClientRect();
  return [((e.clientX - r.left) * pad.canvas.width) / r.width, ((e.clientY - r.top) * pad.canvas.height) / r.height];
}

function show(canvas: HTMLCanvasElement, shown: number): void {
  // square, and never wider than its column (a narrow screen in projector mode); set
  // only when it differs, as the pad is called again at every run of its page
  setStyle(canvas, "width", `min(${shown}px, 100%)`);
  setStyle(canvas, "height", "auto");
}

function dot(pad: Pad, [x, y]: [number, number]): void {
  pad.ctx.beginPath();
  pad.ctx.arc(x, y, pad.pen / 2, 0, 2 * Math.PI);
  pad.ctx.fill();
}

function create(parent: HTMLElement | ShadowRoot, data: PadData, send: SetState): Pad {
  const style = document.createElement("style");
  style.textContent =
    "canvas.draw-pad { display: block; touch-action: none; cursor: crosshair; background: #000; }" +
    "canvas.draw-pad:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }";
  const canvas = document.createElement("canvas");
  canvas.className = "draw-pad";
  canvas.width = canvas.height = data.size;
  show(canvas, data.shown);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", data.label);
  parent.append(style, canvas);
  const ctx = canvas.getContext("2d", { willReadFrequently: false })!;
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, data.size, data.size);
  ctx.strokeStyle = ctx.fillStyle = "#fff";
  ctx.lineCap = ctx.lineJoin = "round";
  const pad: Pad = {
    canvas, ctx, pen: data.pen, send, last: null, image: null, sent: 0, waiting: false, answered: data.answered,
  };
  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    pad.last = point(pad, e);
    pad.sent = performance.now(); // the first picture while moving: MOVE_MS into the stroke
    dot(pad, pad.last);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!pad.last) return;
    const p = point(pad, e);
    ctx.lineWidth = pad.pen;
    ctx.beginPath();
    ctx.moveTo(...pad.last);
    ctx.lineTo(...p);
    ctx.stroke();
    pad.last = p;
    if (!pad.waiting && performance.now() - pad.sent >= MOVE_MS) sendPicture(pad);
  });
  const lift = () => {
    if (!pad.last) return;
    pad.last = null;
    sendPicture(pad);
  };
  canvas.addEventListener("pointerup", lift);
  canvas.addEventListener("pointercancel", lift);
  return pad;
}

export default function (args: { data: PadData; parentElement: HTMLElement | ShadowRoot; setStateValue: SetState }): void {
  const { data, parentElement, setStateValue } = args;
  let pad = pads.get(parentElement);
  if (!pad) {
    pad = create(parentElement, data, setStateValue);
    pads.set(parentElement, pad);
  }
  pad.pen = data.pen;
  pad.send = setStateValue;
  show(pad.canvas, data.shown); // projector mode switched on or off
  if (data.answered !== pad.answered) {
    pad.answered = data.answered;
    pad.waiting = false; // the server has answered a picture: the next may go
  }
  if (data.image && data.image !== pad.image) {
    pad.image = data.image;
    const img = new Image();
    const p = pad;
    img.onload = () => p.ctx.drawImage(img, 0, 0, p.canvas.width, p.canvas.height);
    img.src = data.image;
  }
}
