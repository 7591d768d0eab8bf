// The network's numbers in the browser: the input features, the forward pass over a grid
// of the plane, and the formula of one unit. The server trains (mlp_core's NumPy step)
// and sends the weights; everything drawn is computed here from them.

export type Activation = "tanh" | "relu" | "sigmoid" | "linear";
export type Output = "sigmoid" | "linear" | "softmax";

export const DOMAIN: [number, number] = [-6, 6];

export const FEATURES: Record<string, [string, (x1: number, x2: number) => number]> = {
  x1: ["x₁", (x1) => x1],
  x2: ["x₂", (_x1, x2) => x2],
  x1sq: ["x₁²", (x1) => x1 * x1],
  x2sq: ["x₂²", (_x1, x2) => x2 * x2],
  x1x2: ["x₁x₂", (x1, x2) => x1 * x2],
  sinx1: ["sin x₁", (x1) => Math.sin(x1)],
  sinx2: ["sin x₂", (_x1, x2) => Math.sin(x2)],
};

export interface Net {
  features: string[];
  activation: Activation;
  output: Output;
  W: number[][][]; // W[l][i][j]: from unit i of column l to unit j of column l + 1
  b: number[][];
}

export function sizes(net: Net): number[] {
  return [net.features.length, ...net.b.map((b) => b.length)];
}

function act(kind: Activation | "linear", z: number): number {
  switch (kind) {
    case "tanh":
      return Math.tanh(z);
    case "relu":
      return z > 0 ? z : 0;
    case "sigmoid":
      return 1 / (1 + Math.exp(-z));
    default:
      return z;
  }
}

/** Every unit over an s x s grid of the plane: out[c][j] is a Float32Array of s * s values,
 * row r at x2 = DOMAIN[1] - r * step (top row first, as drawn), column q at x1. */
export function grids(net: Net, s: number): Float32Array[][] {
  const n = sizes(net);
  const out = n.map((k) => Array.from({ length: k }, () => new Float32Array(s * s)));
  const step = (DOMAIN[1] - DOMAIN[0]) / (s - 1);
  const fns = net.features.map((f) => FEATURES[f][1]);
  const L = net.W.length;
  let a = new Float64Array(Math.max(...n));
  let z = new Float64Array(Math.max(...n));
  for (let r = 0; r < s; r++) {
    const x2 = DOMAIN[1] - r * step;
    for (let q = 0; q < s; q++) {
      const x1 = DOMAIN[0] + q * step;
      const p = r * s + q;
      for (let i = 0; i < n[0]; i++) {
        a[i] = fns[i](x1, x2);
        out[0][i][p] = a[i];
      }
      for (let l = 0; l < L; l++) {
        const W = net.W[l];
        const bl = net.b[l];
        const m = bl.length;
        for (let j = 0; j < m; j++) {
          let sum = bl[j];
          for (let i = 0; i < n[l]; i++) sum += a[i] * W[i][j];
          z[j] = sum;
        }
        const last = l === L - 1;
        if (last && net.output === "softmax") {
          let top = -Infinity;
          for (let j = 0; j < m; j++) top = Math.max(top, z[j]);
          let total = 0;
          for (let j = 0; j < m; j++) total += z[j] = Math.exp(z[j] - top);
          for (let j = 0; j < m; j++) z[j] /= total;
        } else {
          const kind = last ? (net.output === "sigmoid" ? "sigmoid" : "linear") : net.activation;
          for (let j = 0; j < m; j++) z[j] = act(kind, z[j]);
        }
        for (let j = 0; j < m; j++) out[l + 1][j][p] = z[j];
        [a, z] = [z, a];
      }
    }
  }
  return out;
}

/** The kind of unit c: inputs are 'linear', the output its own kind. */
export function kindOf(net: Net, c: number): Activation | Output {
  if (c === 0) return "linear";
  return c === net.W.length ? net.output : net.activation;
}

/** A number as the formula shows it: two decimals, a real minus sign. */
export function num(v: number): string {
  return (Math.abs(v) < 0.005 ? 0 : v).toFixed(2).replace("-", "−");
}

/** The names of the units of column c (inputs by their feature, others by number). */
export function unitNames(net: Net, c: number): string[] {
  const n = sizes(net);
  if (c === 0) return net.features.map((f) => FEATURES[f][0]);
  const last = c === n.length - 1;
  return Array.from({ length: n[c] }, (_, j) =>
    last ? (n[c] > 1 ? `output ${j + 1} (class ${j})` : "output") : `layer ${c}, neuron ${j + 1}`,
  );
}

/** Unit j of column c as a formula with its current numbers, e.g.
 * tanh(0.83 x₁ − 1.20 x₂ + 0.05); deeper units name the previous layer's neurons. */
export function formula(net: Net, c: number, j: number): string {
  const W = net.W[c - 1];
  const src = c === 1 ? net.features.map((f) => FEATURES[f][0]) : W.map((_, i) => `h${c - 1},${i + 1}`);
  let text = "";
  // The sign goes with the number as shown: -0.004 reads "+ 0.00", not "− 0.00".
  const signed = (v: number) => (Math.round(v * 100) < 0 ? "−" : "+");
  W.forEach((row, i) => {
    const w = row[j];
    const mag = num(Math.abs(w));
    text += i === 0 ? `${signed(w) === "−" ? "−" : ""}${mag} ${src[i]}` : ` ${signed(w)} ${mag} ${src[i]}`;
  });
  const bias = net.b[c - 1][j];
  text += ` ${signed(bias)} ${num(Math.abs(bias))}`;
  const kind = kindOf(net, c);
  if (kind === "linear") return text;
  if (kind === "softmax") return `softmax, class ${j}: exp(z${j}) / Σ exp(z), z${j} = ${text}`;
  const name = kind === "sigmoid" ? "σ" : kind;
  return `${name}(${text})`;
}
