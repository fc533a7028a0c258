import { HttpException, HttpStatus } from '@nestjs/common';
import { z } from 'zod';

/** RFC 9457 problem details, the body of every 4xx/5xx. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** The Problem's shape for the OpenAPI document; loose, as RFC 9457 allows extension members. */
export const problemSchema = z
  .looseObject({
    type: z.string().meta({ description: 'A URI naming the kind of problem, or `about:blank`', format: 'uri' }),
    title: z.string().meta({ description: 'Short summary of the kind of problem' }),
    status: z.int().min(400).max(599).meta({ description: 'The HTTP status, repeated' }),
    detail: z.string().min(1).meta({ description: 'What went wrong with this request, for a human' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });

const TYPE_BASE = 'https://journal.example/problems/';

/** An HTTP error with a specific problem type, a human `detail`, and optional extension members. */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail, status);
  }

  toProblem(): Problem {
    return { type: TYPE_BASE + this.slug, title: this.title, status: this.getStatus(), detail: this.message, ...this.extensions };
  }
}
