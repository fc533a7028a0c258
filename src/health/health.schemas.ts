import { z } from 'zod';
import { problemSchema } from '../problem/problem.js';

// The health answers, for the OpenAPI document.

/** Terminus' indicator results by name: `writer`/`reader` in the report, `redis` in readiness. */
const indicators = z.record(z.string(), z.looseObject({ status: z.enum(['up', 'down']) }));

export const healthReportSchema = z
  .strictObject({ status: z.literal('ok'), info: indicators, error: indicators, details: indicators })
  .meta({ id: 'HealthReport', description: 'Checks that passed (`info`), failed (`error`) and all of them (`details`)' });

export const healthProblemSchema = problemSchema
  .extend({ checks: indicators.optional().meta({ description: 'Each check and its status, when checks ran' }) })
  .meta({ id: 'HealthProblem', description: 'A Problem for a failed health check' });
