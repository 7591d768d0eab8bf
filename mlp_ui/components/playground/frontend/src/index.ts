// MLP Lab's Playground component (Streamlit components v2). The server sends numbers:
// the points once (cached here by their id), then on every frame the weights, the epoch,
// the losses. This file computes every unit over the plane and draws the pictures.
// Events go back as trigger values: `unit` (a unit clicked), `point` (a point added,
// undo, clear), `need` (the points of an id this page does not have).

import * as draw from "./draw";
import { Channel, Frame, Live } from "./live";
import { Net, formula, grids, sizes, unitNames } from "./model";

interface Curve {
  name: string;
  epoch: number[];
  train: number[];
  test: number[];
}

export interface Payload {
  data_id: string;
  data: draw.Points | null;
  net: Net | null;
  classes: number; // 0 for regression
  epoch: number;
  train_loss: number | null;
  test_loss: number | null;
  accuracy: number | null;
  confusion: number[][] | null;
  curves: Curve[];
  grad: number[];
  selected: [number, number] | null;
  show_test: boolean;
  big: boolean;
  touch: boolean; // a touch device: "Tap", not "Click"
  edit: boolean;
  note: string;
  run_tag: number; // names the run: a live frame of another run is not drawn
  live: Channel | null; // the live channel's path and ticket (null: the fragment's timer)
}

type Trigger = (name: string, value: unknown) => void;

const cache = new Map<string, draw.Points>();
const CURVE_MAX = 400; // the live curve is halved (every other epoch kept) past this
const GRID = 48; // every unit over a 48 x 48 grid of the plane
const HTML = `
<div class="pg">
  <div class="status" role="group" aria-label="Training status">
    <div><span class="lbl">Epoch</span><span class="val" data-k="epoch"></span></div>
    <div><span class="lbl">Training loss</span><span class="val" data-k="train"></span></div>
    <div><span class="lbl">Test loss</span><span class="val" data-k="test"></span></div>
    <div><span class="lbl" data-k="acclabel">Test accuracy</span><span class="val" data-k="accval"></span></div>
  </div>
  <div class="top">
    <figure class="out">
      <canvas class="plane" role="img"></canvas>
      <figcaption class="cap" data-k="outcap"></figcaption>
      <div class="own" hidden>
        <div class="classes" role="radiogroup" aria-label="Class of the next point"></div>
        <button type="button" data-op="undo">Undo</button>
        <button type="button" data-op="clear">Clear</button>
      </div>
      <div class="acc"></div>
    </figure>
    <figure class="net">
      <canvas class="network" role="img" tabindex="0"></canvas>
      <figcaption class="cap" data-k="netcap"></figcaption>
    </figure>
  </div>
  <div class="lower">
    <figure class="curves"><figcaption class="head">Loss per epoch</figcaption>
      <canvas class="loss" role="img"></canvas>
      <figcaption class="cap" data-k="losscap"></figcaption></figure>
    <figure class="unit"><figcaption class="head" data-k="unithead">What a neuron computes</figcaption>
      <div class="unitrow"><canvas class="big" role="img"></canvas>
      <p class="formula" data-k="formula"></p></div></figure>
    <figure class="grad"><figcaption class="head">Gradient size per layer (last epoch)</figcaption>
      <canvas class="bars" role="img"></canvas>
      <figcaption class="cap">With sigmoid and many layers the bars on the left shrink by orders of magnitude: those layers barely learn (vanishing gradients).</figcaption></figure>
  </div>
</div>`;

