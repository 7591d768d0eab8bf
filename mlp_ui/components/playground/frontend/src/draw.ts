// Pictures on canvases sized to their container (times devicePixelRatio, so they stay
// sharp on a projector): the network, the output over the plane, the curves, the bars.
// Colours: blue positive / orange negative (distinguishable with every common
// colour-vision deficiency), classes in the Okabe-Ito palette, each class also with its
// own marker shape; negative weights are dashed as well as orange.

import { DOMAIN, Net, kindOf, sizes } from "./model";

export const BLUE = [0, 114, 178];
export const ORANGE = [230, 159, 0];
const PALE = [240, 240, 240];
export const CLASS_RGB = [ORANGE, BLUE, [0, 158, 115], [204, 121, 167]];
export const CLASS_NAMES = ["orange", "blue", "green", "purple"];
export const SHAPES = ["circle", "square", "triangle", "diamond"];
const INK = "#111111";

export const hex = (rgb: number[]) => `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;

/** A canvas drawn at its CSS size x devicePixelRatio; returns its 2-D context in CSS px. */
export function fit(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const r = window.devicePixelRatio || 1;
  setStyle(canvas, "width", `${width}px`);
  setStyle(canvas, "height", `${height}px`);
  if (canvas.width !== Math.round(width * r) || canvas.height !== Math.round(height * r)) {
    canvas.width = Math.round(width * r);
    canvas.height = Math.round(height * r);
  }
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(r, 0, 0, r, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** Set an inline style only if it differs: each frame redraws, and a style set (even to
 * its value) can cost the page a new layout. */
export function setStyle(el: HTMLElement, name: "width" | "height" | "display" | "cursor", value: string): void {
  if (el.style[name] !== value) el.style[name] = value;
}

// Every heatmap is painted into one offscreen canvas, which its caller draws at once
// (drawImage copies it): the next heatmap paints over it. A new canvas per unit per
// frame (27 for 2-8-8-8-1) cost the browser a context, its pixels and their collection.
let scratch: { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D; img: ImageData } | null = null;

function pixels(s: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D; img: ImageData } {
  if (!scratch || scratch.canvas.width !== s) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = s;
    const ctx = canvas.getContext("2d")!;
    scratch = { canvas, ctx, img: ctx.createImageData(s, s) };
  }
  return scratch;
}

/** Diverging colour of v in [-1, 1]: orange, pale, blue. */
function diverge(v: number, px: Uint8ClampedArray, o: number): void {
  const t = Math.max(-1, Math.min(1, v));
  const end = t >= 0 ? BLUE : ORANGE;
  const a = Math.abs(t);
  px[o] = PALE[0] + a * (end[0] - PALE[0]);
  px[o + 1] = PALE[1] + a * (end[1] - PALE[1]);
  px[o + 2] = PALE[2] + a * (end[2] - PALE[2]);
  px[o + 3] = 255;
}

/** A unit's values as colour values in [-1, 1] (sigmoid's [0, 1] as 2a - 1; unbounded
 * units divided by their largest magnitude when it exceeds 1). */
export function shade(values: Float32Array, kind: string): Float32Array {
  if (kind === "sigmoid" || kind === "softmax") return values.map((a) => 2 * a - 1);
  let top = 0;
  for (const v of values) top = Math.max(top, Math.abs(v));
  return top > 1 ? values.map((v) => v / top) : values;
}

/** An s x s heatmap of values in [-1, 1] as an offscreen canvas of s x s pixels (the
 * shared one: draw it before the next heatmap is made). */
export function heat(values: Float32Array, s: number): HTMLCanvasElement {
  const { canvas, ctx, img } = pixels(s);
  for (let p = 0; p < s * s; p++) diverge(values[p], img.data, 4 * p);
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/** Regions of k > 2 classes: each point coloured by its most probable class, paler where
 * the network is less sure. probs[j] (s * s) per class. The shared canvas, as heat's. */
export function regions(probs: Float32Array[], s: number): HTMLCanvasElement {
  const { canvas, ctx, img } = pixels(s);
  const k = probs.length;
  for (let p = 0; p < s * s; p++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[j][p] > probs[best][p]) best = j;
    const sure = Math.max(0, (probs[best][p] - 1 / k) / (1 - 1 / k));
    const rgb = CLASS_RGB[best];
    const a = 0.25 + 0.55 * sure;
    for (let ch = 0; ch < 3; ch++) img.data[4 * p + ch] = 255 + a * (rgb[ch] - 255);
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

export interface Layout {
  width: number;
  height: number;
  tile: number;
  pos: [number, number][][]; // centre of every unit, column by column
}

/** Where every unit of a network with these column sizes goes in `width` CSS pixels. */
export function layout(n: number[], width: number, big: boolean): Layout {
  const cols = n.length;
  const most = Math.max(...n);
  const colW = width / cols;
  const tile = Math.max(22, Math.min(colW * 0.6, big ? 120 : 84, (big ? 700 : 430) / most));
  const row = tile * 1.3;
  const head = big ? 34 : 24;
  const height = head + most * row + 8;
  const pos = n.map((k, c) =>
    Array.from({ length: k }, (_, j): [number, number] => [
      colW * (c + 0.5),
      head + (height - head) / 2 + (j - (k - 1) / 2) * row,
    ]),
  );
  return { width, height, tile, pos };
}

/** The network: lines for the weights (blue positive solid, orange negative dashed, wider
 * for larger |w|), then every unit's picture over the plane, and a frame on `selected`. */
export function network(
  canvas: HTMLCanvasElement,
  net: Net,
  tiles: Float32Array[][],
  s: number,
  lay: Layout,
  selected: [number, number] | null,
  big: boolean,
): void {
  const ctx = fit(canvas, lay.width, lay.height);
  const n = sizes(net);
  const h = lay.tile / 2;
  ctx.lineCap = "round";
  net.W.forEach((W, l) => {
    W.forEach((row, i) =>
      row.forEach((w, j) => {
        const [x0, y0] = lay.pos[l][i];
        const [x1, y1] = lay.pos[l + 1][j];
        ctx.strokeStyle = hex(w > 0 ? BLUE : ORANGE);
        ctx.globalAlpha = Math.min(1, 0.35 + Math.abs(w) * 0.4);
        ctx.lineWidth = Math.min(big ? 9 : 7, 0.6 + Math.abs(w) * 2.2);
        ctx.setLineDash(w > 0 ? [] : [6, 4]);
        ctx.beginPath();
        ctx.moveTo(x0 + h, y0);
        ctx.lineTo(x1 - h, y1);
        ctx.stroke();
      }),
    );
  });
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
  ctx.imageSmoothingEnabled = true;
  n.forEach((k, c) => {
    const kind = kindOf(net, c);
    for (let j = 0; j < k; j++) {
      const [x, y] = lay.pos[c][j];
      ctx.drawImage(heat(shade(tiles[c][j], kind), s), x - h, y - h, lay.tile, lay.tile);
      ctx.strokeStyle = "#9a9a9a";
      ctx.lineWidth = 1;
      ctx.strokeRect(x - h, y - h, lay.tile, lay.tile);
    }
  });
  if (selected && selected[0] < n.length && selected[1] < n[selected[0]]) {
    const [x, y] = lay.pos[selected[0]][selected[1]];
    ctx.strokeStyle = INK;
    ctx.lineWidth = 3;
    ctx.strokeRect(x - h - 4, y - h - 4, lay.tile + 8, lay.tile + 8);
  }
  ctx.fillStyle = INK;
  ctx.font = `${big ? 20 : 14}px sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  n.forEach((_, c) => {
    const name = c === 0 ? "inputs" : c === n.length - 1 ? "output" : `layer ${c}`;
    ctx.fillText(name, lay.pos[c][0][0], 4);
  });
}

