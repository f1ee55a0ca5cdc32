// A route's validatorCompiler from one of validation.ts's checks: the body stays as parsed when valid (a
// batch over max_batch never gets here: the JSON parser refuses it, batch-bound.ts).

import { RequestError, summarise, type Problem } from '../validation.js';

export const validateWith =
  (check: (body: unknown) => Problem[], status = 400) =>
  () =>
  (body: unknown) => {
    const problems = check(body);
    if (problems.length === 0) return true;
    return { error: new RequestError(status, `Invalid request body: ${summarise(problems)}`, problems) };
  };