const CSS = `
:host, .pg { display: block; font-family: "Source Sans Pro", "Source Sans 3", sans-serif; color: #111; }
.pg { --gap: 16px; }
.status { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0 0 8px 0; }
.status div { display: flex; flex-direction: column; }
.lbl { font-size: 14px; color: #31333f; }
.val { font-size: 28px; line-height: 1.2; font-variant-numeric: tabular-nums; }
.top, .lower { display: flex; flex-wrap: wrap; gap: var(--gap); align-items: flex-start; }
figure { margin: 0; min-width: 0; }
.out { flex: 0 0 auto; }
.net { flex: 1 1 300px; }
.lower { margin-top: 14px; }
.curves, .unit, .grad { flex: 1 1 280px; }
.cap { font-size: 14px; color: #31333f; margin-top: 4px; max-width: 60em; }
.head { font-weight: 600; margin-bottom: 4px; }
canvas { display: block; touch-action: pan-x pan-y; }
canvas.network { cursor: pointer; }
canvas:focus-visible, button:focus-visible, label:focus-within { outline: 3px solid #0b57d0; outline-offset: 2px; }
.own { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 6px 0; }
.own[hidden] { display: none; }
.classes { display: flex; gap: 4px; }
.classes label { display: inline-flex; align-items: center; gap: 4px; padding: 4px 8px; border: 1px solid #888;
  border-radius: 6px; cursor: pointer; font-size: 15px; min-height: 32px; }
.classes label.on { border: 2px solid #111; font-weight: 600; }
.classes input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.swatch { width: 14px; height: 14px; display: inline-block; }
.own button { font: inherit; padding: 4px 12px; min-height: 34px; border: 1px solid #888; border-radius: 6px; background: #fff; cursor: pointer; }
.acc table { border-collapse: collapse; font-size: 14px; margin-top: 6px; font-variant-numeric: tabular-nums; }
.acc th, .acc td { border: 1px solid #999; padding: 2px 8px; text-align: right; }
.acc caption { text-align: left; font-size: 14px; margin-bottom: 2px; caption-side: top; width: 16em; }
.unitrow { display: flex; gap: 12px; align-items: flex-start; flex-wrap: wrap; }
.formula { font-family: "Source Code Pro", monospace; font-size: 15px; margin: 0; overflow-wrap: anywhere; max-width: 100%; }
.note { font-size: 16px; padding: 10px; background: #f0f2f6; }
.big .val { font-size: 40px; }
.big .lbl, .big .cap, .big .acc table, .big .acc caption { font-size: 19px; }
.big .formula { font-size: 21px; }
`;

class View {
  root: HTMLElement;
  trigger: Trigger;
  last: Payload | null = null;
  lay: draw.Layout | null = null;
  planeSize = 300;
  cls = 0;
  el: Record<string, HTMLElement> = {};
  live: Live;
  // The gradient figure's width as the last full render measured it, for that root width
  // and size: a live frame reuses it instead of asking the layout again mid-frame.
  gradAt: { key: string; width: number } | null = null;
  accCells: HTMLElement[][] = []; // the confusion matrix's cells, filled in place

  constructor(parent: HTMLElement | ShadowRoot, trigger: Trigger) {
    this.trigger = trigger;
    this.live = new Live(
      (f) => this.frame(f),
      (why) => this.trigger("live", why),
      () => this.root.isConnected,
    );
    const style = document.createElement("style");
    style.textContent = CSS;
    const holder = document.createElement("div");
    holder.innerHTML = HTML;
    parent.appendChild(style);
    parent.appendChild(holder);
    this.root = holder.querySelector(".pg") as HTMLElement;
    this.root.querySelectorAll<HTMLElement>("[data-k]").forEach((e) => (this.el[e.dataset.k!] = e));
    const q = (s: string) => this.root.querySelector(s) as HTMLElement;
    this.el.network = q("canvas.network");
    this.el.plane = q("canvas.plane");
    this.el.loss = q("canvas.loss");
    this.el.bars = q("canvas.bars");
    this.el.big = q("canvas.big");
    this.el.own = q(".own");
    this.el.acc = q(".acc");
    this.el.out = q("figure.out");
    this.el.network.addEventListener("click", (e) => this.clickUnit(e as MouseEvent));
    this.el.network.addEventListener("keydown", (e) => this.keyUnit(e as KeyboardEvent));
    this.el.plane.addEventListener("click", (e) => this.clickPlane(e as MouseEvent));
    this.el.own.querySelectorAll<HTMLButtonElement>("button").forEach((b) =>
      b.addEventListener("click", () => this.trigger("point", { op: b.dataset.op })),
    );
    new ResizeObserver(() => this.last && this.render(this.last)).observe(this.root);
  }

