// Holds idle WebSocket sessions of the gateway for bin/bench: node bench/idle.mjs PORT SOURCE_ADDRESS COUNT
// Each is a bare TCP socket that does the upgrade by hand, offering permessage-deflate as a browser
// does (what a session costs the gateway depends on it), and waits for the `session` event: a few
// KiB per session on this side, so one process holds thousands. Its own source address (127.0.0.x)
// gives each process its own range of ephemeral ports. Prints "opened COUNT" once all are open,
// and closes them when its stdin ends.
import net from 'node:net';
import zlib from 'node:zlib';

const [port, address, count] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v)));
const request = `GET /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
  + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
  + 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n';

/** The first frame's text after the handshake's response in `seen`, inflated if it was compressed; null until it is all there. */
function firstText(seen) {
  const end = seen.indexOf('\r\n\r\n');
  if (end < 0 || seen.length < end + 6) return null;
  const frame = Buffer.from(seen.slice(end + 4), 'latin1');
  let length = frame[1] & 0x7f;
  let at = 2;
  if (length === 126) { length = frame.readUInt16BE(2); at = 4; } else if (length === 127) { length = Number(frame.readBigUInt64BE(2)); at = 10; }
  if (frame.length < at + length) return null;
  const payload = frame.subarray(at, at + length);
  return (frame[0] & 0x40) ? zlib.inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString() : payload.toString();
}
const sockets = [];

function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: address });
    let seen = '';
    socket.on('connect', () => socket.write(request));
    socket.on('data', (data) => {
      seen += data.toString('latin1');
      const text = /^HTTP\/1\.1 101/.test(seen) ? firstText(seen) : null;
      if (text?.includes('"type":"session"')) {
        socket.removeAllListeners('data');
        socket.on('data', () => {});
        resolve();
      } else if (text !== null || seen.length > 4096 || /^HTTP\/1\.1 [^1]/.test(seen)) {
        reject(new Error(`session refused: ${text ?? seen.slice(0, 200)}`));
      }
    });
    socket.on('error', reject);
    sockets.push(socket);
  });
}

try {
  for (let i = 0; i < count; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - i) }, open));
  }
  process.stdout.write(`opened ${count}\n`);
} catch (e) {
  process.stdout.write(`failed after ${sockets.length}: ${e.message}\n`);
  process.exit(1);
}
process.stdin.on('end', () => {
  sockets.forEach((s) => s.destroy());
  process.exit(0);
});
process.stdin.resume();
