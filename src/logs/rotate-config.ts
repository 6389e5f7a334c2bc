import { z } from 'zod';
import { duration, size } from '../config/types.js';

/** `logs: [{ path, rotate: {...} }]` in vigil.yaml: logrotate's options, in Vigil's words. */
export const rotateSchema = z
  .strictObject({
    /** rotate when the calendar day, ISO week or month has changed since the last rotation */
    when: z.enum(['daily', 'weekly', 'monthly']).optional(),
    /** with `when`: rotate early once the file is larger; without: rotate whenever it is at least this large */
    max_size: size().optional(),
    /** with `when`: do not rotate a file smaller than this */
    min_size: size().optional(),
    /** rotated files to keep */
    keep: z.number().int().min(0).default(7),
    /** delete rotated files last written longer ago than this */
    max_age: duration({ min: 1 }).optional(),
    compress: z.enum(['gzip', 'zstd']).or(z.literal(false)).default(false),
    /** compress a rotated file one rotation later (a writer that has not reopened can still finish it) */
    delay_compress: z.boolean().default(false),
    /** name rotated files by date (app.log-20261127) instead of number (app.log.1) */
    dateext: z.boolean().default(false),
    /** strftime-like: %Y %m %d %H %M %S %s */
    date_format: z
      .string()
      .regex(/^[^/]*%[YmdHMSs][^/]*$/, 'a date format needs at least one of %Y %m %d %H %M %S %s')
      .default('-%Y%m%d'),
    /** move rotated files into this directory (relative to the log's); same filesystem unless copytruncate */
    olddir: z.string().min(1).optional(),
    missing_ok: z.boolean().default(false),
    not_if_empty: z.boolean().default(false),
    /**
     * rename (default): move the file aside and create an empty one, then run `post`
     * so the app reopens; nothing is lost. copytruncate: copy, then empty the file in
     * place; lines written between the copy and the truncate are lost.
     */
    mode: z.enum(['rename', 'copytruncate']).default('rename'),
    /** a shell command run after rotating (rename mode: signal the app to reopen its log) */
    post: z.string().min(1).optional(),
    /** rotate even in a directory anyone can write to (symlink attacks) */
    allow_world_writable: z.boolean().default(false),
    /** rotate a file with more than one hard link */
    allow_hardlinks: z.boolean().default(false),
  })
  .superRefine((r, ctx) => {
    if (r.when === undefined && r.max_size === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'rotate needs when or max_size',
        params: { hint: 'e.g. { when: daily, keep: 14 } or { max_size: 100MB }' },
      });
    }
    if (r.min_size !== undefined && r.when === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['min_size'],
        message: 'min_size only applies with when',
        params: { hint: 'use max_size alone to rotate by size' },
      });
    }
  });

export type RotateOptions = z.output<typeof rotateSchema>;

export const logEntrySchema = z.strictObject({
  /** a file or a glob */
  path: z.string().min(1),
  rotate: rotateSchema.optional(),
});

export type LogEntry = z.output<typeof logEntrySchema>;