  update(p: Payload): void {
    if (p.data) cache.set(p.data_id, p.data);
    else if (!cache.has(p.data_id)) this.trigger("need", p.data_id);
    this.last = p;
    this.render(p);
    if (p.live) this.live.open(p.live);
  }

  // A frame from the live channel: the page's last payload with the new weights and numbers.
  frame(f: Frame): void {
    const p = this.last;
    if (!p || !p.net || f.tag !== p.run_tag || f.epoch < p.epoch) return;
    const n = sizes(p.net);
    if (n.length !== f.sizes.length || n.some((v, i) => v !== f.sizes[i])) return;
    const [now, ...kept] = p.curves;
    const next: Payload = {
      ...p,
      net: { ...p.net, W: f.W, b: f.b },
      epoch: f.epoch,
      train_loss: f.trainLoss,
      test_loss: f.testLoss,
      accuracy: f.accuracy,
      confusion: f.confusion,
      grad: f.grad,
      curves: now ? [grow(now, f), ...kept] : p.curves,
    };
    this.last = next;
    this.render(next, true);
    // frames drawn with new weights, for a test or a benchmark to count (data-live-draws)
    this.root.dataset.liveDraws = String(Number(this.root.dataset.liveDraws ?? 0) + 1);
    if (f.stopped) this.trigger("stopped", f.epoch);
  }

  // Draw `p`. A live frame (`live`) changes numbers, not the page's layout: it sets only
  // what differs and reads no size the layout would have to be redone for.
  render(p: Payload, live = false): void {
    const width = this.root.clientWidth || 700;
    this.root.classList.toggle("big", p.big);
    const points = cache.get(p.data_id) ?? { train: [], test: [] };
    const regress = p.classes === 0;
    this.status(p);
    const narrow = width < 640;
    this.planeSize = Math.round(Math.max(200, Math.min(narrow ? width - 50 : width * 0.36, p.big ? 560 : 420)));
    const net = p.net;
    const g = net ? grids(net, GRID) : null;
    let background: HTMLCanvasElement | null = null;
    if (net && g) {
      const out = g[g.length - 1];
      background =
        net.output === "softmax" ? draw.regions(out, GRID) : draw.heat(draw.shade(out[0], net.output), GRID);
    }
    const plane = this.el.plane as HTMLCanvasElement;
    const planeWidth = draw.plane(plane, this.planeSize, background, points, regress, p.show_test, p.big);
    draw.setStyle(this.el.out, "width", narrow ? "100%" : `${Math.ceil(planeWidth)}px`);
    setAttr(this.el.plane, "aria-label", this.planeText(p, g, points));
    draw.setStyle(this.el.plane, "cursor", p.edit ? "crosshair" : "default");
    setText(this.el.outcap, this.legend(p));
    this.ownBar(p);
    this.accuracy(p);
    const netCanvas = this.el.network as HTMLCanvasElement;
    if (net && g) {
      const netWidth = narrow ? width : Math.max(260, width - planeWidth - 24);
      this.lay = draw.layout(sizes(net), netWidth, p.big);
      draw.network(netCanvas, net, g, GRID, this.lay, p.selected, p.big);
      draw.setStyle(netCanvas, "display", "block");
      setAttr(netCanvas, "aria-label", this.networkText(net, p.touch));
      setText(
        this.el.netcap,
        "Each square is a unit's output over the whole plane (blue positive, orange negative); lines " +
        "are weights (blue solid positive, orange dashed negative, thicker for larger ones). " +
        `${p.touch ? "Tap" : "Click"} a unit to see its formula.`,
      );
    } else {
      draw.setStyle(netCanvas, "display", "none");
      setText(this.el.netcap, p.note);
    }
    const lossWidth = narrow ? width : Math.max(260, Math.min(width / 3 - 12, 520));
    draw.curves(this.el.loss as HTMLCanvasElement, lossWidth, p.curves, p.big);
    setAttr(this.el.loss, "aria-label", this.lossText(p));
    setText(this.el.losscap, "Solid: training loss, dashed: test loss; black is this run, colours are snapshots.");
    // Where the three lower figures do not fit one row, the gradients wrap to a row of their
    // own and get its whole width (no empty corner beside a small chart).
    const gradWidth = narrow ? width : Math.max(lossWidth, Math.min(this.gradFigureWidth(width, p.big, live), 900));
    draw.bars(this.el.bars as HTMLCanvasElement, gradWidth, p.grad, p.big);
    setAttr(this.el.bars, "aria-label", "Gradient size per weight layer: " + p.grad.map((v) => v.toExponential(1)).join(", "));
    this.unit(p, g, lossWidth);
  }

