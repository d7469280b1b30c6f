// Holds idle WebSocket sessions of the gateway for bin/bench: node bench/idle.mjs PORT SOURCE_ADDRESS COUNT
// Each is a bare TCP socket that does the upgrade by hand and waits for the `session` event: a few
// KiB per session on this side, so one process holds thousands. Its own source address (127.0.0.x)
// gives each process its own range of ephemeral ports. Prints "opened COUNT" once all are open,
// and closes them when its stdin ends.
import net from 'node:net';

const [port, address, count] = process.argv.slice(2).map((v, i) => (i === 1 ? v : Number(v)));
const request = `GET /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
  + 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const sockets = [];

function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: address });
    let seen = '';
    socket.on('connect', () => socket.write(request));
    socket.on('data', (data) => {
      seen += data.toString('latin1');
      if (seen.includes('"type":"session"')) {
        socket.removeAllListeners('data');
        socket.on('data', () => {});
        resolve();
      } else if (seen.length > 4096 || /^HTTP\/1\.1 [^1]/.test(seen) || seen.includes('"type":"error"')) {
        reject(new Error(`session refused: ${seen.slice(0, 200)}`));
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