/** The unit under CSS pixel (x, y), or null. */
export function hit(lay: Layout, x: number, y: number): [number, number] | null {
  const h = lay.tile / 2 + 4;
  for (let c = 0; c < lay.pos.length; c++)
    for (let j = 0; j < lay.pos[c].length; j++) {
      const [cx, cy] = lay.pos[c][j];
      if (Math.abs(x - cx) <= h && Math.abs(y - cy) <= h) return [c, j];
    }
  return null;
}

export interface Points {
  train: number[][]; // [x1, x2, label or value]
  test: number[][];
}

function marker(ctx: CanvasRenderingContext2D, shape: string, x: number, y: number, r: number): void {
  ctx.beginPath();
  if (shape === "square") ctx.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
  else if (shape === "triangle") {
    ctx.moveTo(x, y - r * 1.15);
    ctx.lineTo(x + r, y + r * 0.75);
    ctx.lineTo(x - r, y + r * 0.75);
    ctx.closePath();
  } else if (shape === "diamond") {
    ctx.moveTo(x, y - r * 1.2);
    ctx.lineTo(x + r * 1.2, y);
    ctx.lineTo(x, y + r * 1.2);
    ctx.lineTo(x - r * 1.2, y);
    ctx.closePath();
  } else ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
}

/** The output over the plane (a background picture) with the points on top: training
 * points edged white, test points edged black; classes by colour and by shape. Returns
 * the canvas's CSS width (what the page would otherwise ask the layout for). */