  // The gradient figure's width: measured in a full render, reused by a live frame with
  // the same root width and size (measured then only if never measured).
  gradFigureWidth(width: number, big: boolean, live: boolean): number {
    const key = `${width} ${big}`;
    if (live && this.gradAt?.key === key) return this.gradAt.width;
    const measured = (this.el.bars.parentElement as HTMLElement).clientWidth;
    this.gradAt = measured > 0 ? { key, width: measured } : null;
    return measured;
  }

  status(p: Payload): void {
    const f = (v: number | null, d = 3) => (v === null || !Number.isFinite(v) ? "–" : v.toFixed(d));
    setText(this.el.epoch, p.epoch.toLocaleString("en"));
    setText(this.el.train, f(p.train_loss));
    setText(this.el.test, f(p.test_loss));
    const classify = p.classes > 0;
    setText(this.el.acclabel, classify ? "Test accuracy" : "Test points");
    const n = (cache.get(p.data_id)?.test.length ?? 0).toLocaleString("en");
    setText(this.el.accval, classify ? (p.accuracy === null ? "–" : `${(100 * p.accuracy).toFixed(1)}%`) : n);
  }

  legend(p: Payload): string {
    if (p.classes === 0)
      return "The output over the plane, from −1 (orange) to 1 (blue); points coloured by their targets. Training points edged white, test points black.";
    const names = Array.from({ length: Math.max(p.classes, 2) }, (_, k) => `class ${k} ${draw.CLASS_NAMES[k]} ${draw.SHAPES[k]}`);
    return `Regions: the class the network answers there (paler where it is less sure). Points: ${names.join(", ")}. Training points edged white, test points black.${p.edit ? " Click (tap) the plane to add a point of the chosen class." : ""}`;
  }

  planeText(p: Payload, g: Float32Array[][] | null, points: draw.Points): string {
    const pts = `${points.train.length} training and ${points.test.length} test points`;
    if (!g || !p.net) return `The plane with ${pts}; no network yet.`;
    const out = g[g.length - 1];
    const total = GRID * GRID;
    if (p.classes === 0) return `Output over the plane (regression), with ${pts}.`;
    const share = new Array(Math.max(p.classes, 2)).fill(0);
    for (let q = 0; q < total; q++) {
      if (out.length === 1) share[out[0][q] > 0.5 ? 1 : 0]++;
      else {
        let best = 0;
        for (let j = 1; j < out.length; j++) if (out[j][q] > out[best][q]) best = j;
        share[best]++;
      }
    }
    const parts = share.map((s, k) => `class ${k} (${draw.CLASS_NAMES[k]}) ${Math.round((100 * s) / total)} %`);
    const acc = p.accuracy === null ? "" : `; ${(100 * p.accuracy).toFixed(1)} % of the test points right`;
    return `Output over the plane, share of the plane per answer: ${parts.join(", ")}, with ${pts}${acc}.`;
  }

  networkText(net: Net, touch: boolean): string {
    const n = sizes(net);
    let best = [0, 0, 0, 0];
    net.W.forEach((W, l) => W.forEach((row, i) => row.forEach((w, j) => {
      if (Math.abs(w) > Math.abs(best[3])) best = [l, i, j, w];
    })));
    const from = unitNames(net, best[0])[best[1]];
    const to = unitNames(net, best[0] + 1)[best[2]];
    return `Network ${n.join("-")}, ${net.activation}: each unit drawn as its output over the plane. ` +
      `Largest weight ${best[3].toFixed(2)}, from ${from} to ${to}. ${touch ? "Tap" : "Click"} a unit, or use the arrow keys and Enter, to see its formula.`;
  }

