import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

const firstRequestTimer = Symbol('vigil.firstRequestTimer');
type Watched = Socket & { [firstRequestTimer]?: NodeJS.Timeout };

/**
 * A connection that sends no request within `withinMs` is closed. Node's own
 * headersTimeout only starts with the first byte of a request, so a client
 * that connects and stays silent kept its descriptor until the connection
 * cap filled. Over TLS the timer starts after the handshake (which has its
 * own timeout) and sits on the TLS socket, the one requests arrive on.
 */
export function closeSilentConnections(server: Server, withinMs: number, tls: boolean): void {
  server.on(tls ? 'secureConnection' : 'connection', (socket: Watched) => {
    // One connection's deadline for its first request, not scheduled work.
    const timer = setTimeout(() => socket.destroy(), withinMs);
    timer.unref();
    socket[firstRequestTimer] = timer;
    socket.once('close', () => clearTimeout(timer));
  });
  server.on('request', (req: IncomingMessage) => {
    const socket = req.socket as Watched;
    clearTimeout(socket[firstRequestTimer]);
    socket[firstRequestTimer] = undefined;
  });
}