export function plane(
  canvas: HTMLCanvasElement,
  size: number,
  background: HTMLCanvasElement | null,
  points: Points,
  regress: boolean,
  showTest: boolean,
  big: boolean,
): number {
  const m = big ? 44 : 34;
  const ctx = fit(canvas, size + m + 8, size + m + 6);
  const side = size;
  ctx.fillStyle = "#fafafa";
  ctx.fillRect(m, 6, side, side);
  if (background) {
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(background, m, 6, side, side);
  }
  const px = (x1: number, x2: number): [number, number] => [
    m + ((x1 - DOMAIN[0]) / (DOMAIN[1] - DOMAIN[0])) * side,
    6 + ((DOMAIN[1] - x2) / (DOMAIN[1] - DOMAIN[0])) * side,
  ];
  const r = big ? 5.5 : Math.max(3, side / 90);
  const sets: [number[][], string][] = [[points.train, "#ffffff"]];
  if (showTest) sets.push([points.test, INK]);
  for (const [pts, edge] of sets) {
    ctx.strokeStyle = edge;
    ctx.lineWidth = 1.3;
    for (const [x1, x2, v] of pts) {
      const [x, y] = px(x1, x2);
      if (regress) {
        const c = new Uint8ClampedArray(4);
        diverge(v, c, 0);
        ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
        marker(ctx, "circle", x, y, r);
      } else {
        ctx.fillStyle = hex(CLASS_RGB[v] ?? PALE);
        marker(ctx, SHAPES[v] ?? "circle", x, y, r);
      }
    }
  }
  ctx.strokeStyle = "#8a8a8a";
  ctx.lineWidth = 1;
  ctx.strokeRect(m, 6, side, side);
  ctx.fillStyle = "#333333";
  ctx.font = `${big ? 18 : 12}px sans-serif`;
  for (let v = -6; v <= 6; v += 3) {
    const [x, y] = px(v, v);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText(String(v).replace("-", "−"), x, side + 10);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText(String(v).replace("-", "−"), m - 5, y);
  }
  return size + m + 8;
}

/** CSS pixel (x, y) on the plane canvas -> the point (x1, x2), or null outside. */
export function toPlane(size: number, big: boolean, x: number, y: number): [number, number] | null {
  const m = big ? 44 : 34;
  const x1 = DOMAIN[0] + ((x - m) / size) * (DOMAIN[1] - DOMAIN[0]);
  const x2 = DOMAIN[1] - ((y - 6) / size) * (DOMAIN[1] - DOMAIN[0]);
  if (x1 < DOMAIN[0] || x1 > DOMAIN[1] || x2 < DOMAIN[0] || x2 > DOMAIN[1]) return null;
  return [Math.round(x1 * 100) / 100, Math.round(x2 * 100) / 100];
}