  lossText(p: Payload): string {
    const r = p.curves[0];
    if (!r || r.train.length < 2) return "Loss per epoch: no training yet.";
    const k = r.train.length - 1;
    return `Training loss from ${r.train[0].toFixed(3)} to ${r.train[k].toFixed(3)} and test loss from ${r.test[0].toFixed(3)} to ${r.test[k].toFixed(3)} in ${r.epoch[k].toLocaleString("en")} epochs.`;
  }

  ownBar(p: Payload): void {
    const bar = this.el.own;
    if (bar.hidden !== !p.edit) bar.hidden = !p.edit;
    if (!p.edit) return;
    const box = bar.querySelector(".classes") as HTMLElement;
    if (!box.childElementCount) {
      for (let k = 0; k < 4; k++) {
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.type = "radio";
        input.name = "pgclass";
        input.value = String(k);
        input.addEventListener("change", () => {
          this.cls = k;
          this.ownBar(this.last!);
        });
        const sw = document.createElement("span");
        sw.className = "swatch";
        sw.style.background = draw.hex(draw.CLASS_RGB[k]);
        sw.style.borderRadius = k === 0 ? "50%" : "0";
        label.append(input, sw, document.createTextNode(`class ${k}`));
        box.appendChild(label);
      }
    }
    box.querySelectorAll("label").forEach((l, k) => {
      l.classList.toggle("on", k === this.cls);
      (l.querySelector("input") as HTMLInputElement).checked = k === this.cls;
    });
  }

  // The confusion matrix: built when its size changes, its cells filled in place after.
  accuracy(p: Payload): void {
    const box = this.el.acc;
    const k = p.confusion ? p.confusion.length : 0;
    if (k && this.accCells.length === k && box.firstChild) {
      p.confusion!.forEach((row, i) => row.forEach((v, j) => setText(this.accCells[i][j], String(v))));
      return;
    }
    box.textContent = "";
    this.accCells = [];
    if (!p.confusion) return;
    const t = document.createElement("table");
    const cap = t.createCaption();
    cap.textContent = "Test points: true class (rows) by the network's answer (columns)";
    const head = t.createTHead().insertRow();
    head.appendChild(document.createElement("td")); // the corner: no header of its own (axe empty-table-header)
    for (let j = 0; j < k; j++) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = `says ${j}`;
      head.appendChild(th);
    }
    const body = t.createTBody();
    p.confusion.forEach((row, i) => {
      const tr = body.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = `is ${i}`;
      tr.appendChild(th);
      this.accCells.push(
        row.map((v, j) => {
          const td = tr.insertCell();
          td.textContent = String(v);
          if (i === j) td.style.fontWeight = "700";
          return td;
        }),
      );
    });
    box.appendChild(t);
  }

  unit(p: Payload, g: Float32Array[][] | null, width: number): void {
    const net = p.net;
    const canvas = this.el.big as HTMLCanvasElement;
    if (!net || !g || !p.selected || p.selected[0] < 1 || p.selected[0] >= g.length) {
      draw.setStyle(canvas, "display", "none");
      setText(this.el.formula, "");
      return;
    }
    const [c, j] = p.selected;
    if (j >= g[c].length) return;
    const name = unitNames(net, c)[j];
    setText(this.el.unithead, `What a neuron computes: ${name}`);
    const side = Math.round(Math.min(width * 0.5, p.big ? 260 : 170));
    const ctx = draw.fit(canvas, side, side);
    ctx.imageSmoothingEnabled = true;
    const kind = c === g.length - 1 ? net.output : net.activation;
    ctx.drawImage(draw.heat(draw.shade(g[c][j], kind), GRID), 0, 0, side, side);
    draw.setStyle(canvas, "display", "block");
    const text = formula(net, c, j) + (c > 1 ? `   (h${c - 1},i: neuron i of layer ${c - 1})` : "");
    setAttr(canvas, "aria-label", `${name} over the plane`);
    setText(this.el.formula, text);
    const W = net.W[c - 1].map((row) => row[j]);
    this.el.formula.dataset.unit = `${c},${j}`;
    this.el.formula.dataset.weights = JSON.stringify([...W, net.b[c - 1][j]]);
  }

  clickUnit(e: MouseEvent): void {
    if (!this.lay) return;
    const r = this.el.network.getBoundingClientRect();
    const u = draw.hit(this.lay, e.clientX - r.left, e.clientY - r.top);
    if (u && u[0] > 0) this.trigger("unit", u);
  }

  keyUnit(e: KeyboardEvent): void {
    const p = this.last;
    if (!p || !p.net) return;
    const n = sizes(p.net);
    let [c, j] = p.selected ?? [1, 0];
    if (e.key === "ArrowRight") c = Math.min(c + 1, n.length - 1);
    else if (e.key === "ArrowLeft") c = Math.max(c - 1, 1);
    else if (e.key === "ArrowDown") j += 1;
    else if (e.key === "ArrowUp") j -= 1;
    else return;
    e.preventDefault();
    j = Math.max(0, Math.min(j, n[c] - 1));
    this.trigger("unit", [c, j]);
  }

  clickPlane(e: MouseEvent): void {
    const p = this.last;
    if (!p || !p.edit) return;
    const r = this.el.plane.getBoundingClientRect();
    const xy = draw.toPlane(this.planeSize, p.big, e.clientX - r.left, e.clientY - r.top);
    if (xy) this.trigger("point", { op: "add", x1: xy[0], x2: xy[1], label: this.cls });
  }
}

