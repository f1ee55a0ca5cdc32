import { encodedMatrix, propertyLike } from '../test/fixtures/property-like.js';
import { GradientBoostingRegressor } from '../src/index.js';
const d = propertyLike(16212, 1);
const x = encodedMatrix(d);
const loss = (process.argv[2] ?? 'absolute_error') as 'absolute_error';
const out: string[] = [];
for (let k = 0; k < 6; k++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  new GradientBoostingRegressor({ loss, learning_rate: 0.01, n_estimators: 300, max_depth: 5, random_state: 42 }).fit(x, d.price);
  const c = process.cpuUsage(c0);
  out.push(`${(performance.now() - t0).toFixed(0)}/${((c.user + c.system) / 1000).toFixed(0)}`);
}
console.log(loss, 'wall/cpu ms:', out.join('  '));
