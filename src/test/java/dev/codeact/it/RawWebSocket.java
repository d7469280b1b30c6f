package dev.codeact.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client that writes frames exactly as asked: one text frame of any size, not split
 * (the JDK client splits large messages into several frames, so it cannot show what a single big
 * frame does), or one message in frames of a chosen size. Only what the frame tests need:
 * handshake, send text, read text frames and the close status.
 */
final class RawWebSocket implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    /** The status and reason of the close frame the server sent; -1 and null before one. */
    private int closeStatus = -1;
    private String closeReason;

    RawWebSocket(String wsUri) throws IOException {
        this(wsUri, 0);
    }

    /** With {@code receiveBuffer} > 0, the socket's receive buffer is that small: a client that does not read stalls soon. */
    RawWebSocket(String wsUri, int receiveBuffer) throws IOException {
        this(wsUri, receiveBuffer, "");
    }

    /** The handshake's response headers, names in lower case. */
    private final java.util.Map<String, String> headers = new java.util.HashMap<>();

    /** {@code extraHeaders}: more request header lines, each ending in CRLF (what a browser adds). */
    RawWebSocket(String wsUri, int receiveBuffer, String extraHeaders) throws IOException {
        URI uri = URI.create(wsUri);
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()));
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(nonce) + "\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
        String status = readLine(in);
        if (!status.contains(" 101 ")) {
            throw new IOException("upgrade refused: " + status);
        }
        for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT), header.substring(colon + 1).strip());
        }
    }

    /** A response header of the handshake, or null. */
    String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    /** One masked text frame holding all of {@code text}. */
    void sendText(String text) throws IOException {
        sendFrame(0x1, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code text} as one message in frames of {@code frameBytes}: a text frame, then continuation frames. */
    void sendFragmented(String text, int frameBytes) throws IOException {
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        for (int from = 0; from < all.length; from += frameBytes) {
            int to = Math.min(all.length, from + frameBytes);
            sendFrame(from == 0 ? 0x1 : 0x0, to == all.length, java.util.Arrays.copyOfRange(all, from, to));
        }
    }

    private void sendFrame(int opcode, boolean fin, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /** The next text frame's text; null when the server closed the connection instead. */
    String nextText() throws IOException {
        while (true) {
            int first = in.read();
            if (first < 0) {
                return null;
            }
            if ((first & 0x70) != 0) {
                throw new IOException("a frame with RSV bits set (compressed?): no extension was agreed");
            }
            int opcode = first & 0x0f;
            long length = in.readUnsignedByte() & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            if (opcode == 0x8) {
                if (payload.length >= 2) {
                    closeStatus = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
                    closeReason = new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
                }
                return null;
            }
            if (opcode == 0x1) {
                return new String(payload, StandardCharsets.UTF_8);
            }
        }
    }

    int closeStatus() {
        return closeStatus;
    }

    String closeReason() {
        return closeReason;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