// Set a text or an attribute only if it differs: a live frame changes a few numbers, and
// every text set (even to the same words) makes the browser lay the page out again.
function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function setAttr(el: HTMLElement, name: string, value: string): void {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

// The live run's curve with a frame's epoch added (every other point dropped when long).
function grow(c: Curve, f: Frame): Curve {
  const k = c.epoch.length;
  if (k && c.epoch[k - 1] >= f.epoch) return c;
  let out = { ...c, epoch: [...c.epoch, f.epoch], train: [...c.train, f.trainLoss], test: [...c.test, f.testLoss] };
  if (out.epoch.length > CURVE_MAX) {
    const keep = (_: number, i: number, a: number[]) => i % 2 === 0 || i === a.length - 1;
    out = { ...out, epoch: out.epoch.filter(keep), train: out.train.filter(keep), test: out.test.filter(keep) };
  }
  return out;
}

// Play becomes Pause (another Streamlit button) in a new page run: the browser would drop
// the focus to the page. After a press of either, the focus goes to whichever is there.
const PLAY = ".st-key-pg_play button, .st-key-pg_pause button";
function keepPlayFocus(): void {
  const w = window as unknown as { __pgFocus?: boolean };
  if (w.__pgFocus) return;
  w.__pgFocus = true;
  let until = 0;
  const mark = (e: Event) => {
    if ((e.target as Element | null)?.closest?.(".st-key-pg_play, .st-key-pg_pause")) until = performance.now() + 4000;
  };
  document.addEventListener("click", mark, true);
  document.addEventListener("keydown", mark, true);
  const watch = () => {
    if (performance.now() < until) {
      const a = document.activeElement;
      if (!a || a === document.body || !a.isConnected) {
        const b = document.querySelector<HTMLButtonElement>(PLAY);
        if (b) b.focus();
      }
    }
    window.setTimeout(watch, 60);
  };
  watch();
}

const views = new WeakMap<object, View>();

export default function (args: {
  data: Payload;
  parentElement: HTMLElement | ShadowRoot;
  setTriggerValue: Trigger;
}): void {
  keepPlayFocus();
  let view = views.get(args.parentElement);
  if (!view) {
    view = new View(args.parentElement, args.setTriggerValue);
    views.set(args.parentElement, view);
  }
  view.trigger = args.setTriggerValue;
  view.update(args.data);
}
