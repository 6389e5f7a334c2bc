import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../deps.js';

const esc = (t: string) =>
  t.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (reply: FastifyReply, status: number, title: string, body: string) =>
  reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title></head><body style="font-family:sans-serif;max-width:36em;margin:3em auto"><h1>${esc(title)}</h1>${body}</body></html>`,
    );

/** A refusal: a page for a browser, Vigil's error shape for anything else (a script, a link checker). */
const refuse = (req: FastifyRequest, reply: FastifyReply, why: 'expired' | 'invalid' | 'off') => {
  const [status, code, title, more] =
    why === 'expired'
      ? [410, 'FORBIDDEN', 'This link has expired', 'Log in to Vigil to acknowledge the incident.']
      : why === 'invalid'
        ? [403, 'FORBIDDEN', 'This link is not valid', 'It may have been cut short by the mail program.']
        : [404, 'NOT_FOUND', 'Acknowledgement links are off here', ''];
  if (!req.headers.accept?.includes('text/html'))
    return reply.code(status).send({ error: { code, message: title, hint: more } });
  return page(reply, status, title, more ? `<p>${esc(more)}</p>` : '');
};

/**
 * Acknowledgement links from pages, without a login: the signed token is the permission, for one
 * incident until it expires. GET only shows the incident and a button (mail scanners open links;
 * a GET must not acknowledge), the button's POST acknowledges and stops the escalation.
 */
export const ackRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    // The button is a plain HTML form: its empty urlencoded body carries nothing we read.
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, _body, done) => done(null, {}),
    );
    const acks = deps.acks;
    app.get<{ Params: { token: string } }>(
      '/ack/:token',
      { config: { auth: 'public' } },
      async (req, reply) => {
        if (!acks) return refuse(req, reply, 'off');
        const found = await acks.inspect(req.params.token);
        if (typeof found === 'string') return refuse(req, reply, found);
        const i = found.incident;
        if (i.status !== 'open')
          return page(
            reply,
            200,
            `Incident #${i.id} is ${i.status}`,
            `<p>${esc(i.title)}</p><p>Nothing to do.</p>`,
          );
        return page(
          reply,
          200,
          `Incident #${i.id}`,
          `<p>${esc(i.title)}</p><form method="post"><button type="submit" style="font-size:1.2em">Acknowledge</button></form><p>Acknowledging stops the escalation: nobody else is paged.</p>`,
        );
      },
    );
    app.post<{ Params: { token: string } }>(
      '/ack/:token',
      { config: { auth: 'public' } },
      async (req, reply) => {
        if (!acks) return refuse(req, reply, 'off');
        const done = await acks.acknowledge(req.params.token);
        if (typeof done === 'string') return refuse(req, reply, done);
        const i = done.incident;
        return page(
          reply,
          200,
          done.already ? `Incident #${i.id} was already ${i.status}` : `Incident #${i.id} acknowledged`,
          `<p>${esc(i.title)}</p>${i.ackedBy ? `<p>Acknowledged by ${esc(i.ackedBy)}.</p>` : ''}`,
        );
      },
    );
  };
