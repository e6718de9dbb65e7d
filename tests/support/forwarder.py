"""A TCP forwarder that counts the connections it relays (how many a scanner opened to
identify one service). Loopback only."""
import socket
import threading


class CountingForwarder:
    """Accepts on ip:free port, counts each connection, relays it to the backend."""

    def __init__(self, ip, backend_port):
        self.ip, self.backend = ip, backend_port
        self.listener = socket.create_server((ip, 0))
        self.port = self.listener.getsockname()[1]
        self.count = 0
        self.closing = False
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.count += 1
            threading.Thread(target=self.relay, args=(client,), daemon=True).start()

    def relay(self, client):
        try:
            upstream = socket.create_connection((self.ip, self.backend), 5)
        except OSError:
            client.close()
            return

        def pump(a, b):
            try:
                while chunk := a.recv(65536):
                    b.sendall(chunk)
            except OSError:
                pass
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        t = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        t.start()
        pump(client, upstream)
        t.join(10)
        client.close()
        upstream.close()

    def close(self):
        self.closing = True
        self.listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
