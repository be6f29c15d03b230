#!/usr/bin/python3
"""A TCP proxy that injects network faults between the gateway and slapd.

    fault_proxy.py TARGET_HOST TARGET_PORT PORT_FILE

Listens on two free ports of 127.0.0.1 and writes "<proxy port> <control port>" to PORT_FILE.
Every connection to the proxy port is forwarded to the target. The control port takes one
command per line and answers "ok":

    pass        forward normally (the default)
    refuse      close new connections at once
    stall       accept new connections but never connect them onward
    blackhole   keep every connection open and forward nothing, either way
    cut N       close each connection once N bytes came back from the target
    delay MS    hold every chunk from the target MS milliseconds
    drop        close every open connection now (a server restart seen from the client)
    drop_last   close the connection accepted last
    count       answer "ok <connections accepted so far> <bytes forwarded to the target>"
"""

import asyncio
import os
import sys


class Faults:
    def __init__(self):
        self.mode = "pass"
        self.cut_after = 0
        self.delay_ms = 0
        self.accepted = 0
        self.bytes_up = 0
        self.open = set()
        self.clients = []  # (client writer, target writer) in the order accepted
        self.resumed = asyncio.Event()
        self.resumed.set()

    def set(self, words):
        command = words[0]
        if command in ("pass", "refuse", "stall", "blackhole"):
            self.mode = command
            self.cut_after = 0
            self.delay_ms = 0
        elif command == "cut":
            self.mode, self.cut_after = "pass", int(words[1])
        elif command == "delay":
            self.mode, self.delay_ms = "pass", int(words[1])
        elif command == "drop":
            for writer in list(self.open):
                writer.transport.abort()
            self.open.clear()
        elif command == "drop_last":
            while self.clients:
                pair = self.clients.pop()
                if pair[0] in self.open:
                    for writer in pair:
                        writer.transport.abort()
                    break
        elif command == "count":
            return "ok %d %d" % (self.accepted, self.bytes_up)
        else:
            return "error unknown command"
        if self.mode == "blackhole":
            self.resumed.clear()
        else:
            self.resumed.set()
        return "ok"


faults = Faults()


async def pump(reader, writer, from_target, state):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            await faults.resumed.wait()  # blackhole: hold the bytes, keep the socket
            if not from_target:
                faults.bytes_up += len(data)
            if from_target and faults.delay_ms:
                await asyncio.sleep(faults.delay_ms / 1000)
            writer.write(data)
            await writer.drain()
            if from_target and faults.cut_after:
                state["returned"] += len(data)
                if state["returned"] >= faults.cut_after:
                    break
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()


async def serve_client(client_reader, client_writer, host, port):
    faults.accepted += 1
    if faults.mode == "refuse":
        client_writer.transport.abort()
        return
    faults.open.add(client_writer)
    if faults.mode == "stall":
        try:
            await client_reader.read()  # until the client gives up
        except (ConnectionError, OSError):
            pass
        faults.open.discard(client_writer)
        client_writer.transport.abort()
        return
    try:
        target_reader, target_writer = await asyncio.open_connection(host, port)
    except OSError:
        faults.open.discard(client_writer)
        client_writer.transport.abort()
        return
    faults.open.add(target_writer)
    faults.clients.append((client_writer, target_writer))
    state = {"returned": 0}
    await asyncio.gather(pump(client_reader, target_writer, False, state),
                         pump(target_reader, client_writer, True, state))
    faults.open.discard(client_writer)
    faults.open.discard(target_writer)


async def serve_control(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        answer = faults.set(line.decode().split())
        writer.write((answer + "\n").encode())
        await writer.drain()
    writer.close()


async def main():
    host, port, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    proxy = await asyncio.start_server(lambda r, w: serve_client(r, w, host, port), "127.0.0.1", 0)
    control = await asyncio.start_server(serve_control, "127.0.0.1", 0)
    ports = (proxy.sockets[0].getsockname()[1], control.sockets[0].getsockname()[1])
    with open(port_file + ".tmp", "w") as f:
        f.write("%d %d\n" % ports)
    os.rename(port_file + ".tmp", port_file)
    await asyncio.gather(proxy.serve_forever(), control.serve_forever())


if __name__ == "__main__":
    asyncio.run(main())
