/**
 * Draws sparks on the board canvas.
 *
 * Two layers: `settled`, an offscreen canvas that holds every spark that has finished growing
 * (each is drawn onto it exactly once), and the visible canvas, which is recomposed — settled
 * layer plus the sparks still growing — only on animation frames while something grows.
 * An idle board costs nothing; a busy one costs one drawImage plus one arc per growing spark.
 *
 * Sharp on HiDPI screens: both layers hold `size × devicePixelRatio` device pixels and draw in
 * board coordinates (0..size) through a scale transform; CSS sizes the visible canvas.
 */

/** The `data` of a `sparkle_event` (see specs/spark-board.md and appliance/sparks/models.py). */
export type SparkData = {
  x: number;
  y: number;
  color: number[];
  radius: number;
  transparency: number;
  time_to_grow: number;
};

type Growing = {
  x: number;
  y: number;
  radius: number;
  fill: string;
  alpha: number;
  start: number;
  duration: number;
};

/** Beyond this many growing sparks the oldest are settled at full size to keep frames cheap. */
const MAX_GROWING = 1500;

const channel = (value: number | undefined): number =>
  Math.round(Math.min(1, Math.max(0, Number.isFinite(value) ? (value as number) : 0)) * 255);

const clamp01 = (value: number): number => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/** `rgb(...)` and alpha of a spark: alpha = (color[3] ?? 1) × (1 − transparency). */
export function sparkPaint(spark: Pick<SparkData, "color" | "transparency">): { fill: string; alpha: number } {
  const [r, g, b, a] = spark.color;
  return {
    fill: `rgb(${channel(r)}, ${channel(g)}, ${channel(b)})`,
    alpha: clamp01(a ?? 1) * (1 - clamp01(spark.transparency)),
  };
}

export function isSparkData(value: unknown): value is SparkData {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.x === "number" &&
    typeof v.y === "number" &&
    Array.isArray(v.color) &&
    v.color.length >= 3 &&
    typeof v.radius === "number" &&
    typeof v.transparency === "number" &&
    typeof v.time_to_grow === "number"
  );
}

function paint(ctx: CanvasRenderingContext2D, s: Growing, radius: number): void {
  if (radius <= 0 || s.alpha <= 0) return;
  ctx.globalAlpha = s.alpha;
  ctx.fillStyle = s.fill;
  ctx.beginPath();
  ctx.arc(s.x, s.y, radius, 0, Math.PI * 2);
  ctx.fill();
}

export class BoardRenderer {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly settled: HTMLCanvasElement;
  private readonly settledCtx: CanvasRenderingContext2D;
  private growing: Growing[] = [];
  private frame = 0;
  private destroyed = false;
  /** The board's size in board pixels (sparks' x, y and radius are in these). */
  readonly size: number;
  /** Device pixels per board pixel. */
  readonly scale: number;

  /** `size`: the board in board pixels (the canvas's backing store is resized to it × ratio). */
  constructor(
    canvas: HTMLCanvasElement,
    size: number,
    pixelRatio: number = typeof window === "undefined" ? 1 : window.devicePixelRatio || 1,
  ) {
    this.size = size;
    // At most 3× (a 1536² backing store): sharper than that is invisible and costs memory.
    this.scale = Math.min(3, Math.max(1, pixelRatio));
    const pixels = Math.round(this.size * this.scale);
    canvas.width = pixels;
    canvas.height = pixels;
    const ctx = canvas.getContext("2d");
    this.settled = document.createElement("canvas");
    this.settled.width = pixels;
    this.settled.height = pixels;
    const settledCtx = this.settled.getContext("2d");
    if (!ctx || !settledCtx) throw new Error("canvas 2D context unavailable");
    ctx.setTransform(this.scale, 0, 0, this.scale, 0, 0);
    settledCtx.setTransform(this.scale, 0, 0, this.scale, 0, 0);
    this.ctx = ctx;
    this.settledCtx = settledCtx;
  }

  /** Sparks still growing (for display). */
  get growingCount(): number {
    return this.growing.length;
  }

  /** Draw a spark; `now` earlier than the present (a replayed spark) starts it part-grown. */
  add(spark: SparkData, now: number = performance.now()): void {
    if (this.destroyed) return;
    const { fill, alpha } = sparkPaint(spark);
    const s: Growing = {
      x: spark.x,
      y: spark.y,
      radius: Math.max(0, spark.radius),
      fill,
      alpha,
      start: now,
      duration: Math.max(0, spark.time_to_grow) * 1000,
    };
    if (s.duration === 0) {
      // Full size at once: onto the settled layer, and straight onto the visible canvas too,
      // so it shows even before the next animation frame (or in a background tab).
      paint(this.settledCtx, s, s.radius);
      paint(this.ctx, s, s.radius);
      this.ctx.globalAlpha = 1;
      this.settledCtx.globalAlpha = 1;
      if (this.growing.length > 0) this.schedule();
      return;
    }
    this.growing.push(s);
    if (this.growing.length > MAX_GROWING) {
      const overflow = this.growing.splice(0, this.growing.length - MAX_GROWING);
      for (const old of overflow) paint(this.settledCtx, old, old.radius);
      this.settledCtx.globalAlpha = 1;
    }
    this.schedule();
  }

  /** Wipe this canvas (the board of other browsers is theirs). */
  clear(): void {
    this.growing = [];
    this.settledCtx.clearRect(0, 0, this.size, this.size);
    this.ctx.clearRect(0, 0, this.size, this.size);
  }

  destroy(): void {
    this.destroyed = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.growing = [];
  }

  private schedule(): void {
    if (this.frame === 0 && !this.destroyed) this.frame = requestAnimationFrame(this.draw);
  }

  private readonly draw = (now: number): void => {
    this.frame = 0;
    const { ctx, settledCtx } = this;
    // Settle the sparks that are done; keep the rest in arrival order.
    let kept = 0;
    for (const s of this.growing) {
      if (now - s.start >= s.duration) paint(settledCtx, s, s.radius);
      else this.growing[kept++] = s;
    }
    this.growing.length = kept;
    settledCtx.globalAlpha = 1;

    ctx.globalAlpha = 1;
    ctx.clearRect(0, 0, this.size, this.size);
    ctx.drawImage(this.settled, 0, 0, this.size, this.size);
    for (const s of this.growing) {
      const progress = Math.max(0, now - s.start) / s.duration;
      paint(ctx, s, s.radius * progress);
    }
    ctx.globalAlpha = 1;
    if (this.growing.length > 0) this.schedule();
  };
}
