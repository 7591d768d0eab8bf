// The live channel (mlp_ui/playground_live.py): a WebSocket on this page's own server
// that brings the Playground's frames while it plays. The page hands a one-use ticket in
// the component's data (never in the URL); it goes as the socket's first message. Each
// frame is a Float32Array (the layout is `encode` in playground_live.py); the page acks
// every frame once it has drawn it, and the server keeps at most two unacknowledged. Run
// without the route (plain `streamlit run app.py`, AppTest) the page sends no ticket and
// the fragment's timer brings the frames instead; a socket that cannot open is reported
// (`onFail`) so the page falls back to that timer.

export interface Channel {
  path: string;
  ticket: string;
}

export interface Frame {
  tag: number;
  epoch: number;
  trainLoss: number;
  testLoss: number;
  accuracy: number | null;
  stopped: boolean;
  sizes: number[];
  grad: number[];
  confusion: number[][] | null;
  W: number[][][];
  b: number[][];
}

const MAGIC = 25;
const EPOCH_SPLIT = 2 ** 20;
const HEADER = 10;
export const REFUSED = 4403;

export function decode(buffer: ArrayBuffer): Frame | null {
  const a = new Float32Array(buffer);
  if (a.length < HEADER || a[0] !== MAGIC) return null;
  const L = a[8];
  const k = a[9];
  const sizes = Array.from(a.subarray(HEADER, HEADER + L + 1));
  let at = HEADER + L + 1;
  const grad = Array.from(a.subarray(at, at + L));
  at += L;
  let confusion: number[][] | null = null;
  if (k) {
    confusion = [];
    for (let i = 0; i < k; i++) confusion.push(Array.from(a.subarray(at + i * k, at + i * k + k)));
    at += k * k;
  }
  const W: number[][][] = [];
  const b: number[][] = [];
  for (let l = 0; l < L; l++) {
    const [n, m] = [sizes[l], sizes[l + 1]];
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) rows.push(Array.from(a.subarray(at + i * m, at + i * m + m)));
    W.push(rows);
    at += n * m;
    b.push(Array.from(a.subarray(at, at + m)));
    at += m;
  }
  if (at !== a.length) return null;
  return {
    tag: a[1],
    epoch: a[2] * EPOCH_SPLIT + a[3],
    trainLoss: a[4],
    testLoss: a[5],
    accuracy: Number.isNaN(a[6]) ? null : a[6],
    stopped: a[7] === 1,
    sizes,
    grad,
    confusion,
    W,
    b,
  };
}

export class Live {
  socket: WebSocket | null = null;
  private pending: Frame | null = null;
  private unacked = 0;
  private drawing = false;
  private opened = false;
  private refused = false; // once refused, never again: the page falls back to the timer

  constructor(
    private draw: (f: Frame) => void,
    private onFail: (why: string) => void,
    private alive: () => boolean,
  ) {
    // A page run may mount the component anew: the socket of a view no longer shown closes.
    const watch = window.setInterval(() => {
      if (this.alive()) return;
      this.close();
      window.clearInterval(watch);
    }, 1000);
  }

  // Open the channel with this ticket, unless a socket is already open or opening, or the
  // channel was refused (a page run that began before the server heard of it still
  // carries a ticket: a second try would be refused again).
  open(channel: Channel): void {
    if (this.refused || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    const url = new URL(channel.path, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url.href);
    ws.binaryType = "arraybuffer";
    this.socket = ws;
    this.opened = false;
    ws.onopen = () => {
      this.opened = true;
      ws.send(JSON.stringify({ ticket: channel.ticket }));
    };
    ws.onmessage = (e) => this.take(e.data as ArrayBuffer);
    ws.onclose = (e) => {
      if (this.socket !== ws) return;
      this.socket = null;
      if (!this.alive()) return;
      // Refused, or never open: this page cannot have the channel (the fragment's timer
      // takes over); closed later (a server restart), the next page run's ticket reopens it.
      if (e.code === REFUSED || !this.opened) {
        this.refused = true;
        this.onFail(`closed ${e.code}`);
      }
    };
  }

  close(): void {
    const ws = this.socket;
    this.socket = null;
    if (ws) ws.close(1000);
  }

  private take(data: ArrayBuffer): void {
    if (!this.alive()) {
      this.close();
      return;
    }
    const frame = decode(data);
    this.unacked += 1;
    if (frame) this.pending = frame;
    if (!this.drawing) {
      this.drawing = true;
      requestAnimationFrame(() => this.paint());
    }
  }

  // Draw the newest frame that came since the last paint, then ack every frame it replaced.
  private paint(): void {
    this.drawing = false;
    const frame = this.pending;
    this.pending = null;
    if (frame) this.draw(frame);
    const ws = this.socket;
    if (ws && ws.readyState === WebSocket.OPEN) {
      for (; this.unacked > 0; this.unacked--) ws.send("a");
    }
    this.unacked = 0;
  }
}