export interface Series {
  name: string;
  epoch: number[];
  train: number[];
  test: number[];
}

const RUN_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];

/** Loss per epoch: training solid, test dashed; the live run black, snapshots coloured. */
export function curves(canvas: HTMLCanvasElement, width: number, runs: Series[], big: boolean): void {
  const height = big ? 300 : 210;
  const ctx = fit(canvas, width, height);
  const font = big ? 17 : 12;
  const l = big ? 58 : 44;
  const b = big ? 40 : 30;
  const t = 8;
  const w = width - l - 10;
  const h = height - t - b;
  let maxE = 1;
  let maxL = 0;
  for (const r of runs) {
    maxE = Math.max(maxE, r.epoch[r.epoch.length - 1] ?? 0);
    for (const v of [...r.train, ...r.test]) if (Number.isFinite(v)) maxL = Math.max(maxL, v);
  }
  maxL = maxL > 0 ? maxL * 1.08 : 1;
  ctx.strokeStyle = "#bbbbbb";
  ctx.lineWidth = 1;
  ctx.strokeRect(l, t, w, h);
  ctx.fillStyle = "#333333";
  ctx.font = `${font}px sans-serif`;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (let k = 0; k <= 4; k++) {
    const v = (maxL * k) / 4;
    ctx.fillText(v.toPrecision(2), l - 4, t + h - (h * k) / 4);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  ctx.fillText("0", l, t + h + 4);
  ctx.fillText(maxE.toLocaleString("en"), l + w - 10, t + h + 4);
  ctx.fillText("epoch", l + w / 2, t + h + 4);
  runs.forEach((r, k) => {
    ctx.strokeStyle = k === 0 ? INK : RUN_COLOURS[(k - 1) % RUN_COLOURS.length];
    ctx.lineWidth = k === 0 ? 2.5 : 1.6;
    for (const [values, dash] of [
      [r.train, []],
      [r.test, [6, 4]],
    ] as [number[], number[]][]) {
      ctx.setLineDash(dash);
      ctx.beginPath();
      values.forEach((v, i) => {
        const x = l + (r.epoch[i] / maxE) * w;
        const y = t + h - (Math.min(v, maxL) / maxL) * h;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
  });
  ctx.setLineDash([]);
}

/** Root-mean-square gradient per weight layer, on a log scale. */
export function bars(canvas: HTMLCanvasElement, width: number, rms: number[], big: boolean): void {
  const height = big ? 240 : 170;
  const ctx = fit(canvas, width, height);
  const font = big ? 17 : 12;
  const b = big ? 30 : 22;
  const top = 18;
  const h = height - b - top;
  const vals = rms.filter((v) => v > 0);
  ctx.font = `${font}px sans-serif`;
  ctx.fillStyle = "#333333";
  ctx.textAlign = "center";
  if (!vals.length) {
    ctx.fillText("No gradients yet: press Step or Play.", width / 2, height / 2);
    return;
  }
  const lo = Math.floor(Math.log10(Math.min(...vals))) - 0.5;
  // the tallest bar reaches the top (its value is written above it, in `top`): a scale
  // rounded up to the next power of ten left up to a decade of empty band over the bars
  const hi = Math.log10(Math.max(...vals)) + 0.05;
  const bw = width / rms.length;
  const L = rms.length;
  rms.forEach((v, i) => {
    const name = `${i === 0 ? "in" : i}→${i === L - 1 ? "out" : i + 1}`;
    ctx.fillStyle = "#333333";
    ctx.textBaseline = "top";
    ctx.fillText(name, bw * (i + 0.5), height - b + 4);
    if (!(v > 0)) return;
    const f = (Math.log10(v) - lo) / (hi - lo);
    ctx.fillStyle = hex(BLUE);
    ctx.fillRect(bw * i + bw * 0.2, top + h * (1 - f), bw * 0.6, h * f);
    ctx.fillStyle = "#333333";
    ctx.textBaseline = "bottom";
    ctx.fillText(v.toExponential(1), bw * (i + 0.5), top + h * (1 - f) - 2);
  });
}
