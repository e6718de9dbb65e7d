#!/usr/bin/env python3
"""A Portspoof-like host (RELIABILITY.md H12; a SIMULATION, our own code): listens on many
ports of one address and answers every connection with a plausible banner from a small
signature list (chosen by port), then reads and drops whatever the client sends until it
leaves. It never answers anything else.

usage: portspoof.py IP PORT [PORT ...]     prints "ready"; runs until stdin closes."""
import asyncio
import sys

BANNERS = [
    b"SSH-2.0-OpenSSH_7.4\r\n",
    b"220 ProFTPD 1.3.5 Server (Debian) [::ffff:10.0.0.1]\r\n",
    b"220 mail.example.test ESMTP Exim 4.89 Mon, 23 Nov 2026 10:00:00 +0000\r\n",
]


async def serve(ip, ports):
    async def answer(reader, writer):
        port = writer.get_extra_info("sockname")[1]
        writer.write(BANNERS[port % len(BANNERS)])
        try:
            await writer.drain()
            await asyncio.wait_for(reader.read(1 << 16), timeout=30)
            while await asyncio.wait_for(reader.read(1 << 16), timeout=30):
                pass  # read and drop until the client leaves
        except (asyncio.TimeoutError, ConnectionError):
            pass
        writer.close()

    servers = [await asyncio.start_server(answer, ip, p) for p in ports]
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the test closes stdin
    for s in servers:
        s.close()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], [int(p) for p in sys.argv[2:]]))
