// Pan and zoom of the graph: one transform on the viewport <g>. Drag the background to pan, wheel
// to zoom around the pointer, buttons to zoom and fit.

export interface Canvas {
  /** Scales and centres the whole graph in the canvas (never above 1.5×). */
  fit(width: number, height: number): void;
  /** Centres a point of the graph without changing the zoom. */
  centerOn(x: number, y: number): void;
  zoomBy(factor: number): void;
  readonly scale: number;
}

const MIN = 0.05;
const MAX = 4;

export const createCanvas = (svg: SVGSVGElement, viewport: SVGGElement): Canvas => {
  let x = 0;
  let y = 0;
  let k = 1;
  const apply = () =>
    viewport.setAttribute('transform', `translate(${x.toFixed(1)},${y.toFixed(1)}) scale(${k.toFixed(4)})`);
  const zoomAt = (factor: number, px: number, py: number) => {
    const next = Math.min(MAX, Math.max(MIN, k * factor));
    x = px - ((px - x) * next) / k;
    y = py - ((py - y) * next) / k;
    k = next;
    apply();
  };

  // A drag that starts on an item is a click on it, not a pan.
  let drag: { id: number; sx: number; sy: number; x0: number; y0: number } | undefined;
  svg.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || (e.target as Element).closest('.item')) return;
    drag = { id: e.pointerId, sx: e.clientX, sy: e.clientY, x0: x, y0: y };
    svg.setPointerCapture(e.pointerId);
    svg.classList.add('panning');
  });
  svg.addEventListener('pointermove', (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    x = drag.x0 + e.clientX - drag.sx;
    y = drag.y0 + e.clientY - drag.sy;
    apply();
  });
  const end = (e: PointerEvent) => {
    if (drag && e.pointerId === drag.id) (drag = undefined), svg.classList.remove('panning');
  };
  svg.addEventListener('pointerup', end);
  svg.addEventListener('pointercancel', end);
  svg.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const r = svg.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), e.clientX - r.left, e.clientY - r.top);
    },
    { passive: false },
  );

  return {
    fit(width, height) {
      const r = svg.getBoundingClientRect();
      const pad = 24;
      k = Math.max(
        MIN,
        Math.min(1.5, (r.width - 2 * pad) / Math.max(1, width), (r.height - 2 * pad) / Math.max(1, height)),
      );
      x = (r.width - width * k) / 2;
      y = (r.height - height * k) / 2;
      apply();
    },
    centerOn(gx, gy) {
      const r = svg.getBoundingClientRect();
      x = r.width / 2 - gx * k;
      y = r.height / 2 - gy * k;
      apply();
    },
    zoomBy(factor) {
      const r = svg.getBoundingClientRect();
      zoomAt(factor, r.width / 2, r.height / 2);
    },
    get scale() {
      return k;
    },
  };
};
