// A smooth random price field s(lat, lon): kernel-smoothed random bumps (Gaussian kernels with
// random amplitudes and length scales) on a jittered grid, one or more layers, each scaled to its sd.
// A pure function of the coordinate, so all rows at one building coordinate get the same value.

import { normal } from './distributions.js';
import { Rng } from './prng.js';

export interface FieldLayer {
  /** Distance between bump centres (one bump per grid cell, placed at random inside it), metres. */
  readonly spacing_m: number;
  /** Kernel length scale of each bump, uniform on [lo, hi], metres. */
  readonly length_m: readonly [number, number];
  /** Target standard deviation of this layer's values. */
  readonly sd: number;
}

export interface Box {
  readonly lat: readonly [number, number];
  readonly lon: readonly [number, number];
}

/** Bumps further than sqrt(2 * 30) = 7.7 length scales add less than 1e-13 and are skipped. */
const FAR = 30;
const M_PER_DEG_LAT = 110_950;
const M_PER_DEG_LON = 111_320 * Math.cos((33.42 * Math.PI) / 180);

interface Layer {
  readonly spacing: number;
  readonly nx: number;
  readonly ny: number;
  readonly reach: number;
  /** Extra border around the box so points near its edge still see bumps on every side, metres. */
  readonly margin: number;
  /** Per cell: centre x, centre y, amplitude (already scaled), 1 / (2 l²). */
  readonly bumps: Float64Array;
}

export class SpatialField {
  readonly #origin: { lat: number; lon: number };
  readonly #layers: Layer[];

  constructor(seed: number, box: Box, layers: readonly FieldLayer[]) {
    this.#origin = { lat: box.lat[0], lon: box.lon[0] };
    this.#layers = layers.map((spec, li) => {
      const [lo, hi] = spec.length_m;
      const margin = 3 * hi;
      const width = (box.lon[1] - box.lon[0]) * M_PER_DEG_LON + 2 * margin;
      const height = (box.lat[1] - box.lat[0]) * M_PER_DEG_LAT + 2 * margin;
      const nx = Math.ceil(width / spec.spacing_m);
      const ny = Math.ceil(height / spec.spacing_m);
      // Var of sum_k a_k exp(-d²/2l²) with unit amplitudes and one bump per spacing² is pi E[l²] / spacing².
      const meanL2 = (lo * lo + lo * hi + hi * hi) / 3;
      const scale = spec.sd / Math.sqrt((Math.PI * meanL2) / (spec.spacing_m * spec.spacing_m));
      const rng = Rng.stream(seed, `spatial-field/${li}`);
      const bumps = new Float64Array(nx * ny * 4);
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const k = (j * nx + i) * 4;
          const l = rng.uniform(lo, hi);
          bumps[k] = (i + rng.next()) * spec.spacing_m - margin;
          bumps[k + 1] = (j + rng.next()) * spec.spacing_m - margin;
          bumps[k + 2] = scale * normal(rng);
          bumps[k + 3] = 1 / (2 * l * l);
        }
      }
      return { spacing: spec.spacing_m, nx, ny, reach: Math.ceil((3.5 * hi) / spec.spacing_m), margin, bumps };
    });
  }

  /** The field's value at a coordinate (sum over layers). */
  at(lat: number, lon: number): number {
    const x = (lon - this.#origin.lon) * M_PER_DEG_LON;
    const y = (lat - this.#origin.lat) * M_PER_DEG_LAT;
    let total = 0;
    for (const layer of this.#layers) {
      const ci = Math.floor((x + layer.margin) / layer.spacing);
      const cj = Math.floor((y + layer.margin) / layer.spacing);
      const b = layer.bumps;
      for (let j = Math.max(0, cj - layer.reach); j <= Math.min(layer.ny - 1, cj + layer.reach); j++) {
        for (let i = Math.max(0, ci - layer.reach); i <= Math.min(layer.nx - 1, ci + layer.reach); i++) {
          const k = (j * layer.nx + i) * 4;
          const dx = x - b[k]!;
          const dy = y - b[k + 1]!;
          const q = (dx * dx + dy * dy) * b[k + 3]!;
          if (q < FAR) total += b[k + 2]! * Math.exp(-q);
        }
      }
    }
    return total;
  }
}
